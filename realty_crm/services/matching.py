"""Matching both ways: properties that fit a prospect, prospects a property fits.

SQL shortlists candidates on indexed columns (operation, status, price bounds with a
tolerance for near misses); Python scores the shortlist 0–100 and explains each score.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import or_, select

from ..extensions import db
from ..models import (
    OPEN_STATUSES,
    ListingOperation,
    Operation,
    Property,
    PropertyStatus,
    Prospect,
    User,
)
from ..policy import visible_prospects

# how far outside a criterion a near miss may lie
PRICE_TOLERANCE = Decimal("0.10")
SIZE_TOLERANCE = Decimal("0.10")
MIN_SCORE = 40
WEIGHTS = {"price": 35, "type": 20, "areas": 20, "bedrooms": 15, "size": 10}
OPERATIONS = {Operation.BUY: ListingOperation.SALE, Operation.RENT: ListingOperation.RENT}


@dataclass
class Match:
    """A scored candidate: the record, its score 0–100, and why."""

    record: Any
    score: int
    reasons: list[str] = field(default_factory=list)
    near_miss: bool = False


@dataclass
class Wish:
    """A prospect's requirements, as plain values (loaded without the whole row)."""

    min_price: Decimal | None
    max_price: Decimal | None
    min_bedrooms: int | None
    min_area_m2: int | None
    property_types: list[str]
    areas: list[str]


@dataclass
class Offer:
    """A property's facts that matching looks at."""

    price: Decimal
    property_type: str
    area: str
    city: str
    bedrooms: int | None
    area_m2: int | None


def _percent(part: Decimal, whole: Decimal) -> int:
    """``part`` as a whole percentage of ``whole``; a real difference never shows as 0 %."""
    if not whole or not part:
        return 0
    return max(1, round(abs(part) / whole * 100))


def score(wish: Wish, offer: Offer) -> Match:
    """Score how well ``offer`` fits ``wish``; a criterion the prospect left blank is met."""
    points = 0
    reasons: list[str] = []
    near_miss = False

    if wish.max_price is not None and offer.price > wish.max_price:
        over = _percent(offer.price - wish.max_price, wish.max_price)
        points += max(0, round(WEIGHTS["price"] * (1 - over / (PRICE_TOLERANCE * 100))))
        reasons.append(_("price %(n)s %% over budget", n=over))
        near_miss = True
    elif wish.min_price is not None and offer.price < wish.min_price:
        under = _percent(wish.min_price - offer.price, wish.min_price)
        points += max(0, round(WEIGHTS["price"] * (1 - under / (PRICE_TOLERANCE * 100))))
        reasons.append(_("price %(n)s %% under their minimum", n=under))
        near_miss = True
    else:
        points += WEIGHTS["price"]
        if wish.max_price is not None:
            reasons.append(_("within budget"))

    if not wish.property_types or offer.property_type in wish.property_types:
        points += WEIGHTS["type"]
    else:
        reasons.append(_("a %(type)s, not a type they want", type=offer.property_type))
        near_miss = True

    wanted_areas = {a.casefold() for a in wish.areas}
    if not wanted_areas:
        points += WEIGHTS["areas"]
    elif offer.area.casefold() in wanted_areas or offer.city.casefold() in wanted_areas:
        points += WEIGHTS["areas"]
        reasons.append(_("in %(area)s", area=offer.area or offer.city))
    else:
        reasons.append(_("in %(area)s, outside their areas", area=offer.area or offer.city))
        near_miss = True

    if wish.min_bedrooms is None:
        points += WEIGHTS["bedrooms"]
    elif offer.bedrooms is not None and offer.bedrooms >= wish.min_bedrooms:
        points += WEIGHTS["bedrooms"]
        reasons.append(_("%(n)s bedrooms (wants %(min)s+)", n=offer.bedrooms, min=wish.min_bedrooms))
    elif offer.bedrooms is not None and offer.bedrooms == wish.min_bedrooms - 1:
        points += WEIGHTS["bedrooms"] // 2
        reasons.append(_("one bedroom short"))
        near_miss = True
    else:
        reasons.append(_("too few bedrooms"))
        near_miss = True

    if wish.min_area_m2 is None or offer.area_m2 is not None and offer.area_m2 >= wish.min_area_m2:
        points += WEIGHTS["size"]
    elif offer.area_m2 is not None and offer.area_m2 >= wish.min_area_m2 * (1 - SIZE_TOLERANCE):
        points += WEIGHTS["size"] // 2
        reasons.append(_("%(n)s m² (wants %(min)s)", n=offer.area_m2, min=wish.min_area_m2))
        near_miss = True
    else:
        reasons.append(_("smaller than they want"))
        near_miss = True

    return Match(record=None, score=min(100, points), reasons=reasons, near_miss=near_miss)


def _rank(matches: list[Match], limit: int) -> list[Match]:
    kept = [m for m in matches if m.score >= MIN_SCORE]
    kept.sort(key=lambda m: (-m.score, m.record))
    return kept[:limit]


def properties_for(prospect: Prospect, limit: int = 50) -> list[Match]:
    """Available properties that fit the prospect, best first (near misses marked)."""
    if prospect.operation is None:
        return []
    wish = Wish(prospect.min_price, prospect.max_price, prospect.min_bedrooms, prospect.min_area_m2,
                list(prospect.property_types or []), list(prospect.areas or []))
    stmt = select(
        Property.id, Property.price, Property.property_type, Property.area, Property.city,
        Property.bedrooms, Property.area_m2,
    ).where(
        Property.operation == OPERATIONS[prospect.operation],
        Property.status == PropertyStatus.AVAILABLE,
    )
    if wish.max_price is not None:
        stmt = stmt.where(Property.price <= wish.max_price * (1 + PRICE_TOLERANCE))
    if wish.min_price is not None:
        stmt = stmt.where(Property.price >= wish.min_price * (1 - PRICE_TOLERANCE))
    if wish.min_bedrooms:
        stmt = stmt.where(Property.bedrooms >= wish.min_bedrooms - 1)
    matches = []
    for row in db.session.execute(stmt):
        offer = Offer(row.price, row.property_type.value, row.area or "", row.city or "", row.bedrooms,
                      row.area_m2)
        match = score(wish, offer)
        match.record = row.id
        matches.append(match)
    return _attach(_rank(matches, limit), Property)


def prospects_for(actor: User, prop: Property, limit: int = 50) -> list[Match]:
    """Open prospects (visible to ``actor``) whose requirements the property fits, best first."""
    operation = next(op for op, listing in OPERATIONS.items() if listing == prop.operation)
    price = prop.price
    stmt = select(
        Prospect.id, Prospect.min_price, Prospect.max_price, Prospect.min_bedrooms, Prospect.min_area_m2,
        Prospect.property_types, Prospect.areas,
    ).where(
        Prospect.operation == operation,
        Prospect.status.in_(OPEN_STATUSES),
        or_(Prospect.max_price.is_(None), Prospect.max_price >= price / (1 + PRICE_TOLERANCE)),
        or_(Prospect.min_price.is_(None), Prospect.min_price <= price / (1 - PRICE_TOLERANCE)),
    )
    if prop.bedrooms is not None:
        stmt = stmt.where(or_(Prospect.min_bedrooms.is_(None), Prospect.min_bedrooms <= prop.bedrooms + 1))
    stmt = visible_prospects(stmt, actor)
    offer = Offer(price, prop.property_type.value, prop.area or "", prop.city or "", prop.bedrooms,
                  prop.area_m2)
    matches = []
    for row in db.session.execute(stmt):
        wish = Wish(row.min_price, row.max_price, row.min_bedrooms, row.min_area_m2,
                    list(row.property_types or []), list(row.areas or []))
        match = score(wish, offer)
        match.record = row.id
        matches.append(match)
    return _attach(_rank(matches, limit), Prospect)


def _attach(matches: list[Match], model: Any) -> list[Match]:
    """Replace the ids in ``matches`` with the loaded records, in one query."""
    ids = [m.record for m in matches]
    if not ids:
        return []
    records = {r.id: r for r in db.session.scalars(select(model).where(model.id.in_(ids)))}
    for match in matches:
        match.record = records[match.record]
    return matches
