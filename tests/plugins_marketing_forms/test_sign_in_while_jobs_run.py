"""Signing in while the scheduler's jobs write: no sign-in fails (on SQLite a sign-in's read
used to be refused its upgrade to the ``last_login_at`` write whenever a job committed
in between: "database is locked", a 500)."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from realty_crm_marketing_forms.models import FormSubmission, SubmissionStatus
from sqlalchemy import func, select

from realty_crm.plugin_api import User, db, tenancy
from realty_crm.testing.factories import PASSWORD, form_token
from realty_crm.testing.plugin_tools import running_scheduler

SIGN_INS = 200
START = datetime(2031, 3, 3, 10, 0, 30, tzinfo=UTC)
DEADLINE_SECONDS = 120


class Background:
    """The scheduler's process beside the web app: every due job run (its clock moves 5 s a
    round, so the enquiry queue's job runs each time) while a web worker keeps leaving
    submissions for it. Errors are collected, not raised, so the test sees them all."""

    def __init__(self, app: Flask, branch: Any) -> None:
        self.app = app
        # plain ids: the branch's records belong to the test's session, not to these threads
        self.agency_id, self.form_id = branch.agency.id, branch.form.id
        self.stop = threading.Event()
        self.errors: list[str] = []
        self.rounds = 0
        self.threads = [threading.Thread(target=self._guard, args=(f,)) for f in (self._feed, self._schedule)]

    def __enter__(self) -> Background:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_exc: Any) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=60)
        assert not any(t.is_alive() for t in self.threads), "a background writer did not stop"

    def _guard(self, work: Any) -> None:
        with self.app.app_context():
            try:
                work()
            except Exception as exc:  # reported by the test
                self.errors.append(f"{type(exc).__name__}: {exc}")
                self.stop.set()
            finally:
                db.session.remove()

    def _feed(self) -> None:
        n = 0
        with tenancy.scope(self.agency_id):
            while not self.stop.is_set():
                db.session.add(
                    FormSubmission(agency_id=self.agency_id, form_id=self.form_id,
                                   prospect_data={"first_name": f"Lead {n}", "source": "web_form",
                                                  "email": f"lead{n}@example.com"})
                )
                db.session.commit()
                n += 1
                time.sleep(0.05)

    def _schedule(self) -> None:
        now = [START]
        with running_scheduler(self.app, clock=lambda: now[0]) as scheduler:
            while not self.stop.is_set():
                now[0] += timedelta(seconds=5)
                scheduler.run_due(now[0], wait=True)
                self.rounds += 1


def _sign_in(app: Flask, user: User) -> str | None:
    """One sign-in through the login form on a fresh browser; what went wrong, if anything."""
    client = app.test_client()
    try:
        token = form_token(client, "/login")
        form = {"email": user.email, "password": PASSWORD, "csrf_token": token}
        response = client.post("/login", data=form)
    except Exception as exc:  # the app propagates errors under test
        return f"{type(exc).__name__}: {exc}"
    return None if response.status_code == 302 else f"HTTP {response.status_code}"


def test_two_hundred_sign_ins_while_the_scheduler_jobs_write_all_succeed(app, sol, app_factory):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's one write lock; PostgreSQL's row locks do not meet here")
    scheduler_app = app_factory()
    agent = sol.agent
    failures: list[str] = []
    started = time.monotonic()

    with Background(scheduler_app, sol) as background:
        for _ in range(SIGN_INS):
            assert time.monotonic() - started < DEADLINE_SECONDS, "the sign-ins took too long"
            if (failure := _sign_in(app, agent)) is not None:
                failures.append(failure)

    assert failures == [], f"{len(failures)} of {SIGN_INS} sign-ins failed: {failures[:3]}"
    assert background.errors == []
    assert background.rounds > 0, "the scheduler's jobs never ran"
    db.session.rollback()
    with tenancy.scope(sol.agency.id):
        processed = db.session.scalar(
            select(func.count()).select_from(FormSubmission)
            .where(FormSubmission.status == SubmissionStatus.PROCESSED)
        )
    assert processed, "the jobs wrote nothing while the sign-ins ran"
    assert db.session.get(User, agent.id).last_login_at is not None
