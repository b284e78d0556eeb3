"""Fixtures of the scheduler tests: a test plugin declaring jobs, a recorder of their runs,
schedulers driven by a given clock, and bounded waiting."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from realty_crm import hookimpl, tenancy
from realty_crm.extensions import db
from realty_crm.models import Agency, scheduler_jobs
from realty_crm.plugin_host import PluginInfo
from realty_crm.scheduler import JobScheduler, JobSpec, SchedulerConfig, collect_jobs
from realty_crm.services import plugins
from realty_crm.testing.factories import Factory

# a Monday morning, half a minute past the hour, far from the real clock on purpose
T0 = datetime(2031, 3, 3, 10, 0, 30, tzinfo=UTC)
HOURLY = {"minute": 0}  # cron: every hour at :00
PLUGIN = "probe"
# the core's own housekeeping jobs, stored beside the plugins'
CORE_JOBS = ("core:purge_plugin_errors", "core:discard_stale_imports")


@dataclass
class Run:
    """One call of a test job: which job, for which agency, in which tenancy scope."""

    job: str
    agency_id: int | None
    scope: int | None
    app: Flask | None = None


@dataclass
class Recorder:
    """Collects the runs of the test jobs (they run in the scheduler's threads)."""

    runs: list[Run] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, job: str, agency: Agency | None) -> None:
        from flask import current_app

        run = Run(job, agency.id if agency else None, tenancy.current_agency_id(),
                  current_app._get_current_object())  # type: ignore[attr-defined]
        with self.lock:
            self.runs.append(run)

    def of(self, job: str) -> list[Run]:
        with self.lock:
            return [r for r in self.runs if r.job == job]

    def agencies(self, job: str) -> set[int | None]:
        return {r.agency_id for r in self.of(job)}

    def per_agency(self, name: str) -> JobSpec:
        """A per-agency cron job (hourly by default) that records its runs."""

        def run(agency: Agency) -> None:
            self.add(name, agency)

        return JobSpec(id=name, func=run, trigger="cron", trigger_args=HOURLY, per_agency=True)

    def once_per_run(self, name: str, **trigger: Any) -> JobSpec:
        """A job with no agency (hourly cron unless ``trigger`` says otherwise)."""

        def run() -> None:
            self.add(name, None)

        kind = trigger.pop("kind", "cron")
        return JobSpec(id=name, func=run, trigger=kind, trigger_args=trigger or HOURLY)


class JobsPlugin:
    """A plugin whose ``crm_register_jobs`` returns whatever the test sets in ``specs`` (or
    raises it, if it is an exception)."""

    def __init__(self, *specs: Any) -> None:
        self.specs: Any = list(specs)

    @hookimpl
    def crm_plugin_info(self) -> PluginInfo:
        return PluginInfo(name=PLUGIN, title="Probe")

    @hookimpl
    def crm_register_jobs(self) -> Any:
        if isinstance(self.specs, Exception):
            raise self.specs
        return self.specs


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def plugin() -> JobsPlugin:
    """The test plugin, installed in ``app``; a test sets ``plugin.specs`` before starting a
    scheduler (which asks for the jobs when it starts)."""
    return JobsPlugin()


@pytest.fixture
def app(app_factory: Callable[..., Flask], plugin: JobsPlugin) -> Iterator[Flask]:
    """The app with only the test plugin installed, its context pushed."""
    application = app_factory(PLUGINS_AUTOLOAD=False, EXTRA_PLUGINS=[(plugin, PLUGIN)])
    with application.app_context():
        yield application
        db.session.remove()


@pytest.fixture
def scheduler() -> Iterator[Callable[..., JobScheduler]]:
    """``scheduler(app, at=T0)``: a started scheduler whose clock reads ``at``."""
    started: list[JobScheduler] = []

    def start(app: Flask, at: datetime = T0) -> JobScheduler:
        with app.app_context():
            config = SchedulerConfig.from_app(app)
            jobs = collect_jobs(app, config)
        instance = JobScheduler(app, jobs, config, clock=lambda: at)
        instance.start()
        started.append(instance)
        return instance

    yield start
    for instance in started:
        if instance.running:
            instance.shutdown()


@pytest.fixture
def enable(make: Factory) -> Callable[..., Agency]:
    """``enable(agency)``: switch the probe plugin on in ``agency`` (a new one if not given)."""

    def switch_on(agency: Agency | None = None) -> Agency:
        agency = agency or make.agency()
        plugins.set_enabled(None, agency, PLUGIN, True)
        return agency

    return switch_on


def stored_next_run(key: str) -> datetime | None:
    """The next run time the job store holds for job ``key`` (read fresh)."""
    db.session.rollback()
    with db.engine.connect() as conn:
        value = conn.scalar(select(scheduler_jobs.c.next_run_time).where(scheduler_jobs.c.id == key))
    return None if value is None else datetime.fromtimestamp(value, UTC)


def stored_ids() -> set[str]:
    with db.engine.connect() as conn:
        return set(conn.scalars(select(scheduler_jobs.c.id)))


def wait_until(condition: Callable[[], Any], timeout: float = 20.0, what: str = "") -> Any:
    """Poll ``condition`` until it is truthy; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what or condition}")
        time.sleep(0.05)


def hours(n: float) -> timedelta:
    return timedelta(hours=n)
