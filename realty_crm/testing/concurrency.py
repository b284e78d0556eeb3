"""Races for tests: run attempts in threads released at the same instant, each in its own app
context and database session, as concurrent requests would be."""

from __future__ import annotations

import threading
from collections.abc import Callable

from flask import Flask
from sqlalchemy import select

from .. import tenancy
from ..errors import Conflict
from ..extensions import db
from ..models import User


def race(app: Flask, agency_id: int, actor_id: int, attempts: list[Callable[[User], object]]) -> list[str]:
    """Run every attempt at once as ``actor_id``; each one's outcome, in finishing order:
    ``"done"``, ``"conflict"`` (a ``Conflict`` refusal) or ``"error: <type>: <message>"``.

    Ends the caller's read transaction afterwards, so the test sees what the threads committed.
    """
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

    threads = [threading.Thread(target=run, args=(attempt,)) for attempt in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    db.session.rollback()
    return outcomes
