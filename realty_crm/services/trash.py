"""Soft delete and restore, the same for prospects and properties: a manager can undo it."""

from __future__ import annotations

from collections.abc import Callable

from ..models import ActivityKind, Property, Prospect, User, utcnow
from ..policy import Action, require
from . import activity
from .transaction import commit


def _subject(record: Prospect | Property) -> dict[str, Prospect | Property]:
    return {"prospect": record} if isinstance(record, Prospect) else {"property": record}


def move_to_trash(actor: User, record: Prospect | Property, then: Callable[[], None] | None = None) -> None:
    """Hide the record from lists until a manager restores it; ``then`` runs in the same
    transaction (what the record's kind keeps in step with its state)."""
    require(actor, Action.DELETE)
    record.deleted_at = utcnow()
    record.deleted_by_id = actor.id
    activity.record(ActivityKind.DELETED, actor, **_subject(record))
    if then is not None:
        then()
    commit()


def restore(actor: User, record: Prospect | Property, then: Callable[[], None] | None = None) -> None:
    """Undo a soft delete (a record that is not deleted is left as it is); ``then`` as above."""
    require(actor, Action.RESTORE)
    if record.deleted_at is None:
        return
    record.deleted_at = None
    record.deleted_by_id = None
    activity.record(ActivityKind.RESTORED, actor, **_subject(record))
    if then is not None:
        then()
    commit()
