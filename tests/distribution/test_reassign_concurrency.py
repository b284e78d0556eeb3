"""A reassignment moving a visit into a slot while someone books the new agent for that very slot:
exactly one of them goes through, on SQLite (write lock) and on PostgreSQL (exclusion constraint)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlalchemy import select

from realty_crm import tenancy
from realty_crm.errors import Conflict
from realty_crm.extensions import db
from realty_crm.models import User, Visit, VisitStatus
from realty_crm.services import reassign, visits


def _race(app, agency_id: int, actor_id: int, attempts: list[Callable[[User], object]]) -> list[str]:
    barrier = threading.Barrier(len(attempts))
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(attempt: Callable[[User], object]) -> None:
        with app.app_context(), tenancy.scope(agency_id):
            actor = db.session.scalars(select(User).where(User.id == actor_id)).one()
            barrier.wait()
            try:
                attempt(actor)
                result = "done"
            except Conflict:
                result = "conflict"
            except Exception as exc:
                result = f"error: {type(exc).__name__}: {exc}"
            finally:
                db.session.remove()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(a,)) for a in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    db.session.rollback()  # end the test's own snapshot, to see what the threads committed
    return outcomes


def test_a_move_and_a_booking_into_the_same_slot_let_exactly_one_through(app, team, make, book, at):
    for round_ in range(3):
        hour = 9 + 2 * round_
        carla = make.prospect(team.manager, first_name=f"Carla{round_}", assigned_agent_id=team.agent.id)
        eva = make.prospect(team.manager, first_name=f"Eva{round_}", assigned_agent_id=team.colleague.id)
        moving = book(team.manager, team.flat, carla, at(hour), agent=team.agent)
        booking = {"property_id": team.house.id, "prospect_id": eva.id, "agent_id": team.colleague.id,
                   "starts_at": at(hour, 30).isoformat(), "duration_minutes": 60}

        outcomes = _race(app, team.agency.id, team.manager.id, [
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
