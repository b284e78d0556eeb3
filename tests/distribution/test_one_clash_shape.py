"""Booking, rescheduling and bulk reassignment ask one availability rule and refuse a double
booking with one error shape: ``details["clashes"]`` lists what is in the way, each entry with
``clash``, ``clashing_visit_id``, ``clashing_visit``, ``busy`` and ``message``."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from realty_crm.errors import Conflict
from realty_crm.extensions import db
from realty_crm.models import Visit
from realty_crm.services import reassign, visits

SHAPE = ("clash", "clashing_visit_id", "clashing_visit", "busy")


def _visits() -> list[tuple]:
    db.session.expire_all()
    return sorted(db.session.execute(select(Visit.id, Visit.agent_id, Visit.starts_at, Visit.status)).all())


def _refusal(attempt) -> dict:
    before = _visits()
    with pytest.raises(Conflict) as refused:
        attempt()
    db.session.rollback()
    assert _visits() == before
    [clash] = refused.value.details["clashes"]
    return clash


@pytest.mark.parametrize("blocker", ["visit", "busy time"])
def test_booking_rescheduling_and_reassigning_refuse_with_one_shape(
    team, make, book, at, listener, enable_listener, blocker
):
    enable_listener(team.agency)
    carla = make.prospect(team.manager, first_name="Carla", assigned_agent_id=team.agent.id)
    moving = book(team.manager, team.flat, carla, at(10), agent=team.agent)
    spare = make.property(team.manager, reference="MAD-003", title="Loft in Lavapiés")
    later = book(team.manager, spare, carla, at(15), agent=team.colleague)
    if blocker == "visit":
        dan = make.prospect(team.manager, first_name="Dan", assigned_agent_id=team.colleague.id)
        blocking = book(team.manager, team.house, dan, at(9, 30), agent=team.colleague)
    else:
        listener.busy = [(at(9, 30), at(10, 30), "Dentist")]

    booked = _refusal(lambda: visits.schedule_visit(team.manager, {
        "property_id": spare.id, "prospect_id": carla.id, "agent_id": team.colleague.id,
        "starts_at": at(10).isoformat(), "duration_minutes": 30}))
    moved = _refusal(lambda: visits.update_visit(team.manager, later, {"starts_at": at(10).isoformat()}))
    handed = _refusal(lambda: reassign.reassign(team.manager, [carla.id], team.colleague.id))

    assert {k: booked[k] for k in SHAPE} == {k: moved[k] for k in SHAPE} == {k: handed[k] for k in SHAPE}
    assert booked["clash"] == ("agent" if blocker == "visit" else "busy")
    if blocker == "visit":
        assert booked["clashing_visit"]["id"] == booked["clashing_visit_id"] == blocking.id
    else:
        assert booked["busy"]["label"] == "Dentist" and booked["clashing_visit_id"] is None
    assert all(entry["message"] for entry in (booked, moved, handed))
    assert handed["visit_id"] == moving.id  # a reassignment also names the visit that would move
