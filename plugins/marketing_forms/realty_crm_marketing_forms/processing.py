"""Turning kept submissions into prospects (or merging them into the person's record), in
batches: right after the answer while the web worker is otherwise idle, and every few
seconds from the scheduler. One that fails is kept as ``failed`` with its reason and the
others go on; two workers never take the same one.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from realty_crm.plugin_api import (
    Agency,
    ServiceError,
    ValidationFailed,
    begin_write,
    commit,
    db,
    prospects,
    require,
    savepoint,
    utcnow,
)
from sqlalchemy import func, select

from .intake import UTM_FIELDS
from .models import FormSubmission, SubmissionStatus
from .permissions import MANAGE
from .settings import NAME

logger = logging.getLogger(__name__)

# submissions per transaction: on SQLite the batch holds the write lock that visitors'
# submissions wait for, so it stays short
BATCH = 10
MAX_PAUSE = 0.2  # seconds


def waiting_since(agency_id: int) -> datetime | None:
    """When the oldest submission still pending arrived (None: the queue is empty)."""
    return db.session.scalar(
        select(func.min(FormSubmission.received_at))
        .where(FormSubmission.agency_id == agency_id, FormSubmission.status == SubmissionStatus.PENDING)
    )


def process_pending(agency: Agency, limit: int = 10_000, only: int | None = None) -> int:
    """Turn up to ``limit`` of the agency's pending submissions into prospects, oldest first,
    a batch per transaction (``only``: just the submission of that id, if pending); returns
    how many were taken (processed or failed).

    On SQLite, whose one write lock the visitors' submissions also need, it pauses after each
    batch as long as the batch held the lock: a long queue is worked through at half the
    lock's time, and new enquiries keep being answered meanwhile."""
    yields = db.engine.dialect.name == "sqlite"
    done = 0
    while done < limit:
        started = time.monotonic()
        taken = _process_batch(agency, min(BATCH, limit - done), only)
        if not taken:
            break
        done += taken
        if yields:
            time.sleep(min(time.monotonic() - started, MAX_PAUSE))
    return done


def _process_batch(agency: Agency, size: int, only: int | None = None) -> int:
    """One batch in one transaction. Submissions were checked when received, so a batch
    normally goes through whole; if anything in it fails, it is done again one savepoint per
    submission, and the ones that fail are kept as failed."""
    try:
        return _run_batch(agency, size, only, careful=False)
    except Exception:
        db.session.rollback()
        return _run_batch(agency, size, only, careful=True)


def _run_batch(agency: Agency, size: int, only: int | None, careful: bool) -> int:
    begin_write()
    stmt = (
        select(FormSubmission)
        .where(FormSubmission.agency_id == agency.id, FormSubmission.status == SubmissionStatus.PENDING)
        .order_by(FormSubmission.id)
        .limit(size)
        # another worker (web or scheduler) takes the next rows, never the same ones
        .with_for_update(skip_locked=True)
    )
    if only is not None:
        stmt = stmt.where(FormSubmission.id == only)
    batch = list(db.session.scalars(stmt))
    for submission in batch:
        if careful:
            _process_alone(agency, submission)
        else:
            _process(agency, submission)
    commit()
    return len(batch)


def _process(agency: Agency, submission: FormSubmission) -> None:
    """Make the submission a prospect (or merge it), and mark it processed."""
    form = submission.form
    details: dict[str, Any] = {
        "form_id": form.id,
        "form_name": form.name,
        "submission_id": submission.id,
        "message": submission.message,
        "property_reference": submission.property_reference,
        **{name: getattr(submission, name) for name in UTM_FIELDS if getattr(submission, name)},
    }
    prospect, created = prospects.take_enquiry(
        agency, submission.prospect_data, source=NAME, details=details
    )
    submission.status = SubmissionStatus.PROCESSED
    submission.prospect_id = prospect.id
    submission.created_prospect = created
    submission.processed_at = utcnow()
    submission.error = ""


def _process_alone(agency: Agency, submission: FormSubmission) -> None:
    """``_process`` in a savepoint: a submission that fails is kept as failed, with why."""
    try:
        with savepoint():
            _process(agency, submission)
    except ServiceError as exc:  # refused by the prospect rules: kept, shown, can be retried
        submission.status = SubmissionStatus.FAILED
        submission.error = _refusal(exc)
    except Exception as exc:  # a bug or an outage must not block the others either
        logger.exception("marketing_forms: submission %s could not be processed", submission.id)
        submission.status = SubmissionStatus.FAILED
        submission.error = (str(exc) or exc.__class__.__name__)[:1000]


def _refusal(exc: ServiceError) -> str:
    fields = "; ".join(f"{field}: {message}" for field, message in exc.details.items())
    return f"{exc.message} {fields}".strip()[:1000]


def enquiry_text(data: Mapping[str, Any]) -> str:
    """The timeline's words for an enquiry this plugin took (its entry's ``data``), in the
    reader's language."""
    parts = [_("Enquiry through the form “%(form)s”.", form=data["form_name"])]
    if data.get("utm_campaign"):
        parts.append(_("Campaign: %(campaign)s.", campaign=data["utm_campaign"]))
    if data.get("property_reference"):
        parts.append(_("About property %(reference)s.", reference=data["property_reference"]))
    if data.get("message"):
        parts.append(data["message"])
    return " ".join(parts)


def retry(actor: Any, submission: FormSubmission) -> None:
    """Process a failed submission again, now."""
    require(actor, MANAGE)
    if submission.status != SubmissionStatus.FAILED:
        message = _("Only a submission that failed can be processed again.")
        raise ValidationFailed(message, {"status": message})
    submission_id, agency = submission.id, db.session.get(Agency, submission.agency_id)
    submission.status = SubmissionStatus.PENDING
    commit()
    process_pending(agency, only=submission_id)


def process_pending_job(agency: Agency) -> int:
    """The scheduler's share: what the web workers left pending (a burst, or a worker that
    stopped between the answer and the processing)."""
    return process_pending(agency)
