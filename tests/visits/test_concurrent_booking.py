"""Many people booking the same slot at the same moment: exactly one wins, on either database."""

from __future__ import annotations

from sqlalchemy import func, select

from realty_crm.extensions import db
from realty_crm.models import Visit
from realty_crm.services import visits
from realty_crm.testing.concurrency import race

ATTEMPTS = 8


def _race(app, agency_id: int, actor_id: int, payloads: list[dict]) -> list[str]:
    """Book every payload at once: "done" or "conflict" per attempt."""
    return race(app, agency_id, actor_id,
                [lambda actor, data=payload: visits.schedule_visit(actor, data) for payload in payloads])


def test_parallel_bookings_of_one_agent_slot_let_exactly_one_through(app, office, at):
    # different properties, same agent and time: only the agent can clash
    payloads = [
        {
            "property_id": (office.flat.id if i % 2 else office.house.id),
            "prospect_id": office.carla.id,
            "agent_id": office.ana.id,
            "starts_at": at(16, i).isoformat(),
            "duration_minutes": 60,
        }
        for i in range(ATTEMPTS)
    ]
    outcomes = _race(app, office.manager.agency_id, office.manager.id, payloads)
    assert sorted(outcomes) == ["conflict"] * (ATTEMPTS - 1) + ["done"], outcomes
    assert db.session.scalar(select(func.count()).select_from(Visit)) == 1


def test_parallel_bookings_of_one_property_slot_let_exactly_one_through(app, office, make, at):
    agents = [make.user(office.manager.agency, "agent") for _ in range(ATTEMPTS)]
    payloads = [
        {
            "property_id": office.flat.id,
            "prospect_id": office.carla.id,
            "agent_id": agent.id,
            "starts_at": at(12).isoformat(),
            "duration_minutes": 45,
        }
        for agent in agents
    ]
    outcomes = _race(app, office.manager.agency_id, office.manager.id, payloads)
    assert sorted(outcomes) == ["conflict"] * (ATTEMPTS - 1) + ["done"], outcomes
    assert db.session.scalar(select(func.count()).select_from(Visit)) == 1
