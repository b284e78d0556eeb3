"""The timeline: recording what happened to a prospect or property, and reading it back."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import Activity, ActivityKind, Property, Prospect, User, utcnow


def record(
    kind: ActivityKind,
    actor: User | None,
    *,
    prospect: Prospect | None = None,
    property: Property | None = None,
    subject_id: int | None = None,
    summary: str = "",
    data: dict[str, Any] | None = None,
    source: str = "core",
) -> Activity:
    """Add a timeline entry to the current transaction (the caller commits).

    The entry is its ``kind`` and parameters (``data``: ids, names, references, aware UTC
    times as ISO strings, status values); its text is written when it is read, in the
    reader's language and time zone (``realty_crm.timeline_text``). ``summary`` is only
    for what a person wrote (a note, a call's summary, a follow-up's title, feedback).
    """
    agency_id = (prospect or property).agency_id  # type: ignore[union-attr]
    entry = Activity(
        agency_id=agency_id,
        kind=kind,
        actor_id=actor.id if actor else None,
        prospect=prospect,
        property=property,
        subject_id=subject_id,
        summary=summary,
        data=data or {},
        source=source,
        occurred_at=utcnow(),
    )
    db.session.add(entry)
    return entry


def timeline(
    *, prospect: Prospect | None = None, property: Property | None = None, limit: int = 200
) -> list[Activity]:
    """The newest entries of a prospect's or property's timeline, with their actors."""
    conditions = []
    if prospect is not None:
        conditions.append(Activity.prospect_id == prospect.id)
    if property is not None:
        conditions.append(Activity.property_id == property.id)
    stmt = (
        select(Activity)
        .where(or_(*conditions))
        .options(selectinload(Activity.actor))
        .order_by(Activity.occurred_at.desc(), Activity.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt))
