"""Erasing a person (GDPR) erases what they sent through the agency's forms; the forms' figures
still count their enquiries, and another agency's submissions are untouched."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import realty_crm_marketing_forms
from realty_crm_marketing_forms import erasure, figures
from realty_crm_marketing_forms.models import FormSubmission, SubmissionStatus
from sqlalchemy import select

from realty_crm.plugin_api import PluginFailed, Prospect, db, prospects, tenancy, utcnow
from realty_crm.testing.plugin_tools import enable_plugin

THIS_YEAR = (utcnow() - timedelta(days=180), utcnow() + timedelta(days=180))
# what the visitor typed, as stored in a submission (checked straight in the database)
PERSONAL = ("prospect_data", "message", "property_reference", "error")


def _rows(branch: Any) -> list[dict[str, Any]]:
    table = FormSubmission.__table__
    with db.engine.connect() as conn:
        rows = conn.execute(select(table).where(table.c.agency_id == branch.agency.id).order_by(table.c.id))
        return [dict(row._mapping) for row in rows]


def _person(branch: Any, email: str) -> Prospect:
    with tenancy.scope(branch.agency.id):
        return db.session.scalars(select(Prospect).where(Prospect.email == email)).one()


@pytest.fixture
def enquiries(sol, luna, visitor, answers) -> Prospect:
    """Ana sends Sol's contact form twice and Bea once; Ana also writes to Luna. Returns Ana at Sol."""
    enable_plugin(luna.agency, "marketing_forms")
    luna.configure()
    luna.form = luna.build()
    for path, who in [(sol.path, answers), (sol.path, answers),
                      (sol.path, {**answers, "email": "bea@example.com", "phone": "", "first_name": "Bea"}),
                      (luna.path, answers)]:
        assert visitor.send(path, who).status_code == 200
    return _person(sol, "ana.garcia@example.com")


def test_erasing_a_person_erases_what_they_sent_through_the_forms(sol, enquiries):
    before = _rows(sol)
    with tenancy.scope(sol.agency.id):
        counted = figures.by_form(*THIS_YEAR)

    with tenancy.scope(sol.agency.id):
        prospects.erase_prospect(sol.admin, enquiries)

    after = _rows(sol)
    anas = [row for row in after if row["prospect_id"] == enquiries.id]
    assert len(anas) == 2
    for row in anas:
        assert [row[column] for column in PERSONAL] == [{}, "", "", ""]
        assert "Ana" not in str(row) and "612" not in str(row)
    # the rows stay, with their form, dates, campaign and outcome; Bea's keep what she sent
    assert [{k: v for k, v in row.items() if k not in PERSONAL} for row in after] == [
        {k: v for k, v in row.items() if k not in PERSONAL} for row in before
    ]
    assert [row for row in after if row["prospect_id"] != enquiries.id] == [
        row for row in before if row["prospect_id"] != enquiries.id
    ]
    with tenancy.scope(sol.agency.id):
        assert figures.by_form(*THIS_YEAR) == counted


def test_another_agencys_submissions_from_the_same_person_are_untouched(sol, luna, enquiries):
    before = _rows(luna)

    with tenancy.scope(sol.agency.id):
        prospects.erase_prospect(sol.admin, enquiries)

    assert _rows(luna) == before
    assert before[0]["prospect_data"]["email"] == "Ana.Garcia@Example.com"


def test_the_submissions_are_erased_where_the_plugin_was_switched_off_since(sol, enquiries):
    enable_plugin(sol.agency, "marketing_forms", False)

    with tenancy.scope(sol.agency.id):
        prospects.erase_prospect(sol.admin, enquiries)

    assert [row["prospect_data"] for row in _rows(sol) if row["prospect_id"] == enquiries.id] == [{}, {}]


def test_nothing_is_erased_when_the_plugins_erasure_fails(sol, enquiries, monkeypatch):
    before = _rows(sol)

    def erases_then_fails(prospect: Prospect) -> None:
        erasure.erase_submissions_of(prospect)
        raise RuntimeError("disk full")

    monkeypatch.setattr(realty_crm_marketing_forms, "erase_submissions_of", erases_then_fails)
    with tenancy.scope(sol.agency.id), pytest.raises(PluginFailed):
        prospects.erase_prospect(sol.admin, enquiries)

    assert _rows(sol) == before
    kept = _person(sol, "ana.garcia@example.com")
    assert kept.erased_at is None and kept.first_name == "Ana"


def _unlinked(branch: Any, email: str, status: SubmissionStatus) -> int:
    """A submission of ``email`` not turned into a prospect (yet): stored behind the queue's back."""
    with tenancy.scope(branch.agency.id):
        row = FormSubmission(agency_id=branch.agency.id, form_id=branch.form.id, status=status,
                             prospect_data={"first_name": "X", "email": email}, message=f"from {email}",
                             error="" if status == SubmissionStatus.PENDING else f"{email} refused")
        db.session.add(row)
        db.session.commit()
        return row.id


def test_unlinked_submissions_with_the_persons_email_are_erased_and_never_processed(sol, enquiries):
    pending = _unlinked(sol, "ANA.GARCIA@example.com", SubmissionStatus.PENDING)
    failed = _unlinked(sol, "ana.garcia@example.com", SubmissionStatus.FAILED)
    someone_else = _unlinked(sol, "bea@example.com", SubmissionStatus.PENDING)

    with tenancy.scope(sol.agency.id):
        prospects.erase_prospect(sol.admin, enquiries)

    rows = {row["id"]: row for row in _rows(sol)}
    for erased in (pending, failed):
        assert [rows[erased][column] for column in PERSONAL] == [{}, "", "", ""]
        assert rows[erased]["status"] == SubmissionStatus.FAILED
    assert rows[someone_else]["prospect_data"]["email"] == "bea@example.com"
    assert rows[someone_else]["status"] == SubmissionStatus.PENDING
