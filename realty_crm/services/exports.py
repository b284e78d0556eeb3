"""Exports of prospects, properties, visits and calls as tables (SPEC §4, §6).

An export is the list a user sees, whole: the role's visibility and the list's own filters
(``services.search``) apply, deleted prospects and properties stay out, and the names a
reader needs (agent, property, prospect) come from joins in the same query. Rows are read
in batches of ``BATCH_ROWS`` while the file is written (``yield_per``: a server-side cursor
on PostgreSQL), so 200,000 rows never sit in memory at once.

Headers and choices (status, source, operation, type, direction, outcome, yes/no) are in the
reader's language, worked out once when the export is made; times are in the agency's zone.
``services.tabular`` writes the file: dates as dates, numbers as numbers, text as text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo
from enum import Enum
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, func

from .. import tenancy
from ..dates import to_zone
from ..extensions import db
from ..labels import label
from ..models import (
    Call,
    CallDirection,
    CallOutcome,
    ListingOperation,
    Operation,
    Property,
    PropertyStatus,
    PropertyType,
    Prospect,
    ProspectSource,
    ProspectStatus,
    User,
    Visit,
    VisitStatus,
)
from . import search

BATCH_ROWS = 1000
KINDS = ("prospects", "properties", "visits", "calls")

# how a stored value is shown to the reader; built once per export, in the reader's language
Shown = Callable[[Any], Any]
# what a column shows, given the export's time zone
Presenter = Callable[[tzinfo], Shown]


@dataclass(frozen=True)
class Column:
    """One column of an export: its header (translated when the export is made), the SQL
    expression it reads and, for values a reader needs turned into words or local time, how."""

    header: Any
    expression: ColumnElement[Any]
    present: Presenter | None = None


def choice(kind: type[Enum]) -> Presenter:
    """A choice shown as its word in the reader's language."""

    def present(_zone: tzinfo) -> Shown:
        words = {member: label(member) for member in kind}
        return lambda value: None if value is None else words.get(value, value)

    return present


def choices(kind: type[Enum]) -> Presenter:
    """A list of choices (stored as their codes) shown as words, joined by commas."""

    def present(_zone: tzinfo) -> Shown:
        words = {member: label(member) for member in kind}
        return lambda value: ", ".join(words.get(item, item) for item in value or ())

    return present


def yes_no(_zone: tzinfo) -> Shown:
    """A yes/no field as the reader's word for it."""
    words = {True: _("Yes"), False: _("No")}
    return lambda value: None if value is None else words[bool(value)]


def local_time(zone: tzinfo) -> Shown:
    """A stored (UTC) time as the agency's wall clock, still aware (as UTC when it cannot be)."""
    return lambda value: None if value is None else (to_zone(value, zone) or value)


@dataclass(frozen=True)
class Export:
    """One export ready to be written: file name stem, header row and the query of its rows."""

    stem: str
    headers: tuple[str, ...]
    statement: Select
    agency_id: int
    shown: tuple[Shown | None, ...]

    def rows(self) -> Iterator[list[Any]]:
        """Every row, read in batches as the caller consumes them.

        The agency scope is set again here: a streamed response reads the rows after the
        view has returned, when the request's context is pushed anew.
        """
        shown = self.shown
        with tenancy.scope(self.agency_id):
            result = db.session.execute(self.statement.execution_options(yield_per=BATCH_ROWS))
            try:
                for record in result:
                    cells = zip(shown, record, strict=True)
                    yield [value if show is None else show(value) for show, value in cells]
            finally:
                result.close()


def _full_name() -> ColumnElement[str]:
    """A prospect's name as the app shows it: first and last name."""
    return func.trim(Prospect.first_name + " " + Prospect.last_name)


def _export(kind: str, actor: User, columns: list[Column], stmt: Select) -> Export:
    """The export of ``stmt`` (a list's query: filters, visibility, order) reading ``columns``."""
    zone = ZoneInfo(actor.agency.timezone)
    return Export(
        stem=f"{kind}-{datetime.now(zone).date().isoformat()}",
        headers=tuple(str(column.header) for column in columns),
        statement=stmt.with_only_columns(*(column.expression for column in columns)),
        agency_id=actor.agency_id,
        shown=tuple(None if column.present is None else column.present(zone) for column in columns),
    )


def _stamps(model: Any) -> list[Column]:
    """When the record was created and last changed."""
    return [
        Column(_l("Created"), model.created_at, local_time),
        Column(_l("Updated"), model.updated_at, local_time),
    ]


def prospects(actor: User, filters: search.ProspectFilters) -> Export:
    """The prospects ``actor`` may see, filtered and sorted as the list does (never the deleted ones)."""
    columns = [
        Column(_l("Number"), Prospect.id),
        Column(_l("First name"), Prospect.first_name),
        Column(_l("Last name"), Prospect.last_name),
        Column(_l("E-mail"), Prospect.email),
        Column(_l("Phone"), Prospect.phone),
        Column(_l("Source"), Prospect.source, choice(ProspectSource)),
        Column(_l("Source detail"), Prospect.source_detail),
        Column(_l("Status"), Prospect.status, choice(ProspectStatus)),
        Column(_l("Reason lost"), Prospect.lost_reason),
        Column(_l("Agent number"), Prospect.assigned_agent_id),
        Column(_l("Agent"), User.name),
        # the requirements, one column each
        Column(_l("Operation"), Prospect.operation, choice(Operation)),
        Column(_l("Property types"), Prospect.property_types, choices(PropertyType)),
        Column(_l("Minimum price"), Prospect.min_price),
        Column(_l("Maximum price"), Prospect.max_price),
        Column(_l("Minimum bedrooms"), Prospect.min_bedrooms),
        Column(_l("Minimum area (m²)"), Prospect.min_area_m2),
        Column(_l("Areas"), Prospect.areas),
        Column(_l("Marketing consent"), Prospect.marketing_consent, yes_no),
        Column(_l("Tags"), Prospect.tags),
        *_stamps(Prospect),
        Column(_l("Last contacted"), Prospect.last_contacted_at, local_time),
        Column(_l("Next follow-up"), Prospect.next_follow_up_at, local_time),
    ]
    stmt = search.prospect_query(actor, replace(filters, deleted=False))
    stmt = stmt.outerjoin_from(Prospect, User, Prospect.assigned_agent_id == User.id)
    return _export("prospects", actor, columns, stmt)


def properties(actor: User, filters: search.PropertyFilters) -> Export:
    """Every property of the agency the search keeps, sorted as the search does (no deleted ones)."""
    columns = [
        Column(_l("Number"), Property.id),
        Column(_l("Reference"), Property.reference),
        Column(_l("Title"), Property.title),
        Column(_l("Description"), Property.description),
        Column(_l("Operation"), Property.operation, choice(ListingOperation)),
        Column(_l("Property type"), Property.property_type, choice(PropertyType)),
        Column(_l("Status"), Property.status, choice(PropertyStatus)),
        Column(_l("Price"), Property.price),
        Column(_l("Address"), Property.address),
        Column(_l("City"), Property.city),
        Column(_l("Area"), Property.area),
        Column(_l("Postcode"), Property.postcode),
        Column(_l("Bedrooms"), Property.bedrooms),
        Column(_l("Bathrooms"), Property.bathrooms),
        Column(_l("Floor area (m²)"), Property.area_m2),
        Column(_l("Features"), Property.features),
        Column(_l("Owner number"), Property.owner_id),
        Column(_l("Listing agent number"), Property.listing_agent_id),
        Column(_l("Listing agent"), User.name),
        *_stamps(Property),
        Column(_l("Published"), Property.published_at, local_time),
    ]
    stmt = search.property_query(replace(filters, deleted=False))
    stmt = stmt.outerjoin_from(Property, User, Property.listing_agent_id == User.id)
    return _export("properties", actor, columns, stmt)


def visits(actor: User, filters: search.VisitFilters) -> Export:
    """The visits ``actor`` may see (an agent: their own), filtered and sorted as the list does."""
    columns = [
        Column(_l("Number"), Visit.id),
        Column(_l("Property number"), Visit.property_id),
        Column(_l("Reference"), Property.reference),
        Column(_l("Property"), Property.title),
        Column(_l("Prospect number"), Visit.prospect_id),
        Column(_l("Prospect"), _full_name()),
        Column(_l("Agent number"), Visit.agent_id),
        Column(_l("Agent"), User.name),
        Column(_l("Starts"), Visit.starts_at, local_time),
        Column(_l("Ends"), Visit.ends_at, local_time),
        Column(_l("Status"), Visit.status, choice(VisitStatus)),
        Column(_l("Reason cancelled"), Visit.cancel_reason),
        Column(_l("Feedback"), Visit.feedback),
        Column(_l("Rating (1–5)"), Visit.rating),
        *_stamps(Visit),
    ]
    # a visit's prospect or property may be in the trash: visit_query lets the joins find it
    stmt = (
        search.visit_query(actor, filters)
        .join_from(Visit, Property, Visit.property_id == Property.id)
        .join_from(Visit, Prospect, Visit.prospect_id == Prospect.id)
        .join_from(Visit, User, Visit.agent_id == User.id)
    )
    return _export("visits", actor, columns, stmt)


def calls(actor: User, filters: search.CallFilters) -> Export:
    """The calls ``actor`` may see (an agent: their own), filtered as the call log is, newest first."""
    columns = [
        Column(_l("Number"), Call.id),
        Column(_l("Prospect number"), Call.prospect_id),
        Column(_l("Prospect"), _full_name()),
        Column(_l("Agent number"), Call.agent_id),
        Column(_l("Agent"), User.name),
        Column(_l("Direction"), Call.direction, choice(CallDirection)),
        Column(_l("When"), Call.occurred_at, local_time),
        Column(_l("Duration (seconds)"), Call.duration_seconds),
        Column(_l("Outcome"), Call.outcome, choice(CallOutcome)),
        Column(_l("Summary"), Call.summary),
    ]
    stmt = (
        search.call_query(actor, filters)
        .join_from(Call, Prospect, Call.prospect_id == Prospect.id)
        .join_from(Call, User, Call.agent_id == User.id)
    )
    return _export("calls", actor, columns, stmt)
