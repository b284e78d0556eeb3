"""Jobs fire when due by the scheduler's clock, per agency where their plugin is enabled,
each run isolated: a crash is recorded and stops nothing else."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from realty_crm import scheduler as scheduler_module
from realty_crm.database import begin_write
from realty_crm.extensions import db
from realty_crm.models import Agency, PluginError, Prospect, Role
from realty_crm.scheduler import JobSpec
from realty_crm.services import plugins

from .conftest import PLUGIN, T0, hours, stored_next_run

ELEVEN = T0.replace(hour=11, minute=0, second=0)


def test_job_runs_when_its_time_comes_and_not_before(app, plugin, scheduler, recorder, enable):
    plugin.specs = [recorder.once_per_run("tick")]
    enable()
    sched = scheduler(app)

    assert sched.run_due(ELEVEN - timedelta(seconds=1), wait=True) == []
    assert recorder.of("tick") == []
    assert sched.run_due(ELEVEN, wait=True) == ["probe:tick"]
    assert len(recorder.of("tick")) == 1
    assert stored_next_run("probe:tick") == ELEVEN + hours(1)


def test_job_with_no_agency_runs_once_outside_any_tenancy_scope(app, plugin, scheduler, recorder, enable):
    plugin.specs = [recorder.once_per_run("tick")]
    enable()
    enable()

    scheduler(app).run_due(ELEVEN, wait=True)

    assert [(r.agency_id, r.scope) for r in recorder.of("tick")] == [(None, None)]


def test_runs_missed_meanwhile_are_coalesced_into_one(app, plugin, scheduler, recorder, enable):
    plugin.specs = [recorder.once_per_run("tick", kind="interval", minutes=10,
                                          start_date=T0 + timedelta(minutes=10))]
    enable()

    scheduler(app).run_due(T0 + timedelta(minutes=55), wait=True)  # five runs were due

    assert len(recorder.of("tick")) == 1
    assert stored_next_run("probe:tick") == T0 + timedelta(minutes=60)


def test_per_agency_job_runs_only_where_the_plugin_is_enabled(app, plugin, scheduler, recorder, enable, make):
    plugin.specs = [recorder.per_agency("sweep")]
    on_a, on_b = enable(), enable()
    never = make.agency()
    switched_off = enable()
    plugins.set_enabled(None, switched_off, PLUGIN, False)

    scheduler(app).run_due(ELEVEN, wait=True)

    runs = recorder.of("sweep")
    assert sorted(r.agency_id for r in runs) == sorted([on_a.id, on_b.id])
    assert all(r.scope == r.agency_id for r in runs)  # each inside its agency's tenancy scope
    assert never.id not in recorder.agencies("sweep")


def test_per_agency_job_sees_only_its_agency_data(app, plugin, scheduler, enable, make):
    seen: dict[int, int] = {}

    def count_prospects(agency: Agency) -> None:
        seen[agency.id] = db.session.scalar(select(func.count()).select_from(Prospect)) or 0

    plugin.specs = [JobSpec("count", count_prospects, "cron", {"minute": 0}, per_agency=True)]
    a, b = enable(), enable()
    agent_a, agent_b = make.user(a, Role.AGENT), make.user(b, Role.AGENT)
    make.prospect(agent_a)
    make.prospect(agent_a, first_name="Zoë", last_name="مريم")
    make.prospect(agent_b)

    scheduler(app).run_due(ELEVEN, wait=True)

    assert seen == {a.id: 2, b.id: 1}


def test_enabling_the_plugin_later_takes_effect_at_the_next_run(
    app, plugin, scheduler, recorder, enable, make
):
    plugin.specs = [recorder.per_agency("sweep")]
    first = enable()
    later = make.agency()
    sched = scheduler(app)
    sched.run_due(ELEVEN, wait=True)
    enable(later)
    sched.run_due(ELEVEN + hours(1), wait=True)

    assert [r.agency_id for r in recorder.of("sweep")] == [first.id, first.id, later.id]


def test_plugin_job_enabled_nowhere_does_not_run(app, plugin, scheduler, recorder, make):
    plugin.specs = [recorder.once_per_run("tick"), recorder.per_agency("sweep")]
    make.agency()

    assert set(scheduler(app).run_due(ELEVEN, wait=True)) == {"probe:tick", "probe:sweep"}

    assert recorder.runs == []


def test_crashing_job_is_recorded_for_its_agency_and_stops_nothing_else(
    app, plugin, scheduler, recorder, enable
):
    def explode(agency: Agency) -> None:
        begin_write()
        agency.name = "half-written"  # a partial write, to be rolled back
        db.session.flush()
        if agency.id == bad.id:
            raise ValueError("boom ☠ in the job")
        recorder.add("explode", agency)

    plugin.specs = [JobSpec("explode", explode, "cron", {"minute": 0}, per_agency=True),
                    recorder.per_agency("steady")]
    bad, good = enable(), enable()
    bad_name = bad.name
    sched = scheduler(app)

    sched.run_due(ELEVEN, wait=True)

    assert recorder.agencies("explode") == {good.id}
    assert recorder.agencies("steady") == {bad.id, good.id}
    db.session.rollback()
    errors = db.session.scalars(select(PluginError)).all()
    assert [(e.agency_id, e.plugin, e.hook) for e in errors] == [(bad.id, PLUGIN, "job:explode")]
    assert "ValueError: boom ☠ in the job" in errors[0].message
    assert "Traceback" in errors[0].details
    assert db.session.get(Agency, bad.id).name == bad_name  # the partial write was rolled back

    sched.run_due(ELEVEN + hours(1), wait=True)  # the scheduler goes on

    assert len(recorder.of("steady")) == 4
    assert len(recorder.of("explode")) == 2


def test_crash_of_a_job_with_no_agency_is_recorded_where_the_plugin_is_enabled(
    app, plugin, scheduler, recorder, enable, make
):
    def explode() -> None:
        raise RuntimeError("outbox unreachable")

    plugin.specs = [JobSpec("deliver", explode, "cron", {"minute": 0}), recorder.once_per_run("tick")]
    a, b = enable(), enable()
    make.agency()

    scheduler(app).run_due(ELEVEN, wait=True)

    db.session.rollback()
    errors = db.session.scalars(select(PluginError).order_by(PluginError.agency_id)).all()
    assert [(e.agency_id, e.hook) for e in errors] == [(a.id, "job:deliver"), (b.id, "job:deliver")]
    assert len(recorder.of("tick")) == 1


def test_crashing_core_job_is_logged_and_the_other_core_jobs_still_run(
    app, scheduler, recorder, make, monkeypatch, caplog
):
    def broken(agency: Agency) -> None:
        raise KeyError("no such thing")

    def working(agency: Agency) -> None:
        recorder.add("working", agency)

    monkeypatch.setattr(scheduler_module, "core_jobs", lambda: [
        JobSpec("broken", broken, "cron", {"minute": 0}, per_agency=True),
        JobSpec("working", working, "cron", {"minute": 0}, per_agency=True),
    ])
    a, b = make.agency(), make.agency()  # the plugin is enabled in neither: core jobs run anyway

    with caplog.at_level(logging.ERROR, logger="realty_crm.scheduler"):
        scheduler(app).run_due(ELEVEN, wait=True)

    assert recorder.agencies("working") == {a.id, b.id}
    failures = [r for r in caplog.records if "job core:broken failed" in r.getMessage()]
    assert len(failures) == 2 and failures[0].exc_info is not None
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(PluginError)) == 0


def test_job_still_running_is_not_started_twice(app, plugin, scheduler, enable):
    release = threading.Event()
    calls: list[int] = []

    def slow() -> None:
        calls.append(1)
        release.wait(10)

    plugin.specs = [JobSpec("slow", slow, "cron", {"minute": "*"})]
    enable()
    sched = scheduler(app)
    minute = T0.replace(second=0)

    assert sched.run_due(minute + timedelta(minutes=1)) == ["probe:slow"]
    assert sched.run_due(minute + timedelta(minutes=2)) == []  # still busy: this run is skipped
    release.set()
    sched.run_due(minute + timedelta(minutes=2), wait=True)

    assert calls == [1]
    assert stored_next_run("probe:slow") == minute + timedelta(minutes=3)


@pytest.mark.parametrize("late", [timedelta(minutes=59), timedelta(minutes=61)])
def test_run_later_than_the_grace_time_is_skipped(app, plugin, scheduler, recorder, enable, late):
    plugin.specs = [recorder.once_per_run("daily", hour=11, minute=0)]
    app.config["SCHEDULER_MISFIRE_GRACE_SECONDS"] = 3600
    enable()

    scheduler(app).run_due(ELEVEN + late, wait=True)

    assert len(recorder.of("daily")) == (1 if late < hours(1) else 0)
    assert stored_next_run("probe:daily") == ELEVEN + timedelta(days=1)


def _run_levels(caplog, job: str) -> list[int]:  # type: ignore[no-untyped-def]
    """The levels of the "ran in" lines of ``job``."""
    return [r.levelno for r in caplog.records
            if r.getMessage().startswith(f"job probe:{job} ") and "ran in" in r.getMessage()]


def test_a_quick_clean_run_is_logged_quietly_and_a_failing_one_loudly(
    app, plugin, scheduler, recorder, enable, caplog
):
    def explode(agency: Agency) -> None:
        raise ValueError("boom")

    plugin.specs = [recorder.once_per_run("tick"),
                    JobSpec("explode", explode, "cron", {"minute": 0}, per_agency=True)]
    enable()

    with caplog.at_level(logging.DEBUG, logger="realty_crm.scheduler"):
        scheduler(app).run_due(ELEVEN, wait=True)

    assert _run_levels(caplog, "tick") == [logging.DEBUG]
    assert _run_levels(caplog, "explode") == [logging.INFO]
