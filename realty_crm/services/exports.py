"""Exports of prospects, properties, visits and calls as tables (SPEC §4, §6).

An export is the list a user sees, whole: the role's visibility and the list's own filters
(``services.search``) apply, deleted prospects and properties stay out, and the names a
reader needs (agent, property, prospect) come from joins in the same query. Rows are read
in batches of ``BATCH_ROWS`` while the file is written (``yield_per``: a server-side cursor
on PostgreSQL), so 200,000 rows never sit in memory at once. Times are shown in the
agency's zone, ISO 8601 with the offset; ``services.tabular`` writes the file and guards
every text cell against formula injection.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, func

from .. import tenancy
from ..extensions import db
from ..models import Call, Property, Prospect, User, Visit
from . import search

BATCH_ROWS = 1000
KINDS = ("prospects", "properties", "visits", "calls")


@dataclass(frozen=True)
class Export:
    """One export ready to be written: file name stem, header row and the query of its rows."""

    stem: str
    headers: tuple[str, ...]
    statement: Select
    agency_id: int
    zone: tzinfo

    def rows(self) -> Iterator[list[Any]]:
        """Every row, read in batches as the caller consumes them.

        The agency scope is set again here: a streamed response reads the rows after the
        view has returned, when the request's context is pushed anew.
        """
        with tenancy.scope(self.agency_id):
            result = db.session.execute(self.statement.execution_options(yield_per=BATCH_ROWS))
            try:
                for record in result:
                    yield [self._cell(value) for value in record]
            finally:
                result.close()

    def _cell(self, value: Any) -> Any:
        if isinstance(value, datetime):
            return value.astimezone(self.zone).isoformat(timespec="seconds")
        return value


def _fields(model: Any, *names: str) -> list[tuple[str, ColumnElement[Any]]]:
    """Columns of ``model`` exported under their own (JSON) names."""
    return [(name, getattr(model, name)) for name in names]


def _full_name() -> ColumnElement[str]:
    """A prospect's name as the app shows it: first and last name."""
    return func.trim(Prospect.first_name + " " + Prospect.last_name)


def _columns(stmt: Select, columns: list[tuple[str, ColumnElement[Any]]]) -> Select:
    """A list's query (filters, visibility, order) selecting the export's columns instead."""
    return stmt.with_only_columns(*(column for _name, column in columns))


def _export(kind: str, actor: User, columns: list[tuple[str, ColumnElement[Any]]], stmt: Select) -> Export:
    zone = ZoneInfo(actor.agency.timezone)
    return Export(
        stem=f"{kind}-{datetime.now(zone).date().isoformat()}",
        headers=tuple(name for name, _column in columns),
        statement=stmt,
        agency_id=actor.agency_id,
        zone=zone,
    )


PROSPECT_FIELDS = (
    "id", "first_name", "last_name", "email", "phone", "source", "source_detail", "status",
    "lost_reason", "assigned_agent_id",
)
# the requirements object, one column per field
REQUIREMENT_FIELDS = (
    "operation", "property_types", "min_price", "max_price", "min_bedrooms", "min_area_m2", "areas",
)
PROSPECT_TAIL = (
    "marketing_consent", "tags", "created_at", "updated_at", "last_contacted_at", "next_follow_up_at",
)


def prospects(actor: User, filters: search.ProspectFilters) -> Export:
    """The prospects ``actor`` may see, filtered and sorted as the list does (never the deleted ones)."""
    columns = [
        *_fields(Prospect, *PROSPECT_FIELDS),
        ("assigned_agent_name", User.name),
        *_fields(Prospect, *REQUIREMENT_FIELDS, *PROSPECT_TAIL),
    ]
    stmt = _columns(search.prospect_query(actor, replace(filters, deleted=False)), columns)
    stmt = stmt.outerjoin_from(Prospect, User, Prospect.assigned_agent_id == User.id)
    return _export("prospects", actor, columns, stmt)


PROPERTY_FIELDS = (
    "id", "reference", "title", "description", "operation", "property_type", "status", "price",
    "address", "city", "area", "postcode", "bedrooms", "bathrooms", "area_m2", "features", "owner_id",
    "listing_agent_id",
)


def properties(actor: User, filters: search.PropertyFilters) -> Export:
    """Every property of the agency the search keeps, sorted as the search does (no deleted ones)."""
    columns = [
        *_fields(Property, *PROPERTY_FIELDS),
        ("listing_agent_name", User.name),
        *_fields(Property, "created_at", "updated_at", "published_at"),
    ]
    stmt = _columns(search.property_query(replace(filters, deleted=False)), columns)
    stmt = stmt.outerjoin_from(Property, User, Property.listing_agent_id == User.id)
    return _export("properties", actor, columns, stmt)


def visits(actor: User, filters: search.VisitFilters) -> Export:
    """The visits ``actor`` may see (an agent: their own), filtered and sorted as the list does."""
    columns = [
        *_fields(Visit, "id", "property_id"),
        ("property_reference", Property.reference),
        ("property_title", Property.title),
        ("prospect_id", Visit.prospect_id),
        ("prospect_name", _full_name()),
        ("agent_id", Visit.agent_id),
        ("agent_name", User.name),
        *_fields(
            Visit, "starts_at", "ends_at", "status", "cancel_reason", "feedback", "rating",
            "created_at", "updated_at",
        ),
    ]
    # a visit's prospect or property may be in the trash: visit_query lets the joins find it
    stmt = (
        _columns(search.visit_query(actor, filters), columns)
        .join_from(Visit, Property, Visit.property_id == Property.id)
        .join_from(Visit, Prospect, Visit.prospect_id == Prospect.id)
        .join_from(Visit, User, Visit.agent_id == User.id)
    )
    return _export("visits", actor, columns, stmt)


def calls(actor: User, filters: search.CallFilters) -> Export:
    """The calls ``actor`` may see (an agent: their own), filtered as the call log is, newest first."""
    columns = [
        ("id", Call.id),
        ("prospect_id", Call.prospect_id),
        ("prospect_name", _full_name()),
        ("agent_id", Call.agent_id),
        ("agent_name", User.name),
        *_fields(Call, "direction", "occurred_at", "duration_seconds", "outcome", "summary"),
    ]
    stmt = (
        _columns(search.call_query(actor, filters), columns)
        .join_from(Call, Prospect, Call.prospect_id == Prospect.id)
        .join_from(Call, User, Call.agent_id == User.id)
    )
    return _export("calls", actor, columns, stmt)
