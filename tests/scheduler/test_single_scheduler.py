"""One scheduler per deployment: of two on one database only one runs jobs; the other says so
and waits, and takes over when the first is gone. Threads with their own apps and engines
here; real processes in test_scheduler_process.py."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import text

from realty_crm.extensions import db
from realty_crm.scheduler import FileLock, identity, lock_for, run_scheduler

from .conftest import PLUGIN, JobsPlugin, Recorder, wait_until

FAST = {"SCHEDULER_POLL_SECONDS": 0.1, "PLUGINS_AUTOLOAD": False}


class Said:
    """Collects what a scheduler says (its ``echo``), from any thread."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._lock = threading.Lock()

    def __call__(self, line: str) -> None:
        with self._lock:
            self.lines.append(line)

    def count(self, fragment: str) -> int:
        with self._lock:
            return sum(fragment in line for line in self.lines)


@contextmanager
def running(app: Flask) -> Iterator[tuple[Said, threading.Event]]:
    """Run ``run_scheduler`` for ``app`` in a thread; stop it (bounded) on leaving."""
    said, stop = Said(), threading.Event()
    thread = threading.Thread(target=run_scheduler, args=(app, stop), kwargs={"echo": said}, daemon=True)
    thread.start()
    try:
        yield said, stop
    finally:
        stop.set()
        thread.join(timeout=20)
        assert not thread.is_alive(), "the scheduler thread did not stop"


def _locks(app_factory: Callable[..., Flask], n: int) -> list[Any]:
    locks = []
    for _ in range(n):
        other = app_factory(**FAST)  # its own engine, as another process would have
        with other.app_context():
            locks.append(lock_for(db.engine, other.instance_path))
    return locks


def _ticking_app(app_factory: Callable[..., Flask], recorder: Recorder) -> Flask:
    """An app (own engine) whose plugin declares a job every second."""
    plugin = JobsPlugin(recorder.once_per_run("tick", kind="interval", seconds=1))
    return app_factory(EXTRA_PLUGINS=[(plugin, PLUGIN)], **FAST)


def test_only_one_of_several_schedulers_racing_for_the_lock_gets_it(app, app_factory):
    locks = _locks(app_factory, 4)
    barrier = threading.Barrier(len(locks))
    results: list[bool] = [False] * len(locks)

    def take(i: int) -> None:
        barrier.wait(timeout=20)
        results[i] = locks[i].acquire()

    threads = [threading.Thread(target=take, args=(i,)) for i in range(len(locks))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    try:
        assert sorted(results) == [False, False, False, True]
        winner = results.index(True)
        assert locks[winner].held()
        assert identity() in locks[(winner + 1) % 4].holder()

        locks[winner].release()

        assert not locks[winner].held()
        assert locks[(winner + 1) % 4].acquire()
    finally:
        for lock in locks:
            lock.release()


def test_lock_is_free_again_once_released(app, app_factory):
    first, second = _locks(app_factory, 2)
    assert first.acquire()
    assert not second.acquire()
    assert not second.held()
    first.release()
    first.release()  # releasing twice is harmless

    assert second.acquire()
    second.release()


def test_second_scheduler_waits_and_takes_over_when_the_first_stops(app, app_factory, enable):
    recorder = Recorder()
    first_app, second_app = _ticking_app(app_factory, recorder), _ticking_app(app_factory, recorder)
    enable()
    ran_in = lambda target: [r for r in recorder.of("tick") if r.app is target]  # noqa: E731

    with running(first_app) as (said_first, stop_first):
        wait_until(lambda: said_first.count("Scheduler running"), what="the first scheduler to start")
        with running(second_app) as (said_second, _):
            wait_until(lambda: said_second.count("Another scheduler holds the lock"),
                       what="the second scheduler to find the lock taken")
            wait_until(lambda: len(ran_in(first_app)) >= 2, what="two runs by the first scheduler")
            assert ran_in(second_app) == []
            assert said_second.count("Scheduler running") == 0
            assert said_second.count("Another scheduler holds the lock") == 1  # once, not per poll

            stop_first.set()

            wait_until(lambda: said_second.count("Scheduler running"), what="the second to take over")
            wait_until(lambda: ran_in(second_app), what="a run by the second scheduler")
            assert said_first.count("Scheduler stopped.") == 1


def _break_lock(app: Flask) -> None:
    """Take the lock away from under the running scheduler, as a lost connection would."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as conn:
            conn.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name LIKE 'realty-crm scheduler%' AND pid <> pg_backend_pid() "
                "AND datname = current_database()"
            ))
    else:
        lock = lock_for(db.engine, app.instance_path)
        assert isinstance(lock, FileLock)
        os.remove(lock.path)


def test_scheduler_that_loses_its_lock_stops_running_jobs_and_waits_for_it(app, app_factory, enable):
    recorder = Recorder()
    sched_app = _ticking_app(app_factory, recorder)
    enable()

    with running(sched_app) as (said, _):
        wait_until(lambda: said.count("Scheduler running"), what="the scheduler to start")
        _break_lock(app)

        wait_until(lambda: said.count("Lost the scheduler lock"), what="the scheduler to notice")
        wait_until(lambda: said.count("Scheduler running") == 2, what="the lock to be taken again")


@pytest.mark.parametrize("setting", ["SCHEDULER_POLL_SECONDS", "SCHEDULER_THREADS"])
def test_a_bad_setting_is_refused_before_anything_runs(app_factory, setting):
    from realty_crm.scheduler import SchedulerConfigError

    bad = app_factory(**{**FAST, setting: 0})

    with pytest.raises(SchedulerConfigError, match=setting):
        run_scheduler(bad, threading.Event())
