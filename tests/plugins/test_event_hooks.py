"""Event hooks: sent after the commit, only to the plugins enabled in the record's agency,
each plugin isolated from the others and from the core action."""

from __future__ import annotations

import logging
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from realty_crm import plugin_host, tenancy
from realty_crm.errors import Conflict
from realty_crm.extensions import db
from realty_crm.models import Call, PluginError, Prospect, Visit
from realty_crm.services import plugins, properties, prospects, reassign, visits

from .conftest import RUN_LOG, committed


def _everything_in(make, book, actor) -> None:
    """Create a prospect, log a call, book a visit and change a price in ``actor``'s agency."""
    prospect = make.prospect(actor, email=f"buyer@{actor.agency.slug}.example.com")
    make.call(actor, prospect)
    prop = make.property(actor)
    book(actor, prop, prospect)
    with tenancy.scope(actor.agency_id):
        properties.update_property(actor, prop, {"price": "199000"})


def test_event_hooks_fire_only_in_agencies_where_the_plugin_is_enabled(
    team, make, enable, book, test_plugins
):
    enable(team.agency, "recorder")

    _everything_in(make, book, team.outsider)  # agency B: recorder is installed but off
    assert test_plugins.recorder.events == []
    _everything_in(make, book, team.admin)

    hooks = [e.hook for e in test_plugins.recorder.events]
    assert {
        "crm_prospect_created",
        "crm_call_logged",
        "crm_visit_scheduled",
        "crm_property_price_changed",
        "crm_property_published",
    } <= set(hooks)
    assert {e.kwargs["agency"] for e in test_plugins.recorder.events} == {("Agency", team.agency.id)}
    assert {e.kwargs["actor"] for e in test_plugins.recorder.events} == {("User", team.admin.id)}


def test_disabling_a_plugin_stops_its_events_at_once(team, make, enable, test_plugins):
    enable(team.agency, "recorder")
    make.prospect(team.admin)
    with tenancy.scope(team.agency.id):
        plugins.set_enabled(None, team.agency, "recorder", False)
    make.prospect(team.admin)

    assert len(test_plugins.recorder.hooks("crm_prospect_created")) == 1


def test_prospect_hooks_get_the_documented_arguments_after_the_commit(team, make, enable, test_plugins):
    enable(team.agency, "recorder")
    rec = test_plugins.recorder

    prospect = make.prospect(team.admin, first_name="Zoë", assigned_agent_id=team.agent.id)
    with tenancy.scope(team.agency.id):
        reassign.reassign(team.admin, [prospect.id], team.manager.id)
        prospects.update_prospect(team.admin, prospect, {"status": "qualified"})

    (created,) = rec.hooks("crm_prospect_created")
    assert created.kwargs == {
        "prospect": ("Prospect", prospect.id),
        "agency": ("Agency", team.agency.id),
        "actor": ("User", team.admin.id),
    }
    first, second = rec.hooks("crm_prospect_assigned")
    assert (first.kwargs["agent"], first.kwargs["previous_agent"]) == (("User", team.agent.id), None)
    assert (second.kwargs["agent"], second.kwargs["previous_agent"]) == (
        ("User", team.manager.id),
        ("User", team.agent.id),
    )
    (status,) = rec.hooks("crm_prospect_status_changed")
    assert (status.kwargs["old"], status.kwargs["new"]) == ("new", "qualified")
    assert all(e.committed for e in rec.events), rec.events
    assert {e.scope for e in rec.events} == {team.agency.id}


def test_visit_hooks_get_the_documented_arguments_after_the_commit(team, make, enable, book, test_plugins):
    enable(team.agency, "recorder")
    rec = test_plugins.recorder
    prospect = make.prospect(team.admin)
    prop = make.property(team.admin)

    visit = book(team.admin, prop, prospect, agent_id=team.agent.id)
    old_start = visit.starts_at
    with tenancy.scope(team.agency.id):
        visits.update_visit(team.admin, visit, {"starts_at": (old_start + timedelta(hours=2)).isoformat()})
        visits.update_visit(team.admin, visit, {"status": "confirmed"})
        visits.update_visit(team.admin, visit, {"status": "cancelled", "cancel_reason": "Buyer ill 🤒"})
    past = book(team.admin, prop, prospect, hours_from_now=-30, status="done", rating=4)
    with tenancy.scope(team.agency.id):
        later = book(team.admin, prop, prospect, hours_from_now=72)
        visits.update_visit(team.admin, later, {"status": "confirmed"})

    scheduled = rec.hooks("crm_visit_scheduled")
    assert [e.kwargs["visit"] for e in scheduled] == [
        ("Visit", visit.id),
        ("Visit", past.id),
        ("Visit", later.id),
    ]
    (moved,) = rec.hooks("crm_visit_rescheduled")
    assert moved.kwargs["old_starts_at"] == old_start and moved.kwargs["visit"] == ("Visit", visit.id)
    assert [e.kwargs["visit"] for e in rec.hooks("crm_visit_confirmed")] == [
        ("Visit", visit.id),
        ("Visit", later.id),
    ]
    (cancelled,) = rec.hooks("crm_visit_cancelled")
    assert cancelled.kwargs["reason"] == "Buyer ill 🤒"
    assert all(e.committed for e in rec.events), rec.events


def test_completing_a_visit_fires_visit_completed(team, make, enable, book, test_plugins):
    prospect = make.prospect(team.admin)
    prop = make.property(team.admin)
    visit = book(team.admin, prop, prospect, hours_from_now=-0.1)  # just begun
    enable(team.agency, "recorder")

    with tenancy.scope(team.agency.id):
        visits.update_visit(
            team.admin, visit, {"status": "done", "rating": 5, "feedback": "Loved the terrace"}
        )

    (completed,) = test_plugins.recorder.hooks("crm_visit_completed")
    assert completed.kwargs["visit"] == ("Visit", visit.id) and completed.committed


def test_call_and_property_hooks_get_the_documented_arguments_after_the_commit(
    team, make, enable, test_plugins
):
    enable(team.agency, "recorder")
    rec = test_plugins.recorder
    prospect = make.prospect(team.agent)

    call = make.call(team.agent, prospect)
    draft = make.property(team.admin, status="draft", price="300000")
    with tenancy.scope(team.agency.id):
        properties.update_property(team.admin, draft, {"price": "285000.50"})
        properties.update_property(team.admin, draft, {"status": "available"})
        properties.update_property(team.admin, draft, {"status": "reserved"})
        properties.update_property(team.admin, draft, {"status": "available"})  # not a first publication

    (logged,) = rec.hooks("crm_call_logged")
    assert logged.kwargs == {
        "call": ("Call", call.id),
        "agency": ("Agency", team.agency.id),
        "actor": ("User", team.agent.id),
    }
    (price,) = rec.hooks("crm_property_price_changed")
    assert price.kwargs["old_price"] == Decimal("300000") and price.kwargs["property"] == (
        "Property",
        draft.id,
    )
    (published,) = rec.hooks("crm_property_published")
    assert published.kwargs["property"] == ("Property", draft.id)
    assert all(e.committed for e in rec.events), rec.events


def test_a_refused_change_sends_no_event(team, make, enable, test_plugins):
    enable(team.agency, "recorder")
    make.prospect(team.admin, email="dup@example.com")

    with tenancy.scope(team.agency.id), pytest.raises(Conflict):
        prospects.create_prospect(team.admin, {"first_name": "Twin", "email": "DUP@example.com"})
    db.session.rollback()

    assert len(test_plugins.recorder.hooks("crm_prospect_created")) == 1


def test_a_failing_plugin_neither_breaks_nor_undoes_the_action_and_the_others_still_run(
    team, enable, login, post, test_plugins
):
    enable(team.agency, "boom", "recorder")
    client = login(team.admin)

    response = post(
        client, "/prospects/new", {"first_name": "Nadia", "last_name": "Haddad", "source": "phone"}
    )

    assert response.status_code == 302
    prospect = db.session.scalars(
        select(Prospect).where(Prospect.last_name == "Haddad").execution_options(**tenancy.unscoped())
    ).one()
    assert prospect.first_name == "Nadia"  # the plugin's change was rolled back, the core's kept
    assert RUN_LOG == ["boom", "recorder"]  # the recorder ran after boom had failed
    assert [e.hook for e in test_plugins.recorder.events] == ["crm_prospect_created"]
    error = db.session.scalars(
        select(PluginError)
        .where(PluginError.hook == "crm_prospect_created")
        .execution_options(**tenancy.unscoped())
    ).one()
    assert (error.agency_id, error.plugin) == (team.agency.id, "boom")
    assert "RuntimeError: mail server down" in error.message
    assert "Traceback" in error.details and "raise RuntimeError" in error.details


def test_a_plugin_that_rolls_back_cannot_undo_a_booking(team, make, enable, book, test_plugins):
    prospect = make.prospect(team.admin)
    prop = make.property(team.admin)
    enable(team.agency, "boom", "recorder")

    visit = book(team.admin, prop, prospect)

    assert committed(visit)
    assert db.session.scalar(select(Visit.id).execution_options(**tenancy.unscoped())) == visit.id
    assert [e.hook for e in test_plugins.recorder.events if e.hook.startswith("crm_visit")] == [
        "crm_visit_scheduled"
    ]
    hooks = db.session.scalars(select(PluginError.hook).execution_options(**tenancy.unscoped())).all()
    assert sorted(hooks) == ["crm_busy_intervals", "crm_visit_scheduled"]  # both failures kept


def test_a_failing_plugin_does_not_turn_an_api_success_into_an_error(team, make, enable, api, test_plugins):
    prospect = make.prospect(team.agent, assigned_agent_id=team.agent.id)
    enable(team.agency, "boom")

    response = api(team.agent).post(
        "/api/v1/calls",
        json={
            "prospect_id": prospect.id,
            "direction": "inbound",
            "outcome": "answered",
            "duration_seconds": 60,
        },
    )

    assert response.status_code == 201, response.get_json()
    assert (
        db.session.scalar(select(Call.id).execution_options(**tenancy.unscoped()))
        == response.get_json()["id"]
    )
    assert db.session.scalars(select(PluginError.hook).execution_options(**tenancy.unscoped())).all() == [
        "crm_call_logged"
    ]


def test_a_slow_plugin_still_lets_the_action_complete(
    team, make, enable, login, post, test_plugins, monkeypatch, caplog
):
    monkeypatch.setattr(plugin_host, "SLOW_HOOK_SECONDS", 0.05)
    test_plugins.slow.delay = 0.1
    enable(team.agency, "slow", "recorder")
    prospect = make.prospect(team.agent, assigned_agent_id=team.agent.id)
    client = login(team.agent)

    with caplog.at_level(logging.WARNING, logger="realty_crm.plugin_host"):
        response = post(
            client,
            f"/prospects/{prospect.id}/calls",
            {"direction": "outbound", "outcome": "answered", "duration_minutes": "3"},
            page=f"/prospects/{prospect.id}",
        )

    assert response.status_code == 302
    assert test_plugins.slow.done == 1 and test_plugins.recorder.hooks("crm_call_logged")
    assert "plugin slow took" in caplog.text
    assert db.session.scalar(select(PluginError.id).execution_options(**tenancy.unscoped())) is None


def test_a_plugin_only_sees_the_agency_of_the_event_whatever_it_queries(team, make, enable, test_plugins):
    theirs = make.prospect(team.outsider, first_name="Secret")
    enable(team.agency, "snoop")
    test_plugins.snoop.targets = [theirs.id]
    make.prospect(team.admin)

    # with no agency in scope (a script, a job), the hook still runs in the record's agency
    assert tenancy.current_agency_id() is None
    prospects.create_prospect(team.admin, {"first_name": "Mine"})

    assert test_plugins.snoop.seen_agencies == [{team.agency.id}, {team.agency.id}]
    assert test_plugins.snoop.found == [[], []]
