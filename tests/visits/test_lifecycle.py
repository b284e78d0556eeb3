"""A visit's life: confirm, reschedule, cancel, done with feedback, no-show."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from realty_crm import tenancy
from realty_crm.errors import Conflict, Forbidden, ValidationFailed
from realty_crm.extensions import db
from realty_crm.models import Activity, ActivityKind, Visit, VisitStatus, utcnow
from realty_crm.services import visits


def _update(actor, visit, **data):
    with tenancy.scope(actor.agency_id):
        return visits.update_visit(actor, visit, data)


def _past_visit(office, days_ago: int = 1, **fields) -> Visit:
    """A visit that took place ``days_ago``, logged as done."""
    start = (utcnow() - timedelta(days=days_ago)).replace(microsecond=0)
    return office.book(starts_at=start.isoformat(), status="done", **fields)


def _visit_events(visit: Visit) -> list[str]:
    db.session.expire_all()
    rows = db.session.scalars(
        select(Activity).where(
            Activity.subject_id == visit.id,
            Activity.kind == ActivityKind.VISIT,
            Activity.prospect_id.is_not(None),
        ).order_by(Activity.id)
    )
    return [row.data["event"] for row in rows]


def test_agent_confirms_a_visit(office):
    visit = office.book()
    _update(office.ana, visit, status="confirmed")
    assert visit.status == VisitStatus.CONFIRMED
    assert _visit_events(visit) == ["scheduled", "confirmed"]


def test_reschedule_moves_the_visit_and_raises_the_sequence(office, at):
    visit = office.book()
    sequence = visit.sequence
    _update(office.ana, visit, starts_at=at(15).isoformat())
    assert visit.starts_at == at(15)
    assert visit.ends_at - visit.starts_at == timedelta(minutes=60)
    assert visit.sequence > sequence
    events = _visit_events(visit)
    assert events[-1] == "rescheduled"


def test_rescheduling_a_confirmed_visit_needs_a_new_confirmation(office, at):
    visit = office.book()
    _update(office.ana, visit, status="confirmed")
    _update(office.ana, visit, starts_at=at(17).isoformat())
    assert visit.status == VisitStatus.SCHEDULED


def test_reschedule_onto_a_clash_is_refused_and_changes_nothing(office, at):
    office.book(starts_at=at(10).isoformat(), property_id=office.house.id)
    visit = office.book(starts_at=at(12).isoformat())
    with pytest.raises(Conflict):
        _update(office.ana, visit, starts_at=at(10, 30).isoformat())
    db.session.expire_all()
    assert visit.starts_at == at(12)


def test_reschedule_into_the_past_is_refused(office):
    visit = office.book()
    with pytest.raises(ValidationFailed) as caught:
        _update(office.ana, visit, starts_at=(utcnow() - timedelta(hours=3)).isoformat())
    assert "starts_at" in caught.value.details


def test_cancel_needs_a_reason(office):
    visit = office.book()
    with pytest.raises(ValidationFailed) as caught:
        _update(office.ana, visit, status="cancelled")
    assert "cancel_reason" in caught.value.details
    _update(office.ana, visit, status="cancelled", cancel_reason="Buyer found another flat")
    assert visit.cancel_reason == "Buyer found another flat"
    assert _visit_events(visit)[-1] == "cancelled"


def test_a_cancelled_visit_cannot_come_back_or_move(office, at):
    visit = office.book()
    _update(office.ana, visit, status="cancelled", cancel_reason="No longer interested")
    with pytest.raises(ValidationFailed):
        _update(office.ana, visit, status="confirmed")
    with pytest.raises(ValidationFailed):
        _update(office.ana, visit, starts_at=at(18).isoformat())


def test_a_future_visit_cannot_be_marked_done_or_missed(office):
    visit = office.book()
    for status in ("done", "no_show"):
        with pytest.raises(ValidationFailed) as caught:
            _update(office.ana, visit, status=status)
        assert "status" in caught.value.details


def test_a_done_visit_takes_feedback_and_a_rating(office):
    visit = _past_visit(office)
    _update(office.ana, visit, feedback="Loved the terrace; worried about noise", rating=5)
    assert visit.rating == 5
    assert _visit_events(visit)[-1] == "feedback"


@pytest.mark.parametrize("rating", [0, 6, 9, -1, "five", 4.5])
def test_ratings_outside_one_to_five_are_refused(office, rating):
    visit = _past_visit(office)
    with pytest.raises(ValidationFailed) as caught:
        _update(office.ana, visit, rating=rating)
    assert "rating" in caught.value.details


def test_feedback_is_only_for_done_visits(office):
    visit = office.book()
    with pytest.raises(ValidationFailed):
        _update(office.ana, visit, rating=3)


def test_a_colleague_cannot_change_my_visit(office):
    visit = office.book()
    with pytest.raises(Forbidden):
        _update(office.ben, visit, status="confirmed")


def test_manager_reassigns_a_visit_to_a_free_agent(office, at):
    visit = office.book(actor=office.manager, agent_id=office.ana.id)
    _update(office.manager, visit, agent_id=office.ben.id)
    assert visit.agent_id == office.ben.id


def test_reassigning_to_a_busy_agent_is_refused(office, at):
    office.book(actor=office.manager, agent_id=office.ben.id, prospect_id=office.dan.id,
                property_id=office.house.id, starts_at=at(10).isoformat())
    visit = office.book(actor=office.manager, agent_id=office.ana.id, starts_at=at(10, 15).isoformat())
    with pytest.raises(Conflict) as caught:
        _update(office.manager, visit, agent_id=office.ben.id)
    assert caught.value.details["clash"] == "agent"


@pytest.mark.parametrize(
    "data",
    [
        {"status": "finished"},
        {"status": None},
        {"starts_at": "not a date"},
        {"starts_at": "2027-05-01T10:00:00"},
        {"duration_minutes": 0},
        {"color": "blue"},
        {"cancel_reason": "x" * 501},
    ],
)
def test_bad_updates_are_refused(office, data):
    visit = office.book()
    before = (visit.status, visit.starts_at)
    with pytest.raises(ValidationFailed):
        _update(office.ana, visit, **data)
    db.session.expire_all()
    assert (visit.status, visit.starts_at) == before
