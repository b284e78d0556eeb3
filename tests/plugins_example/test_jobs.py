"""The example plugin's nightly job: declared through ``crm_register_jobs``, run by the
scheduler in each agency where the plugin is enabled, closing debriefs owed too long."""

from __future__ import annotations

from datetime import timedelta

from realty_crm_visit_notes import debriefs as plugin_debriefs
from realty_crm_visit_notes.models import RESOLVED_BY_EXPIRY

from realty_crm import tenancy
from realty_crm.models import utcnow
from realty_crm.scheduler import JobScheduler, SchedulerConfig, collect_jobs
from realty_crm.services import plugins

from .conftest import PLUGIN

JOB = f"{PLUGIN}:expire_stale_debriefs"


def _jobs(app):
    config = SchedulerConfig.from_app(app)
    return config, {job.key: job for job in collect_jobs(app, config)}


def test_the_plugin_declares_a_nightly_job_per_agency(app):
    _config, jobs = _jobs(app)

    job = jobs[JOB]
    assert job.plugin == PLUGIN and job.spec.per_agency
    assert job.spec.trigger == "cron" and job.spec.trigger_args == {"hour": 4, "minute": 5}


def test_the_scheduler_closes_debriefs_owed_too_long_only_where_the_plugin_is_enabled(
    app, sol, luna, debriefs
):
    plugins.set_enabled(None, luna.agency, PLUGIN, True)
    luna_old = luna.visit_done_days_ago(40)
    plugins.set_enabled(None, luna.agency, PLUGIN, False)
    sol_old = sol.visit_done_days_ago(31)
    sol_recent = sol.visit_done_days_ago(29)
    config, jobs = _jobs(app)
    now = utcnow()
    scheduler = JobScheduler(app, list(jobs.values()), config, clock=lambda: now)
    scheduler.start()
    try:
        due = jobs[JOB].trigger.get_next_fire_time(None, now)
        assert JOB in scheduler.run_due(due, wait=True)
    finally:
        scheduler.shutdown()

    state = {row.visit_id: row.resolved_by for row in debriefs()}
    assert state == {sol_old.id: RESOLVED_BY_EXPIRY, sol_recent.id: None, luna_old.id: None}


def test_the_agency_decides_how_long_a_debrief_may_wait(sol, debriefs):
    plugins.configure(None, sol.agency, PLUGIN, {"expire_after_days": 3})
    old = sol.visit_done_days_ago(4)
    sol.visit_done_days_ago(2)

    with tenancy.scope(sol.agency.id):
        closed = plugin_debriefs.expire_stale(sol.agency)

    closed_rows = [r for r in debriefs() if r.resolved_at is not None]
    assert closed == 1
    assert [(r.visit_id, r.resolved_by) for r in closed_rows] == [(old.id, RESOLVED_BY_EXPIRY)]
    assert closed_rows[0].resolved_at > utcnow() - timedelta(minutes=5)
