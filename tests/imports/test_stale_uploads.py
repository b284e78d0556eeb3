"""Uploads nobody confirmed lose their file after a week (the daily housekeeping job); their
history line stays; confirmed, discarded and recent ones, and other agencies', are untouched."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from realty_crm import tenancy
from realty_crm.extensions import db
from realty_crm.models import ImportStatus, ProspectImport, utcnow
from realty_crm.scheduler import core_jobs, discard_stale_imports


def _upload(agency_id: int, age: timedelta, status: ImportStatus = ImportStatus.PREVIEWED) -> int:
    imp = ProspectImport(agency_id=agency_id, filename="leads.csv", content=b"First name,Email\nAna,a@x.es\n",
                         row_count=1, status=status, created_at=utcnow() - age,
                         finished_at=None if status == ImportStatus.PREVIEWED else utcnow())
    db.session.add(imp)
    db.session.commit()
    return imp.id


def _state(import_id: int) -> tuple[ImportStatus, bool]:
    db.session.expire_all()
    imp = db.session.scalars(
        select(ProspectImport).where(ProspectImport.id == import_id).execution_options(**tenancy.unscoped())
    ).one()
    return imp.status, bool(imp.content)


def test_a_week_old_unconfirmed_upload_is_discarded_and_the_rest_kept(app, make):
    mine, theirs = make.agency(), make.agency()
    stale = _upload(mine.id, timedelta(days=7, minutes=1))
    recent = _upload(mine.id, timedelta(days=6, hours=23))
    imported = _upload(mine.id, timedelta(days=30), ImportStatus.IMPORTED)
    foreign = _upload(theirs.id, timedelta(days=30))

    with tenancy.scope(mine.id):
        assert discard_stale_imports(mine) == 1

    assert _state(stale) == (ImportStatus.DISCARDED, False)
    assert _state(recent) == (ImportStatus.PREVIEWED, True)
    assert _state(imported)[0] == ImportStatus.IMPORTED
    assert _state(foreign) == (ImportStatus.PREVIEWED, True)


def test_the_housekeeping_runs_daily_in_every_agency():
    [job] = [spec for spec in core_jobs() if spec.id == "discard_stale_imports"]
    assert job.per_agency and job.trigger == "cron" and job.trigger_args == {"hour": 3, "minute": 47}
