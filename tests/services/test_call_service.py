"""Logging calls and planning follow-ups: contact times, status, next follow-up, who may do what."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from realty_crm import tenancy
from realty_crm.errors import Forbidden, ValidationFailed
from realty_crm.extensions import db
from realty_crm.models import (
    Activity,
    ActivityKind,
    Call,
    FollowUp,
    ProspectStatus,
)
from realty_crm.services import calls, prospects

MADRID = ZoneInfo("Europe/Madrid")


def ago(**delta: float) -> datetime:
    return datetime.now(UTC) - timedelta(**delta)


def ahead(**delta: float) -> datetime:
    return datetime.now(UTC) + timedelta(**delta)


def call_data(prospect, **fields):
    return {"prospect_id": prospect.id, "direction": "outbound", "outcome": "answered", **fields}


@pytest.fixture
def lead(team):
    """A new prospect held by ``team.agent``."""
    return prospects.create_prospect(team.agent, {"first_name": "Lola", "phone": "600 111 222"})


# --- calls --------------------------------------------------------------------------------------


def test_call_sets_last_contacted_at(team, lead):
    when = ago(hours=1).replace(microsecond=0)
    call = calls.log_call(team.agent, call_data(lead, occurred_at=when.isoformat(), duration_seconds=90))
    db.session.expire_all()
    assert call.agent_id == team.agent.id
    assert call.duration_seconds == 90
    assert lead.last_contacted_at == when
    assert lead.last_contacted_at.utcoffset() == timedelta(0)


def test_an_older_call_logged_later_does_not_move_last_contact_back(team, lead):
    recent = ago(hours=1).replace(microsecond=0)
    calls.log_call(team.agent, call_data(lead, occurred_at=recent.isoformat()))
    calls.log_call(team.agent, call_data(lead, occurred_at=ago(days=3).isoformat(), outcome="no_answer"))
    db.session.expire_all()
    assert lead.last_contacted_at == recent


def test_first_answered_call_moves_a_new_prospect_to_contacted(team, lead):
    calls.log_call(team.agent, call_data(lead))
    db.session.expire_all()
    assert lead.status == ProspectStatus.CONTACTED
    assert lead.first_contacted_at is not None
    changed = db.session.scalars(
        select(Activity).where(Activity.prospect_id == lead.id, Activity.kind == ActivityKind.STATUS_CHANGED)
    ).all()
    assert [c.data for c in changed] == [{"old": "new", "new": "contacted"}]


@pytest.mark.parametrize("outcome", ["no_answer", "voicemail", "busy", "wrong_number"])
def test_unanswered_call_leaves_the_status_new(team, lead, outcome):
    calls.log_call(team.agent, call_data(lead, outcome=outcome))
    db.session.expire_all()
    assert lead.status == ProspectStatus.NEW
    assert lead.first_contacted_at is None
    assert lead.last_contacted_at is not None


def test_answered_call_does_not_move_a_prospect_back_to_contacted(team, lead):
    prospects.update_prospect(team.agent, lead, {"status": "qualified"})
    calls.log_call(team.agent, call_data(lead))
    db.session.expire_all()
    assert lead.status == ProspectStatus.QUALIFIED


def test_call_is_on_the_prospects_timeline(team, lead):
    call = calls.log_call(team.agent, call_data(lead, summary="Wants 3 bedrooms.", duration_seconds=61))
    entry = db.session.scalars(
        select(Activity).where(Activity.prospect_id == lead.id, Activity.kind == ActivityKind.CALL)
    ).one()
    assert entry.subject_id == call.id
    assert entry.summary == "Wants 3 bedrooms."
    assert entry.data["outcome"] == "answered" and entry.data["duration_seconds"] == 61


def test_call_in_the_future_is_refused(team, lead, row_counts):
    before = row_counts()
    with pytest.raises(ValidationFailed) as exc:
        calls.log_call(team.agent, call_data(lead, occurred_at=ahead(hours=2).isoformat()))
    assert set(exc.value.details) == {"occurred_at"}
    assert row_counts() == before


def test_call_a_minute_ahead_is_accepted_as_clock_skew(team, lead):
    call = calls.log_call(team.agent, call_data(lead, occurred_at=ahead(minutes=1).isoformat()))
    assert call.id is not None


def test_call_time_with_an_offset_is_stored_in_utc(team, lead):
    local = datetime.now(MADRID).replace(microsecond=0) - timedelta(hours=2)
    call = calls.log_call(team.agent, call_data(lead, occurred_at=local.isoformat()))
    cid = call.id
    db.session.expire_all()
    stored = db.session.get(Call, cid)
    assert stored.occurred_at == local
    assert stored.occurred_at.utcoffset() == timedelta(0)


def test_call_time_without_an_offset_is_refused(team, lead):
    with pytest.raises(ValidationFailed) as exc:
        calls.log_call(team.agent, call_data(lead, occurred_at="2024-05-01T10:00:00"))
    assert set(exc.value.details) == {"occurred_at"}


def test_follow_up_from_a_call_sets_next_follow_up(team, lead):
    due = ahead(days=2).replace(microsecond=0)
    calls.log_call(team.agent, call_data(lead, follow_up_at=due.isoformat()))
    db.session.expire_all()
    follow_up = db.session.scalars(select(FollowUp).where(FollowUp.prospect_id == lead.id)).one()
    assert follow_up.assignee_id == team.agent.id
    assert follow_up.title == "Call back"
    assert lead.next_follow_up_at == due


def test_agent_cannot_log_a_call_with_a_colleagues_prospect(team, row_counts):
    theirs = prospects.create_prospect(team.agent2, {"first_name": "Ana"})
    before = row_counts()
    with pytest.raises(Forbidden):
        calls.log_call(team.agent, call_data(theirs))
    assert row_counts() == before


def test_agent_cannot_log_a_call_for_another_agent(team, lead, row_counts):
    before = row_counts()
    with pytest.raises(ValidationFailed) as exc:
        calls.log_call(team.agent, call_data(lead, agent_id=team.agent2.id))
    assert exc.value.status == 422
    assert set(exc.value.details) == {"agent_id"}
    assert row_counts() == before


def test_manager_logs_a_call_on_behalf_of_an_agent(team, lead):
    call = calls.log_call(team.manager, call_data(lead, agent_id=team.agent.id))
    assert call.agent_id == team.agent.id


def test_manager_cannot_log_a_call_for_another_agencys_agent(team, lead):
    with pytest.raises(ValidationFailed) as exc:
        calls.log_call(team.manager, call_data(lead, agent_id=team.agent_b.id))
    assert set(exc.value.details) == {"agent_id"}


def test_call_with_another_agencys_prospect_is_refused_without_saying_whose(team, row_counts):
    with tenancy.scope(team.b.id):
        foreign = prospects.create_prospect(team.admin_b, {"first_name": "Otro"})
    before = row_counts()
    with pytest.raises(ValidationFailed) as exc:
        calls.log_call(team.admin, call_data(foreign))
    assert set(exc.value.details) == {"prospect_id"}
    assert "Otro" not in exc.value.message
    assert row_counts() == before


def test_call_with_a_deleted_prospect_is_refused(team, lead):
    prospects.delete_prospect(team.manager, lead)
    with pytest.raises(ValidationFailed) as exc:
        calls.log_call(team.manager, call_data(lead))
    assert set(exc.value.details) == {"prospect_id"}


def test_inactive_user_cannot_log_calls(team, make, lead):
    gone = make.user(team.a, "manager", active=False)
    with pytest.raises(Forbidden):
        calls.log_call(gone, call_data(lead))


@pytest.mark.parametrize(
    ("fields", "bad_field"),
    [
        ({"duration_seconds": -1}, "duration_seconds"),
        ({"duration_seconds": "long"}, "duration_seconds"),
        ({"duration_seconds": 10**9}, "duration_seconds"),
        ({"outcome": "hung_up"}, "outcome"),
        ({"direction": "sideways"}, "direction"),
        ({"summary": "x" * 5001}, "summary"),
        ({"summary": ["not", "text"]}, "summary"),
        ({"prospect_id": "abc"}, "prospect_id"),
        ({"prospect_id": 2**70}, "prospect_id"),
        ({"recorded_by": "me"}, "recorded_by"),
    ],
)
def test_bad_call_input_is_refused_naming_the_field(team, lead, row_counts, fields, bad_field):
    before = row_counts()
    with pytest.raises(ValidationFailed) as exc:
        calls.log_call(team.agent, call_data(lead, **fields))
    assert bad_field in exc.value.details
    assert row_counts() == before


# --- follow-ups ---------------------------------------------------------------------------------


def plan(actor, prospect, due: datetime, **fields):
    return calls.create_follow_up(
        actor, {"prospect_id": prospect.id, "due_at": due.isoformat(), "title": "Call back", **fields}
    )


def next_follow_up(prospect):
    db.session.expire_all()
    return prospect.next_follow_up_at


def test_next_follow_up_is_the_earliest_open_one(team, lead):
    in_two = ahead(days=2).replace(microsecond=0)
    in_five = ahead(days=5).replace(microsecond=0)
    in_one = ahead(days=1).replace(microsecond=0)
    plan(team.agent, lead, in_two)
    assert next_follow_up(lead) == in_two
    plan(team.agent, lead, in_five)
    assert next_follow_up(lead) == in_two
    plan(team.agent, lead, in_one)
    assert next_follow_up(lead) == in_one


def test_completing_and_reopening_moves_next_follow_up(team, lead):
    first = plan(team.agent, lead, ahead(days=1).replace(microsecond=0))
    second = plan(team.agent, lead, ahead(days=3).replace(microsecond=0))
    first_due, second_due = first.due_at, second.due_at
    calls.update_follow_up(team.agent, first, {"done": True})
    assert first.done_at is not None
    assert next_follow_up(lead) == second_due
    calls.update_follow_up(team.agent, second, {"done": True})
    assert next_follow_up(lead) is None
    calls.update_follow_up(team.agent, first, {"done": False})
    assert first.done_at is None
    assert next_follow_up(lead) == first_due
    events = [
        a.data.get("event")
        for a in db.session.scalars(
            select(Activity)
            .where(Activity.prospect_id == lead.id, Activity.kind == ActivityKind.FOLLOW_UP)
            .order_by(Activity.id)
        )
    ]
    assert events == ["created", "created", "done", "done", "reopened"]


def test_rescheduling_moves_next_follow_up(team, lead):
    follow_up = plan(team.agent, lead, ahead(days=1))
    later = ahead(days=7).astimezone(MADRID).replace(microsecond=0)
    calls.update_follow_up(team.agent, follow_up, {"due_at": later.isoformat()})
    assert next_follow_up(lead) == later


def test_due_time_without_an_offset_is_refused(team, lead, row_counts):
    before = row_counts()
    with pytest.raises(ValidationFailed) as exc:
        calls.create_follow_up(
            team.agent, {"prospect_id": lead.id, "due_at": "2030-01-01T10:00", "title": "x"}
        )
    assert set(exc.value.details) == {"due_at"}
    assert row_counts() == before


@pytest.mark.parametrize("title", ["", "   ", "x" * 201, None, 42])
def test_follow_up_needs_a_title_of_reasonable_length(team, lead, title):
    with pytest.raises(ValidationFailed) as exc:
        plan(team.agent, lead, ahead(days=1), title=title)
    assert set(exc.value.details) == {"title"}


def test_agent_cannot_plan_a_follow_up_for_a_colleague(team, lead, row_counts):
    before = row_counts()
    with pytest.raises(ValidationFailed) as exc:
        plan(team.agent, lead, ahead(days=1), assignee_id=team.agent2.id)
    assert set(exc.value.details) == {"assignee_id"}
    assert row_counts() == before


def test_agent_cannot_hand_their_follow_up_to_a_colleague(team, lead):
    follow_up = plan(team.agent, lead, ahead(days=1))
    with pytest.raises(ValidationFailed) as exc:
        calls.update_follow_up(team.agent, follow_up, {"assignee_id": team.agent2.id})
    assert set(exc.value.details) == {"assignee_id"}
    db.session.expire_all()
    assert follow_up.assignee_id == team.agent.id


def test_manager_plans_a_follow_up_for_an_agent(team, lead):
    follow_up = plan(team.manager, lead, ahead(days=1), assignee_id=team.agent.id)
    assert follow_up.assignee_id == team.agent.id
    assert follow_up.created_by_id == team.manager.id
    calls.update_follow_up(team.manager, follow_up, {"assignee_id": team.agent2.id})
    assert follow_up.assignee_id == team.agent2.id


def test_follow_up_cannot_go_to_another_agencys_user(team, lead):
    with pytest.raises(ValidationFailed) as exc:
        plan(team.manager, lead, ahead(days=1), assignee_id=team.agent_b.id)
    assert set(exc.value.details) == {"assignee_id"}


def test_agent_cannot_plan_a_follow_up_on_a_colleagues_prospect(team):
    theirs = prospects.create_prospect(team.agent2, {"first_name": "Ana"})
    with pytest.raises(Forbidden):
        plan(team.agent, theirs, ahead(days=1))


@pytest.mark.parametrize("field", ["due_at", "title", "assignee_id", "done"])
def test_follow_up_fields_cannot_be_emptied(team, lead, field):
    follow_up = plan(team.agent, lead, ahead(days=1))
    with pytest.raises(ValidationFailed) as exc:
        calls.update_follow_up(team.agent, follow_up, {field: None})
    assert field in exc.value.details


def test_get_follow_up_of_another_agency_is_404(team, make):
    with tenancy.scope(team.b.id):
        foreign = prospects.create_prospect(team.admin_b, {"first_name": "Otro"})
    foreign_follow_up = make.follow_up(team.admin_b, foreign)
    with pytest.raises(NotFound):
        calls.get_follow_up(team.admin, foreign_follow_up.id)


def test_get_follow_up_of_a_colleague_is_forbidden_for_an_agent(team, make):
    theirs = prospects.create_prospect(team.agent2, {"first_name": "Ana"})
    follow_up = make.follow_up(team.agent2, theirs)
    with pytest.raises(Forbidden):
        calls.get_follow_up(team.agent, follow_up.id)
    assert calls.get_follow_up(team.manager, follow_up.id).id == follow_up.id

