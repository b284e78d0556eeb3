"""What happens to an enquiry: received and kept (before the visitor is thanked), then turned
into a prospect, or merged into the one with the same e-mail or phone.

The two steps are separate so that a burst of enquiries is answered at the speed of one
insert each, and so nothing sent is lost if processing fails: ``receive`` commits the
submission as ``pending``; ``process_pending`` takes pending submissions in batches (right
after the answer is sent while the worker is otherwise idle, and every few seconds from the
scheduler); one that fails is marked ``failed`` with its error and the others go on.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from realty_crm.database import begin_write
from realty_crm.errors import ServiceError, ValidationFailed
from realty_crm.extensions import db
from realty_crm.models import Agency, utcnow
from realty_crm.policy import Action, require
from realty_crm.schemas.common import validate
from realty_crm.schemas.prospect import ProspectCreate
from realty_crm.services import prospects
from realty_crm.services.transaction import commit, savepoint
from sqlalchemy import func, select, update

from .fields import CATALOGUE, CONTACT_FIELDS, FIXED, field_of, prospect_input
from .models import EnquiryForm, FormSubmission, SubmissionStatus

logger = logging.getLogger(__name__)

# the hidden field robots fill in and people never see
HONEYPOT = "website"
TOKEN_FIELD = "form_token"
CONSENT_FIELD = "marketing_consent"
UTM_FIELDS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
# a page left open longer than this must be reloaded before it is sent
TOKEN_MAX_AGE = 2 * 24 * 3600
# submissions per transaction: on SQLite the batch holds the write lock that visitors'
# submissions wait for, so it stays short
BATCH = 10
MAX_PAUSE = 0.2  # seconds
FORM_ERROR = "__form__"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="marketing-forms.form-token")


def form_token(form: EnquiryForm) -> str:
    """The signed token a form page carries: which form, and when the page was served."""
    return _serializer().dumps(form.id)


def _check_token(form: EnquiryForm, token: str, min_fill_seconds: int) -> None:
    """Refuse a token of another form, an old page, or a page sent faster than a person types."""
    try:
        form_id, signed_at = _serializer().loads(token, max_age=TOKEN_MAX_AGE, return_timestamp=True)
    except SignatureExpired:
        raise _form_error(_("This page was open too long. Check your answers and send them again.")) from None
    except BadSignature:
        raise _form_error(_("This form could not be read. Check your answers and send them again.")) from None
    if form_id != form.id:
        raise _form_error(_("This form could not be read. Check your answers and send them again."))
    if (utcnow() - signed_at).total_seconds() < min_fill_seconds:
        raise _form_error(
            _("That was quicker than a person can type. Check your answers and send them again.")
        )


def _form_error(message: str) -> ValidationFailed:
    return ValidationFailed(message, {FORM_ERROR: message})


def answers_of(form: EnquiryForm, raw: Mapping[str, str]) -> dict[str, str]:
    """The form's own fields from the posted data, trimmed (anything else is ignored)."""
    return {name: (raw.get(name) or "").strip() for name in asked(form)}


def asked(form: EnquiryForm) -> list[str]:
    """The names of the fields the form asks, in order (the first name always first)."""
    return [FIXED, *(f["name"] for f in form.fields if f["name"] != FIXED)]


def required(form: EnquiryForm) -> set[str]:
    """The fields a visitor must fill in."""
    return {FIXED, *(f["name"] for f in form.fields if f.get("required"))}


def _check_answers(form: EnquiryForm, answers: dict[str, str], consent: bool) -> dict[str, Any]:
    """The prospect input of the answers; every problem at once, keyed by form field."""
    errors: dict[str, str] = {}
    for name, value in answers.items():
        kind = CATALOGUE[name]
        if not value and name in required(form):
            errors[name] = _("This field is required.")
        elif len(value) > kind.max_length:
            errors[name] = _("At most %(n)d characters.", n=kind.max_length)
        elif value and kind.choices and value not in kind.choices:
            errors[name] = _("Choose one of the options.")
    contacts = [name for name in CONTACT_FIELDS if name in answers]
    if contacts and not any(answers[name] for name in contacts) and not errors.keys() & set(contacts):
        errors[contacts[0]] = (
            _("Leave an e-mail or a phone number so that we can answer you.") if len(contacts) > 1
            else _("This field is required.")
        )
    data = prospect_input(answers, form.name, consent)
    try:
        validate(ProspectCreate, data, phone_region=prospects.agency_phone_region(_agency(form)))
    except ValidationFailed as exc:
        for key, message in exc.details.items():
            errors.setdefault(field_of(key), str(message))
    if errors:
        raise ValidationFailed(_("Some answers need a second look."), errors)
    return data


def _agency(form: EnquiryForm) -> Agency:
    return db.session.get(Agency, form.agency_id)


def receive(form: EnquiryForm, raw: Mapping[str, str], min_fill_seconds: int) -> int | None:
    """Check and keep one enquiry sent through ``form``; committed when this returns, with
    the submission's id.

    Returns None for a robot caught by the honeypot (counted on the form, nothing kept).
    Bad answers, an old or foreign page, a page sent too fast: ``ValidationFailed`` with a
    message per field (``__form__`` for the form as a whole), nothing kept.
    """
    if raw.get(HONEYPOT):
        form_id = form.id
        begin_write()
        db.session.execute(
            update(EnquiryForm)
            .where(EnquiryForm.id == form_id)
            .values(spam_blocked=EnquiryForm.spam_blocked + 1)
        )
        commit()
        return None
    _check_token(form, raw.get(TOKEN_FIELD, ""), min_fill_seconds)
    answers = answers_of(form, raw)
    consent = bool(form.consent_text) and raw.get(CONSENT_FIELD) in ("on", "yes", "true", "1")
    data = _check_answers(form, answers, consent)
    agency_id, form_id = form.agency_id, form.id
    # the pages read before belong to an older snapshot: SQLite would refuse to turn that
    # read into a write while a worker is processing, so the write starts afresh (and the
    # records read so far are expired: nothing below reads them)
    begin_write()
    # one plain INSERT: the busiest write of a burst skips the unit of work
    table = FormSubmission.__table__
    submission_id = db.session.execute(
        table.insert()
        .values(
            agency_id=agency_id,
            form_id=form_id,
            prospect_data=data,
            message=answers.get("message", ""),
            property_reference=answers.get("property_reference", ""),
            **{name: (raw.get(name) or "").strip()[:200] for name in UTM_FIELDS},
        )
        .returning(table.c.id)
    ).scalar_one()
    commit()
    return int(submission_id)


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
        agency, submission.prospect_data, summary=_enquiry_summary(submission), details=details
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


def _enquiry_summary(submission: FormSubmission) -> str:
    parts = [_("Enquiry through the form “%(form)s”.", form=submission.form.name)]
    if submission.utm_campaign:
        parts.append(_("Campaign: %(campaign)s.", campaign=submission.utm_campaign))
    if submission.property_reference:
        parts.append(_("About property %(reference)s.", reference=submission.property_reference))
    if submission.message:
        parts.append(submission.message)
    return " ".join(parts)


def retry(actor: Any, submission: FormSubmission) -> None:
    """Process a failed submission again, now."""
    require(actor, Action.MANAGE_MARKETING)
    if submission.status != SubmissionStatus.FAILED:
        message = _("Only a submission that failed can be processed again.")
        raise ValidationFailed(message, {"status": message})
    submission_id, agency = submission.id, _agency(submission.form)
    submission.status = SubmissionStatus.PENDING
    commit()
    process_pending(agency, only=submission_id)


def process_pending_job(agency: Agency) -> int:
    """The scheduler's share: what the web workers left pending (a burst, or a worker that
    stopped between the answer and the processing)."""
    return process_pending(agency)
