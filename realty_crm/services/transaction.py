"""Committing a unit of work, and turning constraint violations into clear refusals."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.exc import IntegrityError

from ..errors import Conflict, ValidationFailed
from ..extensions import db

# constraint name fragment -> (field, message)
CONSTRAINT_MESSAGES: dict[str, tuple[str, str]] = {
    "uq_prospects_agency_email": ("email", "another prospect already has this e-mail"),
    "uq_prospects_agency_phone": ("phone", "another prospect already has this phone"),
    "uq_properties_agency_reference": ("reference", "another property already has this reference"),
    "uq_agencies_slug": ("slug", "another agency already has this slug"),
    "uq_users_email": ("email", "another user already has this e-mail"),
    "ex_visits_agent_overlap": ("starts_at", "the agent already has a visit at this time"),
    "ex_visits_property_overlap": ("starts_at", "the property already has a visit at this time"),
}


def commit(after: list[Callable[[], None]] | None = None) -> None:
    """Commit the session; a unique-constraint clash becomes ``Conflict``, nothing is kept.

    ``after`` callbacks (plugin hooks) run once the data is committed.
    """
    try:
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise _translate(exc) from None
    for callback in after or ():
        callback()


def flush() -> None:
    """Flush pending changes (to get ids) with the same translation of constraint clashes."""
    try:
        db.session.flush()
    except IntegrityError as exc:
        db.session.rollback()
        raise _translate(exc) from None


def _translate(exc: IntegrityError) -> Conflict | ValidationFailed:
    text = str(exc.orig).lower()
    for name, (field, message) in CONSTRAINT_MESSAGES.items():
        columns = name.split("_", 2)[-1]  # e.g. "agency_email"
        if name in text or _sqlite_unique_columns_match(text, name, columns):
            return Conflict(message, {field: message})
    return ValidationFailed("The change breaks a data rule.", {"__root__": str(exc.orig)[:200]})


def _sqlite_unique_columns_match(text: str, name: str, columns: str) -> bool:
    # SQLite names the columns, not the index:
    # "unique constraint failed: prospects.agency_id, prospects.email"
    table = name.split("_")[1]
    last = columns.split("_")[-1]
    return "unique constraint failed" in text and f"{table}.{last}" in text
