"""Writes that depend on what a record holds now stay right when two land at once: the
prospect's last contact never goes back, its next follow-up is the earliest open one, and
the agency's plugin version moves once per change (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

from realty_crm.extensions import db
from realty_crm.models import Agency, Prospect, utcnow
from realty_crm.services import calls, plugins, prospects
from realty_crm.testing.concurrency import race

ROUNDS = 4


def _fresh(model, ident):
    db.session.expire_all()
    return db.session.get(model, ident)


def test_two_calls_logged_at_once_leave_the_latest_as_last_contact(app, team):
    earlier, later = utcnow() - timedelta(hours=3), utcnow() - timedelta(hours=1)
    for round_ in range(ROUNDS):
        prospect = prospects.create_prospect(team.agent, {"first_name": f"Ana{round_}"})
        calls_ = [{"prospect_id": prospect.id, "direction": "outbound", "outcome": "answered",
                   "occurred_at": when.isoformat()} for when in (later, earlier)]

        outcomes = race(app, team.a.id, team.agent.id, [
            lambda actor, data=data: calls.log_call(actor, data) for data in calls_
        ])

        assert outcomes == ["done", "done"], outcomes
        assert _fresh(Prospect, prospect.id).last_contacted_at == later


def test_two_follow_ups_planned_at_once_leave_the_earliest_as_next(app, team):
    soon, later = utcnow() + timedelta(days=1), utcnow() + timedelta(days=2)
    for round_ in range(ROUNDS):
        prospect = prospects.create_prospect(team.agent, {"first_name": f"Ana{round_}"})
        plans = [{"prospect_id": prospect.id, "title": "Call back", "due_at": when.isoformat()}
                 for when in (later, soon)]

        outcomes = race(app, team.a.id, team.agent.id, [
            lambda actor, data=data: calls.create_follow_up(actor, data) for data in plans
        ])

        assert outcomes == ["done", "done"], outcomes
        assert _fresh(Prospect, prospect.id).next_follow_up_at == soon


def test_two_plugin_changes_at_once_move_the_version_twice(app, team):
    for _round in range(ROUNDS):
        before = _fresh(Agency, team.a.id).plugins_version or 0

        outcomes = race(app, team.a.id, team.admin.id, [
            lambda actor: plugins.set_enabled(actor, actor.agency, "visit_notes", True),
            lambda actor: plugins.set_enabled(actor, actor.agency, "calendar_sync", True),
        ])

        assert outcomes == ["done", "done"], outcomes
        assert _fresh(Agency, team.a.id).plugins_version == before + 2
        for name in ("visit_notes", "calendar_sync"):
            plugins.set_enabled(team.admin, _fresh(Agency, team.a.id), name, False)
