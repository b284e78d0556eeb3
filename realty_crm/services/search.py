"""Read side: filtered, sorted, paginated lists of prospects and properties."""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar

from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from ..collation import collated
from ..errors import invalid
from ..extensions import db
from ..models import (
    Call,
    CallDirection,
    CallOutcome,
    ListingOperation,
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
from ..policy import visible_calls, visible_prospects, visible_visits
from ..tenancy import INCLUDE_DELETED

T = TypeVar("T")

MAX_PER_PAGE = 200
# deeper than any list goes; a larger page number would overflow the database's OFFSET
MAX_PAGE = 1_000_000
MAX_QUERY_TERMS = 6


@dataclass
class Results(Generic[T]):
    """One page of a list, with the total for the pager."""

    items: list[T]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def fold(text: str) -> str:
    """Text as search compares it: NFC (so "José" typed either way is one word), lower case."""
    return unicodedata.normalize("NFC", text).lower()


def _terms(q: str | None) -> list[str]:
    """Search terms: folded words; a phone-like term keeps only its digits."""
    terms = []
    for word in fold(q or "").split()[:MAX_QUERY_TERMS]:
        digits = re.sub(r"[\s().+-]", "", word)
        terms.append(digits if digits.isdigit() else word)
    # "600 111 222" typed with spaces is one phone number
    joined = "".join(terms)
    if len(terms) > 1 and joined.isdigit():
        terms = [joined]
    return [t for t in terms if t]


def like_pattern(term: str) -> str:
    """A LIKE pattern finding ``term`` anywhere (its wildcards escaped with a backslash)."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _choice(enum_cls: type[enum.StrEnum], value: str, field: str) -> enum.StrEnum:
    """``value`` as a member of ``enum_cls``, or ``ValidationFailed`` naming ``field``."""
    try:
        return enum_cls(value)
    except ValueError:
        raise invalid(field, _("Unknown value %(value)s.", value=value[:50])) from None


def text_filter(stmt: Select, column: Any, q: str | None) -> Select:
    """Keep rows whose ``column`` contains every term of ``q``."""
    for term in _terms(q):
        stmt = stmt.where(column.like(like_pattern(term), escape="\\"))
    return stmt


def paginate(stmt: Select, page: int, per_page: int, count_stmt: Select | None = None) -> Results:
    """Run ``stmt`` for one page and count the whole list once."""
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    page = max(1, min(page, MAX_PAGE))
    if count_stmt is None:
        count_stmt = select(func.count()).select_from(stmt.order_by(None).subquery())
    # the count must see what the list sees (e.g. include_deleted for the trash)
    total = db.session.scalar(count_stmt.execution_options(**stmt.get_execution_options()))
    items = list(db.session.scalars(_page(stmt, per_page, (page - 1) * per_page)))
    return Results(items, page, per_page, total or 0)


# from this offset on, a page finds its ids first (an index-only walk past the skipped rows)
# and then loads only its own rows ("deferred join"), instead of reading every skipped row
DEFERRED_JOIN_OFFSET = 500


def _page(stmt: Select, per_page: int, offset: int) -> Select:
    """``stmt`` limited to one page."""
    if offset < DEFERRED_JOIN_OFFSET:
        return stmt.limit(per_page).offset(offset)
    key = stmt.column_descriptions[0]["entity"].id
    ids = stmt.with_only_columns(key).limit(per_page).offset(offset)
    return stmt.where(key.in_(ids))


PROSPECT_SORTS: dict[str, Any] = {
    "newest": (Prospect.created_at.desc(), Prospect.id.desc()),
    "oldest": (Prospect.created_at.asc(), Prospect.id.asc()),
    # in the reader's collation ("Íñigo" beside "Ignacio"): a function, called per query
    "name": lambda: (collated(Prospect.last_name).asc(), collated(Prospect.first_name).asc(),
                     Prospect.id.asc()),
    # never contacted / nothing planned last, on SQLite and PostgreSQL alike
    "last_contacted": (Prospect.last_contacted_at.desc().nulls_last(), Prospect.id.desc()),
    "next_follow_up": (Prospect.next_follow_up_at.asc().nulls_last(), Prospect.id.asc()),
    "status": (Prospect.status.asc(), Prospect.created_at.desc(), Prospect.id.desc()),
}


@dataclass
class ProspectFilters:
    """What a prospect list can be narrowed by (SPEC §4)."""

    q: str | None = None
    status: str | None = None
    assigned_agent_id: int | None = None
    source: str | None = None
    unassigned: bool = False
    deleted: bool = False
    sort: str = "newest"


def prospect_query(actor: User, filters: ProspectFilters) -> Select:
    """The prospects ``actor`` may see, narrowed by ``filters`` and sorted."""
    stmt = visible_prospects(select(Prospect), actor)
    stmt = text_filter(stmt, Prospect.search_text, filters.q)
    if filters.status:
        stmt = stmt.where(Prospect.status == _choice(ProspectStatus, filters.status, "status"))
    if filters.source:
        stmt = stmt.where(Prospect.source == _choice(ProspectSource, filters.source, "source"))
    if filters.assigned_agent_id is not None:
        stmt = stmt.where(Prospect.assigned_agent_id == filters.assigned_agent_id)
    if filters.unassigned:
        stmt = stmt.where(Prospect.assigned_agent_id.is_(None))
    if filters.deleted:
        stmt = stmt.where(Prospect.deleted_at.is_not(None)).execution_options(include_deleted=True)
    order = PROSPECT_SORTS.get(filters.sort, PROSPECT_SORTS["newest"])
    return stmt.order_by(*(order() if callable(order) else order))


def list_prospects(
    actor: User, filters: ProspectFilters, page: int = 1, per_page: int = 50
) -> Results[Prospect]:
    """One page of prospects, with each one's agent loaded."""
    stmt = prospect_query(actor, filters).options(selectinload(Prospect.assigned_agent))
    return paginate(stmt, page, per_page)


PROPERTY_SORTS = {
    "newest": (Property.created_at.desc(), Property.id.desc()),
    "price_asc": (Property.price.asc(), Property.id.asc()),
    "price_desc": (Property.price.desc(), Property.id.desc()),
    "reference": (Property.reference.asc(),),
}


@dataclass
class PropertyFilters:
    """What a property search can be narrowed by (SPEC §4)."""

    q: str | None = None
    operation: str | None = None
    property_type: str | None = None
    status: str | None = None
    city: str | None = None
    area: str | None = None
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    min_bedrooms: int | None = None
    deleted: bool = False
    sort: str = "newest"


def property_query(filters: PropertyFilters) -> Select:
    """Properties of the agency narrowed by ``filters`` and sorted."""
    stmt = text_filter(select(Property), Property.search_text, filters.q)
    choices = {"operation": ListingOperation, "property_type": PropertyType, "status": PropertyStatus}
    for field in ("operation", "property_type", "status", "city", "area"):
        value = getattr(filters, field)
        if value:
            if field in choices:
                value = _choice(choices[field], value, field)
            stmt = stmt.where(getattr(Property, field) == value)
    if filters.min_price is not None:
        stmt = stmt.where(Property.price >= filters.min_price)
    if filters.max_price is not None:
        stmt = stmt.where(Property.price <= filters.max_price)
    if filters.min_bedrooms is not None:
        stmt = stmt.where(Property.bedrooms >= filters.min_bedrooms)
    if filters.deleted:
        stmt = stmt.where(Property.deleted_at.is_not(None)).execution_options(include_deleted=True)
    return stmt.order_by(*PROPERTY_SORTS.get(filters.sort, PROPERTY_SORTS["newest"]))


def list_properties(filters: PropertyFilters, page: int = 1, per_page: int = 50) -> Results[Property]:
    """One page of properties, with each one's listing agent loaded."""
    stmt = property_query(filters).options(selectinload(Property.listing_agent))
    return paginate(stmt, page, per_page)


@dataclass
class VisitFilters:
    """What a visit list can be narrowed by (SPEC §4); times are aware datetimes."""

    agent_id: int | None = None
    property_id: int | None = None
    prospect_id: int | None = None
    status: str | None = None
    starts_from: datetime | None = None
    starts_before: datetime | None = None
    # still going on after this time: with ``starts_before``, the visits overlapping a window
    ends_after: datetime | None = None
    newest_first: bool = False


def visit_query(actor: User, filters: VisitFilters) -> Select:
    """The visits ``actor`` may see, narrowed by ``filters`` and sorted by start time.

    A visit keeps its slot when its prospect or property is deleted (and can be restored),
    so it is listed, and whatever the query joins or loads of that record is found too.
    """
    stmt = visible_visits(select(Visit), actor)
    for field in ("agent_id", "property_id", "prospect_id"):
        value = getattr(filters, field)
        if value is not None:
            stmt = stmt.where(getattr(Visit, field) == value)
    if filters.status:
        stmt = stmt.where(Visit.status == _choice(VisitStatus, filters.status, "status"))
    if filters.starts_from is not None:
        stmt = stmt.where(Visit.starts_at >= filters.starts_from)
    if filters.starts_before is not None:
        stmt = stmt.where(Visit.starts_at < filters.starts_before)
    if filters.ends_after is not None:
        stmt = stmt.where(Visit.ends_at > filters.ends_after)
    if filters.newest_first:
        stmt = stmt.order_by(Visit.starts_at.desc(), Visit.id.desc())
    else:
        stmt = stmt.order_by(Visit.starts_at.asc(), Visit.id.asc())
    return stmt.execution_options(**{INCLUDE_DELETED: True})


@dataclass
class CallFilters:
    """What the call log can be narrowed by (SPEC §4); times are aware datetimes."""

    prospect_id: int | None = None
    agent_id: int | None = None
    direction: str | None = None
    outcome: str | None = None
    occurred_from: datetime | None = None
    occurred_before: datetime | None = None


def call_query(actor: User, filters: CallFilters) -> Select:
    """The calls ``actor`` may see, narrowed by ``filters``, newest first (calls with a deleted
    prospect included, as for visits)."""
    stmt = visible_calls(select(Call), actor)
    for field in ("prospect_id", "agent_id"):
        value = getattr(filters, field)
        if value is not None:
            stmt = stmt.where(getattr(Call, field) == value)
    if filters.direction:
        stmt = stmt.where(Call.direction == _choice(CallDirection, filters.direction, "direction"))
    if filters.outcome:
        stmt = stmt.where(Call.outcome == _choice(CallOutcome, filters.outcome, "outcome"))
    if filters.occurred_from is not None:
        stmt = stmt.where(Call.occurred_at >= filters.occurred_from)
    if filters.occurred_before is not None:
        stmt = stmt.where(Call.occurred_at < filters.occurred_before)
    stmt = stmt.order_by(Call.occurred_at.desc(), Call.id.desc())
    return stmt.execution_options(**{INCLUDE_DELETED: True})
