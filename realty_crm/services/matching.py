"""Matching both ways: properties that fit a prospect, prospects a property fits.

Operation, type and area are hard requirements; price, bedrooms and size are scored, with
a tolerance that lets near misses through, clearly marked. SQL shortlists and roughly ranks
the candidates on indexed columns (for a property, ``prospect_areas`` alone: its area and
city, and a copy of each prospect's wishes); Python scores the best of them 0–100 with plain
arithmetic, keeps the best, and explains only those.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask_babel import format_percent, ngettext
from flask_babel import gettext as _
from sqlalchemy import and_, case, or_, select

from ..extensions import db
from ..models import (
    ListingOperation,
    Operation,
    Property,
    PropertyStatus,
    Prospect,
    ProspectArea,
    User,
    area_keys,
)
from ..policy import is_staff, visible_prospects

# how far outside a criterion a near miss may lie
PRICE_TOLERANCE = Decimal("0.10")
SIZE_TOLERANCE = Decimal("0.10")
MIN_SCORE = 40
WEIGHTS = {"price": 50, "bedrooms": 30, "size": 20}
OPERATIONS = {Operation.BUY: ListingOperation.SALE, Operation.RENT: ListingOperation.RENT}


@dataclass
class Match:
    """A scored candidate: the record, its score 0–100, why, and whether it is a near miss."""

    record: Any
    score: int
    reasons: list[str] = field(default_factory=list)
    near_miss: bool = False


@dataclass
class Wish:
    """A prospect's scored requirements, as plain values (loaded without the whole row)."""

    min_price: Decimal | None
    max_price: Decimal | None
    min_bedrooms: int | None
    min_area_m2: int | None


@dataclass
class Offer:
    """A property's facts that matching looks at."""

    price: Decimal
    area: str
    bedrooms: int | None
    area_m2: int | None


def _percent(part: Decimal, whole: Decimal) -> int:
    """``part`` as a whole percentage of ``whole``; a real difference never rounds to 0 %."""
    if not whole or not part:
        return 0
    return max(1, round(abs(part) / whole * 100))


def _price_points(wish: Wish, price: Decimal) -> tuple[float, int]:
    """Points for the price and how far outside the budget it lies (percent, 0 inside)."""
    if wish.max_price is not None and price > wish.max_price:
        off = _percent(price - wish.max_price, wish.max_price)
    elif wish.min_price is not None and price < wish.min_price:
        off = _percent(wish.min_price - price, wish.min_price)
    else:
        return WEIGHTS["price"], 0
    return max(0.0, WEIGHTS["price"] * (1 - off / float(PRICE_TOLERANCE * 100))), off


def points(wish: Wish, offer: Offer) -> tuple[int, bool]:
    """The score (0–100) of ``offer`` for ``wish`` and whether it is a near miss.

    A criterion the prospect left blank is met; a property missing a fact (bedrooms, size)
    that the prospect asks for is a near miss."""
    total, off = _price_points(wish, offer.price)
    near_miss = off > 0
    if wish.min_bedrooms is None or (offer.bedrooms or 0) >= wish.min_bedrooms:
        total += WEIGHTS["bedrooms"]
    else:
        near_miss = True
        if offer.bedrooms is not None and offer.bedrooms == wish.min_bedrooms - 1:
            total += WEIGHTS["bedrooms"] / 2
    if wish.min_area_m2 is None or (offer.area_m2 or 0) >= wish.min_area_m2:
        total += WEIGHTS["size"]
    else:
        near_miss = True
        if offer.area_m2 is not None and offer.area_m2 >= wish.min_area_m2 * (1 - SIZE_TOLERANCE):
            total += WEIGHTS["size"] / 2
    return round(total), near_miss


def explain(wish: Wish, offer: Offer) -> list[str]:
    """Short human reasons for the score, e.g. "price 5% over budget" (the percentage written
    the reader's way: "5 %" in Spanish)."""
    reasons = []
    _total, off = _price_points(wish, offer.price)
    if off and wish.max_price is not None and offer.price > wish.max_price:
        reasons.append(_("price %(percent)s over budget", percent=format_percent(off / 100)))
    elif off:
        reasons.append(_("price %(percent)s under their minimum", percent=format_percent(off / 100)))
    elif wish.max_price is not None:
        reasons.append(_("within budget"))
    if offer.area:
        reasons.append(_("in %(area)s", area=offer.area))
    if wish.min_bedrooms is not None:
        if (offer.bedrooms or 0) >= wish.min_bedrooms:
            reasons.append(ngettext("%(num)s bedroom (wants %(min)s+)", "%(num)s bedrooms (wants %(min)s+)",
                                    offer.bedrooms, min=wish.min_bedrooms))
        elif offer.bedrooms is not None and offer.bedrooms == wish.min_bedrooms - 1:
            reasons.append(_("one bedroom short"))
        else:
            reasons.append(_("too few bedrooms"))
    if wish.min_area_m2 is not None and (offer.area_m2 or 0) < wish.min_area_m2:
        if offer.area_m2 is not None and offer.area_m2 >= wish.min_area_m2 * (1 - SIZE_TOLERANCE):
            reasons.append(_("%(n)s m² (wants %(min)s)", n=offer.area_m2, min=wish.min_area_m2))
        else:
            reasons.append(_("smaller than they want"))
    return reasons


def _best(candidates: list[tuple[int, Wish, Offer]], limit: int) -> list[tuple[int, int, bool, Wish, Offer]]:
    scored = []
    for record_id, wish, offer in candidates:
        score, near_miss = points(wish, offer)
        if score >= MIN_SCORE:
            scored.append((score, record_id, near_miss, wish, offer))
    return heapq.nsmallest(limit, scored, key=lambda s: (-s[0], s[1]))


def properties_for(prospect: Prospect, limit: int = 50) -> list[Match]:
    """Available properties that fit the prospect, best first (near misses marked)."""
    if prospect.operation is None:
        return []
    wish = Wish(prospect.min_price, prospect.max_price, prospect.min_bedrooms, prospect.min_area_m2)
    stmt = select(
        Property.id, Property.price, Property.area, Property.city, Property.bedrooms, Property.area_m2
    ).where(
        Property.operation == OPERATIONS[prospect.operation],
        Property.status == PropertyStatus.AVAILABLE,
    )
    if prospect.property_types:
        stmt = stmt.where(Property.property_type.in_(prospect.property_types))
    # areas are compared casefolded below: "chamberí" wants "Chamberí" (SQLite's lower() is ASCII-only)
    keys = area_keys(prospect.areas)
    if wish.max_price is not None:
        stmt = stmt.where(Property.price <= wish.max_price * (1 + PRICE_TOLERANCE))
    if wish.min_price is not None:
        stmt = stmt.where(Property.price >= wish.min_price * (1 - PRICE_TOLERANCE))
    if wish.min_bedrooms:
        stmt = stmt.where(Property.bedrooms >= wish.min_bedrooms - 1)
    candidates = [
        (row.id, wish, Offer(row.price, row.area or row.city or "", row.bedrooms, row.area_m2))
        for row in db.session.execute(stmt)
        if keys == [ProspectArea.ANYWHERE]
        or (row.area or "").casefold() in keys or (row.city or "").casefold() in keys
    ]
    return _matches(_best(candidates, limit), Property)


def prospects_for(actor: User, prop: Property, limit: int = 50) -> list[Match]:
    """Open prospects (visible to ``actor``) whose requirements the property fits, best first.

    Shortlisted and ranked on ``prospect_areas`` alone (its covering index holds every wish
    the ranking reads); the prospects table is joined only to apply an agent's visibility.
    """
    operation = next(op for op, listing in OPERATIONS.items() if listing == prop.operation)
    price = prop.price
    keys = {k for k in ((prop.area or "").casefold(), (prop.city or "").casefold()) if k}
    wishes = ProspectArea
    stmt = select(
        wishes.prospect_id.label("id"), wishes.min_price, wishes.max_price, wishes.min_bedrooms,
        wishes.min_area_m2,
    ).where(
        wishes.area.in_([*keys, ProspectArea.ANYWHERE]),
        wishes.operation == operation.value,
        wishes.is_open.is_(True),
        or_(wishes.max_price.is_(None), wishes.max_price >= price / (1 + PRICE_TOLERANCE)),
        or_(wishes.min_price.is_(None), wishes.min_price <= price / (1 - PRICE_TOLERANCE)),
        # the wanted types, as JSON text: no type, or this type among them
        or_(wishes.property_types == "[]", wishes.property_types.like(f'%"{prop.property_type.value}"%')),
    )
    if prop.bedrooms is not None:
        stmt = stmt.where(or_(wishes.min_bedrooms.is_(None), wishes.min_bedrooms <= prop.bedrooms + 1))
    if not is_staff(actor):
        stmt = visible_prospects(stmt.join(Prospect, Prospect.id == wishes.prospect_id), actor)
    # popular areas leave thousands of candidates: SQL ranks them by an approximation of
    # ``points`` and hands over the best few (with room to spare); Python scores those exactly
    stmt = stmt.order_by(_sql_points(prop).desc(), wishes.prospect_id).limit(limit * 4)
    offer = Offer(price, prop.area or prop.city or "", prop.bedrooms, prop.area_m2)
    seen: set[int] = set()
    candidates = []
    for row in db.session.execute(stmt):
        if row.id in seen:
            continue
        seen.add(row.id)
        wish = Wish(row.min_price, row.max_price, row.min_bedrooms, row.min_area_m2)
        candidates.append((row.id, wish, offer))
    return _matches(_best(candidates, limit), Prospect)


def _sql_points(prop: Property) -> Any:
    """``points`` written in SQL for one property against the wishes on ``prospect_areas``."""
    price = prop.price
    wishes = ProspectArea
    off = case(
        (and_(wishes.max_price.is_not(None), wishes.max_price < price),
         (price - wishes.max_price) * 100 / wishes.max_price),
        (and_(wishes.min_price.is_not(None), wishes.min_price > price),
         (wishes.min_price - price) * 100 / wishes.min_price),
        else_=0,
    )
    tolerance = PRICE_TOLERANCE * 100
    price_points = case((off >= tolerance, 0), else_=WEIGHTS["price"] * (1 - off / tolerance))
    bedrooms = prop.bedrooms or 0
    bedroom_points = case(
        (or_(wishes.min_bedrooms.is_(None), wishes.min_bedrooms <= bedrooms), WEIGHTS["bedrooms"]),
        (wishes.min_bedrooms == bedrooms + 1, WEIGHTS["bedrooms"] / 2),
        else_=0,
    )
    size = prop.area_m2 or 0
    size_points = case(
        (or_(wishes.min_area_m2.is_(None), wishes.min_area_m2 <= size), WEIGHTS["size"]),
        (wishes.min_area_m2 * (1 - SIZE_TOLERANCE) <= size, WEIGHTS["size"] / 2),
        else_=0,
    )
    return price_points + bedroom_points + size_points


def _matches(best: list[tuple[int, int, bool, Wish, Offer]], model: Any) -> list[Match]:
    """The ranked matches with their records loaded in one query, and their reasons."""
    if not best:
        return []
    ids = [record_id for _score, record_id, *_rest in best]
    records = {r.id: r for r in db.session.scalars(select(model).where(model.id.in_(ids)))}
    return [
        Match(records[record_id], score, explain(wish, offer), near_miss)
        for score, record_id, near_miss, wish, offer in best
        if record_id in records
    ]
