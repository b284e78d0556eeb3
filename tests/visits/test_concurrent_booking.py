"""Many people booking the same slot at the same moment: exactly one wins, on either database."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from realty_crm import tenancy
from realty_crm.errors import Conflict
from realty_crm.extensions import db
from realty_crm.models import User, Visit
from realty_crm.services import visits

ATTEMPTS = 8


def _race(app, agency_id: int, actor_id: int, payloads: list[dict]) -> list[str]:
    barrier = threading.Barrier(len(payloads))
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(payload: dict) -> None:
        with app.app_context(), tenancy.scope(agency_id):
            actor = db.session.scalars(select(User).where(User.id == actor_id)).one()
            barrier.wait()
            try:
                visits.schedule_visit(actor, payload)
                result = "booked"
            except Conflict:
                result = "conflict"
            except Exception as exc:
                result = f"error: {type(exc).__name__}: {exc}"
            finally:
                db.session.remove()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=(p,)) for p in payloads]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    db.session.rollback()  # end the test's own snapshot, to count what the threads committed
    return outcomes


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
    assert sorted(outcomes) == ["booked"] + ["conflict"] * (ATTEMPTS - 1), outcomes
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
    assert sorted(outcomes) == ["booked"] + ["conflict"] * (ATTEMPTS - 1), outcomes
    assert db.session.scalar(select(func.count()).select_from(Visit)) == 1
