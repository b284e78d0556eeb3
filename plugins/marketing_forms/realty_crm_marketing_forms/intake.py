"""Receiving an enquiry: the page's signed token, the answers checked field by field, and the
submission kept (committed) before the visitor is thanked. ``processing`` then turns it
into a prospect; the two steps are apart so that a burst of enquiries is answered at the
speed of one insert each, and nothing sent is lost if processing fails.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from realty_crm.plugin_api import (
    Agency,
    ProspectCreate,
    ValidationFailed,
    begin_write,
    commit,
    db,
    prospects,
    utcnow,
    validate,
)
from sqlalchemy import Table, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .fields import CATALOGUE, CONTACT_FIELDS, FIXED, field_of, prospect_input
from .models import EnquiryForm, FormSubmission

# the hidden field robots fill in and people never see
HONEYPOT = "website"
TOKEN_FIELD = "form_token"
CONSENT_FIELD = "marketing_consent"
UTM_FIELDS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
# a page left open longer than this must be reloaded before it is sent
TOKEN_MAX_AGE = 2 * 24 * 3600
# the random part of a token, which a submission keeps: one submission per token
NONCE_BYTES = 16
NONCE_CHARS = 32
FORM_ERROR = "__form__"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="marketing-forms.form-token")


def form_token(form: EnquiryForm) -> str:
    """The signed token a form page carries: which form, a random nonce that makes it good for
    one submission, and when the page was served."""
    return _serializer().dumps([form.id, secrets.token_urlsafe(NONCE_BYTES)])


def _check_token(form: EnquiryForm, token: str, min_fill_seconds: int) -> str:
    """The token's nonce; refuse a token of another form, an old page, or a page sent faster
    than a person types."""
    unreadable = _("This form could not be read. Check your answers and send them again.")
    try:
        payload, signed_at = _serializer().loads(token, max_age=TOKEN_MAX_AGE, return_timestamp=True)
    except SignatureExpired:
        raise _form_error(_("This page was open too long. Check your answers and send them again.")) from None
    except BadSignature:
        raise _form_error(unreadable) from None
    # a token of the format before nonces (a bare form id) is refused like a foreign one
    if not (isinstance(payload, list) and len(payload) == 2 and payload[0] == form.id
            and isinstance(payload[1], str) and 0 < len(payload[1]) <= NONCE_CHARS):
        raise _form_error(unreadable)
    if (utcnow() - signed_at).total_seconds() < min_fill_seconds:
        raise _form_error(
            _("That was quicker than a person can type. Check your answers and send them again.")
        )
    return payload[1]


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
    must = required(form)
    for name, value in answers.items():
        kind = CATALOGUE[name]
        if not value and name in must:
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
    Bad answers, an old or foreign page, a page sent too fast, a page already sent (its token
    used): ``ValidationFailed`` with a message per field (``__form__`` for the form as a
    whole), nothing kept.
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
    nonce = _check_token(form, raw.get(TOKEN_FIELD, ""), min_fill_seconds)
    answers = answers_of(form, raw)
    consent = bool(form.consent_text) and raw.get(CONSENT_FIELD) in ("on", "yes", "true", "1")
    data = _check_answers(form, answers, consent)
    agency_id, form_id = form.agency_id, form.id
    # the pages read before belong to an older snapshot: SQLite would refuse to turn that
    # read into a write while a worker is processing, so the write starts afresh (and the
    # records read so far are expired: nothing below reads them)
    begin_write()
    # one plain INSERT: the busiest write of a burst skips the unit of work; a token already
    # used (even by a post racing this one) inserts nothing, the unique index decides
    table = FormSubmission.__table__
    submission_id = db.session.execute(
        _insert_once(table)
        .values(
            agency_id=agency_id,
            form_id=form_id,
            token_nonce=nonce,
            prospect_data=data,
            message=answers.get("message", ""),
            property_reference=answers.get("property_reference", ""),
            **{name: (raw.get(name) or "").strip()[:200] for name in UTM_FIELDS},
        )
        .on_conflict_do_nothing(index_elements=[table.c.form_id, table.c.token_nonce])
        .returning(table.c.id)
    ).scalar_one_or_none()
    if submission_id is None:
        db.session.rollback()
        raise _form_error(_(
            "We already have this enquiry, thank you. To send another one, send the form again."
        ))
    commit()
    return int(submission_id)


def _insert_once(table: Table) -> Any:
    """An INSERT of the database's dialect, which can skip a row that breaks a unique index."""
    dialect = db.session.get_bind().dialect.name
    return (postgresql_insert if dialect == "postgresql" else sqlite_insert)(table)
