"""A reassignment moving a visit into a slot while someone books the new agent for that very slot:
exactly one of them goes through, on SQLite (write lock) and on PostgreSQL (exclusion constraint)."""

from __future__ import annotations

from sqlalchemy import select

from realty_crm.extensions import db
from realty_crm.models import Visit, VisitStatus
from realty_crm.services import reassign, visits
from realty_crm.testing.concurrency import race


def test_a_move_and_a_booking_into_the_same_slot_let_exactly_one_through(app, team, make, book, at):
    for round_ in range(3):
        hour = 9 + 2 * round_
        carla = make.prospect(team.manager, first_name=f"Carla{round_}", assigned_agent_id=team.agent.id)
        eva = make.prospect(team.manager, first_name=f"Eva{round_}", assigned_agent_id=team.colleague.id)
        moving = book(team.manager, team.flat, carla, at(hour), agent=team.agent)
        booking = {"property_id": team.house.id, "prospect_id": eva.id, "agent_id": team.colleague.id,
                   "starts_at": at(hour, 30).isoformat(), "duration_minutes": 60}

        outcomes = race(app, team.agency.id, team.manager.id, [
            lambda actor, ids=[carla.id]: reassign.reassign(actor, ids, team.colleague.id),
            lambda actor, data=booking: visits.schedule_visit(actor, data),
        ])

        assert sorted(outcomes) == ["conflict", "done"], outcomes
        theirs = db.session.scalars(
            select(Visit).where(Visit.agent_id == team.colleague.id, Visit.status != VisitStatus.CANCELLED,
                                Visit.starts_at >= at(hour), Visit.starts_at < at(hour + 1, 30))
        ).all()
        assert len(theirs) == 1, "the new agent was double-booked"
        if theirs[0].id == moving.id:
            assert db.session.get(type(carla), carla.id).assigned_agent_id == team.colleague.id
        else:
            assert db.session.get(type(carla), carla.id).assigned_agent_id == team.agent.id
