"""The core's housekeeping job: plugin errors older than the retention period go, in every
agency, whether or not it has plugins; newer ones and other agencies' stay."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from realty_crm import tenancy
from realty_crm.extensions import db
from realty_crm.models import Agency, PluginError, utcnow
from realty_crm.scheduler import purge_plugin_errors

from .conftest import T0, stored_next_run

PURGE = "core:purge_plugin_errors"


def _error(agency: Agency, age: timedelta, label: str) -> None:
    db.session.add(PluginError(agency_id=agency.id, plugin="probe", hook="crm_call_logged",
                               message=label, details="", occurred_at=utcnow() - age))
    db.session.commit()


def _left() -> set[tuple[int, str]]:
    db.session.rollback()
    return {(e.agency_id, e.message) for e in db.session.scalars(select(PluginError))}


def _ages(agency: Agency) -> None:
    _error(agency, timedelta(days=365), "a year old")
    _error(agency, timedelta(days=90, minutes=5), "just over 90 days")
    _error(agency, timedelta(days=89, hours=23), "just under 90 days")
    _error(agency, timedelta(minutes=1), "new")


def test_housekeeping_deletes_only_errors_older_than_90_days_in_every_agency(app, scheduler, make, enable):
    with_plugin, without = enable(), make.agency()
    _ages(with_plugin)
    _ages(without)
    sched = scheduler(app)
    due = T0.replace(hour=3, minute=17, second=0) + timedelta(days=1)

    assert stored_next_run(PURGE) == due
    assert sched.run_due(due, wait=True) == [PURGE]

    kept = {"just under 90 days", "new"}
    assert _left() == {(a.id, m) for a in (with_plugin, without) for m in kept}
    assert stored_next_run(PURGE) == due + timedelta(days=1)


def test_housekeeping_in_one_agency_leaves_the_others_alone(app, make):
    mine, theirs = make.agency(), make.agency()
    _ages(mine)
    _ages(theirs)

    with tenancy.scope(mine.id):
        deleted = purge_plugin_errors(mine)

    assert deleted == 2
    assert {m for a, m in _left() if a == theirs.id} == {
        "a year old", "just over 90 days", "just under 90 days", "new"
    }


def test_housekeeping_follows_the_retention_setting(app, make):
    app.config["PLUGIN_ERRORS_RETENTION_DAYS"] = 7
    agency = make.agency()
    _error(agency, timedelta(days=8), "last week")
    _error(agency, timedelta(days=6), "this week")

    with tenancy.scope(agency.id):
        assert purge_plugin_errors(agency) == 1

    assert _left() == {(agency.id, "this week")}


def test_housekeeping_with_nothing_to_delete_deletes_nothing(app, make):
    agency = make.agency()
    _error(agency, timedelta(days=1), "yesterday")

    with tenancy.scope(agency.id):
        assert purge_plugin_errors(agency) == 0

    assert _left() == {(agency.id, "yesterday")}
