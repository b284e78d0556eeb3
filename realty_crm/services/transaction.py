"""Committing a unit of work, and turning constraint violations into clear refusals."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, SessionTransaction

from .. import plugin_host
from ..errors import Conflict, ValidationFailed
from ..extensions import db
from ..models import Agency

logger = logging.getLogger(__name__)

# constraint name -> (field, message)
CONSTRAINT_MESSAGES: dict[str, tuple[str, Any]] = {
    "uq_prospects_agency_email": ("email", _l("Another prospect already has this e-mail.")),
    "uq_prospects_agency_phone": ("phone", _l("Another prospect already has this phone.")),
    "uq_properties_agency_reference": ("reference", _l("Another property already has this reference.")),
    "uq_agencies_slug": ("slug", _l("Another agency already has this slug.")),
    # e-mails are unique across agencies: the answer must not say that another agency has it
    "uq_users_email": ("email", _l("This e-mail cannot be used; choose another.")),
    "ex_visits_agent_overlap": ("starts_at", _l("The agent already has a visit at this time.")),
    "ex_visits_property_overlap": ("starts_at", _l("The property already has a visit at this time.")),
}


PENDING_EVENTS = "realty_crm_pending_events"


def announce(hook: str, agency: Agency, **kwargs: Any) -> None:
    """Queue a plugin event hook, sent by ``commit()`` once the change is committed.

    A rollback forgets it, so plugins never hear of a change that did not happen."""
    db.session.info.setdefault(PENDING_EVENTS, []).append((hook, agency, kwargs))


def commit() -> None:
    """Commit the session, then send the queued plugin events.

    A unique-constraint clash becomes ``Conflict``; nothing is kept and nothing is sent."""
    try:
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise _translate(exc) from None
    for hook, agency, kwargs in db.session.info.pop(PENDING_EVENTS, []):
        plugin_host.fire(hook, agency, **kwargs)


@event.listens_for(Session, "after_soft_rollback")
def _forget_events(session: Session, previous_transaction: SessionTransaction) -> None:
    if previous_transaction.parent is None:  # a savepoint rolled back: ``savepoint()`` trims its events
        session.info.pop(PENDING_EVENTS, None)


@contextmanager
def savepoint() -> Iterator[None]:
    """Run a block in a savepoint: if it raises, its writes and the events it announced are
    undone, and the rest of the transaction goes on (one item of a batch failing)."""
    events = db.session.info.setdefault(PENDING_EVENTS, [])
    queued = len(events)
    try:
        with db.session.begin_nested():
            yield
    except Exception:
        del events[queued:]
        raise


def flush() -> None:
    """Flush pending changes (to get ids) with the same translation of constraint clashes."""
    try:
        db.session.flush()
    except IntegrityError as exc:
        db.session.rollback()
        raise _translate(exc) from None


def _translate(exc: IntegrityError) -> Conflict | ValidationFailed:
    text = str(exc.orig).lower()
    # the core's words win: a plugin cannot reword the core's constraints
    messages = {**plugin_host.get_host().constraint_messages, **CONSTRAINT_MESSAGES}
    for name, (field, message) in messages.items():
        if name in text or _sqlite_unique_columns_match(text, name):
            return Conflict(str(message), {field: str(message)})
    # a rule the services should have caught first: keep the database's words in the log only
    logger.warning("unexpected integrity error: %s", exc.orig)
    message = str(_l("The change breaks a data rule."))
    return ValidationFailed(message, {"__root__": message})


def _sqlite_unique_columns_match(text: str, name: str) -> bool:
    # SQLite names the columns, not the index:
    # "unique constraint failed: prospects.agency_id, prospects.email" for "uq_prospects_agency_email"
    tables = [table for table in db.metadata.tables if name.startswith(f"uq_{table}_")]
    if not tables:
        return False
    table = max(tables, key=len)  # "marketing_forms", not a table "marketing" if there were one
    last = name.rsplit("_", 1)[-1]
    return "unique constraint failed" in text and f"{table}.{last}" in text
