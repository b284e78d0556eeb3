"""A prospect's timeline as its readers see it, on the prospect's page and in the API.

The stored entries (``Activity`` rows) and the items the plugins enabled in the prospect's
agency add (``crm_timeline_items``, not stored) merged newest first, each worded in the
reader's language and time zone (``realty_crm.timeline_text``). At the same instant a stored
entry comes before a plugin's item, and plugin items keep the order they were given in.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from .. import timeline_text
from ..extensions import db
from ..models import Activity, ActivityKind, Agency, Prospect, User
from ..plugin_host import TimelineItem, get_host
from ..policy import Action, require
from .search import Results

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TimelineEntry:
    """One entry of a timeline as a reader sees it: a stored ``Activity`` or a plugin's item
    (``id`` None), with ``text`` already worded for the reader."""

    occurred_at: datetime
    kind: str
    text: str
    source: str = "core"
    id: int | None = None
    actor: User | None = None
    actor_id: int | None = None
    prospect_id: int | None = None
    property_id: int | None = None
    subject_id: int | None = None
    data: Mapping[str, Any] = field(default_factory=dict)

    @property
    def summary(self) -> str:
        """The API's name for ``text``."""
        return self.text


def entry(activity: Activity) -> TimelineEntry:
    """A stored entry, worded for the reader."""
    return TimelineEntry(
        occurred_at=activity.occurred_at,
        kind=str(activity.kind),
        text=timeline_text.summary(activity),
        source=activity.source,
        id=activity.id,
        actor=activity.actor,
        actor_id=activity.actor_id,
        prospect_id=activity.prospect_id,
        property_id=activity.property_id,
        subject_id=activity.subject_id,
        data=activity.data or {},
    )


def entries(activities: Iterable[Activity]) -> list[TimelineEntry]:
    """Stored entries (a property's timeline, a visit's history), worded for the reader."""
    return [entry(activity) for activity in activities]


def prospect_timeline(
    actor: User, prospect: Prospect, *, page: int = 1, per_page: int = 50, kind: ActivityKind | None = None
) -> Results[TimelineEntry]:
    """One page of ``prospect``'s timeline as ``actor`` reads it, newest first.

    ``kind`` keeps only the stored entries of that kind (no plugin item). The page and the
    total count the plugins' items as well as the stored entries; a plugin that raises or
    returns something else than ``TimelineItem`` adds nothing.
    """
    require(actor, Action.VIEW, prospect)
    extra = [] if kind is not None else _plugin_items(prospect)
    stored = select(Activity).where(Activity.prospect_id == prospect.id)
    if kind is not None:
        stored = stored.where(Activity.kind == kind)
    stored_total = db.session.scalar(select(func.count()).select_from(stored.subquery())) or 0
    start = (page - 1) * per_page
    total = stored_total + len(extra)
    if start >= total:
        return Results([], page, per_page, total)
    window = _window(stored, extra, start, per_page)
    return Results([_worded(record, prospect) for record in window], page, per_page, total)


def _window(stored: Any, extra: list[TimelineItem], start: int, size: int) -> list[Activity | TimelineItem]:
    """Entries ``start`` to ``start + size`` of the stored entries and ``extra`` (newest first)
    merged, reading only the stored rows that can fall in that window.

    A stored row's place in the merged list is its own place plus the plugin items before
    it, at most ``len(extra)``: the window's stored rows begin at ``start - len(extra)``.
    """
    newest_first = stored.options(selectinload(Activity.actor)).order_by(
        Activity.occurred_at.desc(), Activity.id.desc()
    )
    first = max(0, start - len(extra))
    wanted = start + size - first
    rows = list(db.session.scalars(newest_first.offset(first).limit(wanted)))
    if not extra:
        return rows
    ranked = [(_rank_stored(row), row) for row in rows]
    items = [(_rank_item(item, place), item) for place, item in enumerate(extra)]
    before = 0
    if first > 0:  # the items newer than the first row read come before the window
        before = sum(1 for rank, _ in items if rank > ranked[0][0])
        items = [(rank, item) for rank, item in items if rank <= ranked[0][0]]
    if len(rows) == wanted:  # items older than the last row read may follow unread rows
        items = [(rank, item) for rank, item in items if rank >= ranked[-1][0]]
    merged = sorted([*ranked, *items], key=lambda pair: pair[0], reverse=True)
    offset = start - (first + before)
    return [record for _, record in merged[offset : offset + size]]


def _rank_stored(row: Activity) -> tuple[datetime, int, int]:
    return (row.occurred_at, 1, row.id)


def _rank_item(item: TimelineItem, place: int) -> tuple[datetime, int, int]:
    return (item.occurred_at, 0, -place)


def _plugin_items(prospect: Prospect) -> list[TimelineItem]:
    """The well-formed items of the plugins enabled in the prospect's agency, newest first,
    their times aware UTC (a naive time is taken as UTC, as the hook asks)."""
    host = get_host()
    agency = db.session.get(Agency, prospect.agency_id)
    if agency is None or not host.enabled(agency):
        return []  # the common case costs no hook call at all
    items = []
    for item in host.call(agency, "crm_timeline_items", prospect=prospect):
        if isinstance(item, TimelineItem) and isinstance(item.occurred_at, datetime):
            when = item.occurred_at
            if when.tzinfo is None:
                when = when.replace(tzinfo=UTC)
            items.append(TimelineItem(when.astimezone(UTC), str(item.kind or "plugin"),
                                      str(item.summary), str(item.source or timeline_text.UNNAMED_SOURCE)))
        else:
            logger.warning("ignored a timeline item of a plugin: %r", item)
    return sorted(items, key=lambda item: item.occurred_at, reverse=True)


def _worded(record: Activity | TimelineItem, prospect: Prospect) -> TimelineEntry:
    if isinstance(record, Activity):
        return entry(record)
    return TimelineEntry(
        occurred_at=record.occurred_at, kind=record.kind, text=record.summary, source=record.source,
        prospect_id=prospect.id,
    )


def newest(actor: User, prospect: Prospect, limit: int) -> Sequence[TimelineEntry]:
    """The ``limit`` newest entries of ``prospect``'s timeline (its page)."""
    return prospect_timeline(actor, prospect, per_page=limit).items
