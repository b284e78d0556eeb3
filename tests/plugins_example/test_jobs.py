"""The example plugin's nightly job: declared through ``crm_register_jobs``, run by the
scheduler in each agency where the plugin is enabled, closing debriefs owed too long."""

from __future__ import annotations

from datetime import timedelta

from realty_crm_visit_notes import debriefs as plugin_debriefs
from realty_crm_visit_notes.models import RESOLVED_BY_EXPIRY

from realty_crm.plugin_api import tenancy, utcnow
from realty_crm.testing.plugin_tools import configure_plugin, enable_plugin, running_scheduler, scheduled_jobs

from .conftest import PLUGIN

JOB = f"{PLUGIN}:expire_stale_debriefs"


def test_the_plugin_declares_a_nightly_job_per_agency(app):
    job = scheduled_jobs(app)[JOB]
    assert job.plugin == PLUGIN and job.spec.per_agency
    assert job.spec.trigger == "cron" and job.spec.trigger_args == {"hour": 4, "minute": 5}


def test_the_scheduler_closes_debriefs_owed_too_long_only_where_the_plugin_is_enabled(
    app, sol, luna, debriefs
):
    enable_plugin(luna.agency, PLUGIN)
    luna_old = luna.visit_done_days_ago(40)
    enable_plugin(luna.agency, PLUGIN, False)
    sol_old = sol.visit_done_days_ago(31)
    sol_recent = sol.visit_done_days_ago(29)
    now = utcnow()
    with running_scheduler(app, clock=lambda: now) as scheduler:
        due = scheduled_jobs(app)[JOB].trigger.get_next_fire_time(None, now)
        assert JOB in scheduler.run_due(due, wait=True)

    state = {row.visit_id: row.resolved_by for row in debriefs()}
    assert state == {sol_old.id: RESOLVED_BY_EXPIRY, sol_recent.id: None, luna_old.id: None}


def test_the_agency_decides_how_long_a_debrief_may_wait(sol, debriefs):
    configure_plugin(sol.agency, PLUGIN, {"expire_after_days": 3})
    old = sol.visit_done_days_ago(4)
    sol.visit_done_days_ago(2)

    with tenancy.scope(sol.agency.id):
        closed = plugin_debriefs.expire_stale(sol.agency)

    closed_rows = [r for r in debriefs() if r.resolved_at is not None]
    assert closed == 1
    assert [(r.visit_id, r.resolved_by) for r in closed_rows] == [(old.id, RESOLVED_BY_EXPIRY)]
    assert closed_rows[0].resolved_at > utcnow() - timedelta(minutes=5)
