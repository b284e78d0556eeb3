"""What plugins declare in ``crm_register_jobs`` is checked when the scheduler starts: a bad
declaration is refused with its reason, logged and shown to the admins, and the rest run."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from realty_crm.extensions import db
from realty_crm.models import Agency, PluginError
from realty_crm.scheduler import JobSpec

from .conftest import CORE_JOBS, PLUGIN, stored_ids


def run_in_agency(agency: Agency) -> None:
    """A well-formed per-agency job function."""


def run_alone() -> None:
    """A well-formed job function taking no agency."""


GOOD = JobSpec("good", run_alone, "interval", {"minutes": 5})


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ("every five minutes", "must return JobSpec objects, not str"),
        (JobSpec("", run_alone, "interval", {"minutes": 5}), "job id ''"),
        (JobSpec("with space", run_alone, "interval", {"minutes": 5}), "job id 'with space'"),
        (JobSpec("emoji-🚀", run_alone, "interval", {"minutes": 5}), "job id 'emoji-🚀'"),
        (JobSpec("x" * 81, run_alone, "interval", {"minutes": 5}), "use 1 to 80 letters"),
        (JobSpec(7, run_alone, "interval", {"minutes": 5}), "job id 7"),  # type: ignore[arg-type]
        (JobSpec("weekly", run_alone, "weekly", {}), "trigger must be 'interval' or 'cron', not 'weekly'"),
        (JobSpec("cron-25h", run_alone, "cron", {"hour": 25}), "bad cron trigger arguments"),
        (JobSpec("cron-typo", run_alone, "cron", {"hours": 3}), "bad cron trigger arguments"),
        (JobSpec("no-interval", run_alone, "interval", {}), "the interval must be positive"),
        (JobSpec("negative", run_alone, "interval", {"minutes": -5}), "the interval must be positive"),
        (JobSpec("text-interval", run_alone, "interval", {"minutes": "five"}), "bad interval trigger"),
        (JobSpec("args-list", run_alone, "interval", ["minutes", 5]), "bad interval trigger"),  # type: ignore[arg-type]
        (JobSpec("tz", run_alone, "cron", {"hour": 3, "timezone": "Mars/Olympus"}), "bad cron trigger"),
        (JobSpec("nowhere", "no_such_module_xyz:run", "interval", {"minutes": 5}), "cannot import"),
        (JobSpec("bad-ref", "not a reference", "interval", {"minutes": 5}), "cannot import"),
        (JobSpec("not-callable", 42, "interval", {"minutes": 5}), "must be callable, not int"),  # type: ignore[arg-type]
        (JobSpec("wants-agency", run_in_agency, "interval", {"minutes": 5}), "must take no argument"),
        (JobSpec("no-agency", run_alone, "interval", {"minutes": 5}, per_agency=True),
         "must take the agency as its one argument"),
        (GOOD, "job id 'good' is declared twice"),
    ],
)
def test_bad_declaration_is_refused_and_the_good_ones_still_run(
    app, plugin, scheduler, enable, caplog, bad, reason
):
    plugin.specs = [GOOD, bad]
    agency = enable()

    with caplog.at_level(logging.ERROR, logger="realty_crm.scheduler"):
        sched = scheduler(app)

    assert set(sched.jobs) == {*CORE_JOBS, "probe:good"}
    assert stored_ids() == {*CORE_JOBS, "probe:good"}
    assert any(reason in r.getMessage() for r in caplog.records), [r.getMessage() for r in caplog.records]
    db.session.rollback()
    errors = db.session.scalars(select(PluginError)).all()
    assert [(e.agency_id, e.plugin, e.hook) for e in errors] == [(agency.id, PLUGIN, "crm_register_jobs")]
    assert reason in errors[0].message


def test_plugin_whose_declaration_hook_raises_is_left_out(app, plugin, scheduler, enable):
    plugin.specs = ImportError("optional dependency missing")
    agency = enable()

    sched = scheduler(app)

    assert set(sched.jobs) == {*CORE_JOBS}
    db.session.rollback()
    error = db.session.scalars(select(PluginError)).one()
    assert (error.agency_id, error.hook) == (agency.id, "crm_register_jobs")
    assert "optional dependency missing" in error.message


def test_single_spec_and_module_reference_are_accepted(app, plugin, scheduler):
    plugin.specs = JobSpec("by-ref", f"{__name__}:run_in_agency", "cron", {"hour": "*/6"}, per_agency=True,
                           description="Résumé des visites — كل ست ساعات")

    sched = scheduler(app)

    assert sched.jobs["probe:by-ref"].func is run_in_agency
    assert sched.get_job("probe:by-ref").name == "Résumé des visites — كل ست ساعات"


def test_refused_declaration_of_a_plugin_enabled_nowhere_is_only_logged(app, plugin, scheduler, make, caplog):
    plugin.specs = [JobSpec("weekly", run_alone, "weekly", {})]
    make.agency()

    with caplog.at_level(logging.ERROR, logger="realty_crm.scheduler"):
        scheduler(app)

    assert "a job of plugin probe was refused" in caplog.text
    db.session.rollback()
    assert db.session.scalars(select(PluginError)).all() == []
