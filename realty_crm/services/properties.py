"""The write path of properties: create, update, delete, restore."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from ..errors import Conflict, ValidationFailed, invalid
from ..extensions import db
from ..models import ActivityKind, Property, PropertyStatus, Prospect, User, utcnow
from ..policy import Action, require
from ..schemas.common import validate
from ..schemas.property import PropertyCreate, PropertyUpdate
from . import activity, trash
from .search import fold
from .transaction import announce, commit

FIELDS = (
    "reference",
    "title",
    "description",
    "operation",
    "property_type",
    "status",
    "price",
    "address",
    "city",
    "area",
    "postcode",
    "bedrooms",
    "bathrooms",
    "area_m2",
    "features",
    "owner_id",
    "listing_agent_id",
)


def search_text(prop: Property) -> str:
    """The lower-cased text that property search looks in."""
    parts = [prop.reference, prop.title, prop.address, prop.city, prop.area, prop.postcode]
    return fold(" ".join(p for p in parts if p))


def _check_links(actor: User, values: dict[str, Any]) -> None:
    details: dict[str, str] = {}
    owner_id = values.get("owner_id")
    if owner_id is not None and not db.session.scalars(
        select(Prospect.id).where(Prospect.id == owner_id)
    ).first():
        details["owner_id"] = _("No prospect with this id in the agency.")
    agent_id = values.get("listing_agent_id")
    if agent_id is not None and not db.session.scalars(
        select(User.id).where(User.id == agent_id, User.agency_id == actor.agency_id)
    ).first():
        details["listing_agent_id"] = _("No user with this id in the agency.")
    if details:
        raise ValidationFailed(_("Some fields are not valid."), details)


def _check_reference_free(agency_id: int, reference: str, exclude_id: int | None = None) -> None:
    stmt = (
        select(Property.id)
        .where(Property.agency_id == agency_id, Property.reference == reference)
        .execution_options(include_deleted=True)
    )
    if exclude_id is not None:
        stmt = stmt.where(Property.id != exclude_id)
    if db.session.scalars(stmt).first() is not None:
        message = _("Another property already has the reference %(ref)s.", ref=reference)
        raise Conflict(message, {"reference": message})


def create_property(actor: User, data: dict[str, Any]) -> Property:
    """List a new property; its reference must be unique in the agency."""
    require(actor, Action.CREATE)
    values = validate(PropertyCreate, data).model_dump()
    _check_links(actor, values)
    _check_reference_free(actor.agency_id, values["reference"])
    if values.get("listing_agent_id") is None:
        values["listing_agent_id"] = actor.id
    prop = Property(agency_id=actor.agency_id, **{f: values[f] for f in FIELDS})
    prop.features = [str(f) for f in prop.features]
    if prop.status == PropertyStatus.AVAILABLE:
        prop.published_at = utcnow()
    prop.search_text = search_text(prop)
    db.session.add(prop)
    db.session.flush()
    activity.record(
        ActivityKind.CREATED,
        actor,
        property=prop,
        data={"reference": prop.reference},
    )
    if prop.published_at is not None:
        announce("crm_property_published", actor.agency, actor=actor, property=prop)
    commit()
    return prop


def update_property(actor: User, prop: Property, data: dict[str, Any]) -> Property:
    """Change the fields sent; price changes and publication are recorded."""
    require(actor, Action.EDIT, prop)
    sent = validate(PropertyUpdate, data).model_dump(exclude_unset=True)
    for required in ("reference", "title", "operation", "property_type", "price"):
        if required in sent and sent[required] is None:
            raise invalid(required, _("This field cannot be empty."))
    _check_links(actor, sent)
    if "reference" in sent and sent["reference"] != prop.reference:
        _check_reference_free(prop.agency_id, sent["reference"], exclude_id=prop.id)
    changes: dict[str, list[Any]] = {}
    old_price = prop.price
    for field, value in sent.items():
        old = getattr(prop, field)
        if old != value:
            changes[field] = [_text(old), _text(value)]
            setattr(prop, field, value)
    if "price" in changes:
        activity.record(
            ActivityKind.PRICE_CHANGED,
            actor,
            property=prop,
            data={"old": changes["price"][0], "new": changes["price"][1], "currency": actor.agency.currency},
        )
        announce("crm_property_price_changed", actor.agency, actor=actor, property=prop, old_price=old_price)
    if "status" in changes:
        if prop.status == PropertyStatus.AVAILABLE and prop.published_at is None:
            prop.published_at = utcnow()
            announce("crm_property_published", actor.agency, actor=actor, property=prop)
        activity.record(
            ActivityKind.STATUS_CHANGED,
            actor,
            property=prop,
            data={"old": changes["status"][0], "new": changes["status"][1]},
        )
    other = {k: v for k, v in changes.items() if k not in ("price", "status")}
    if other:
        activity.record(
            ActivityKind.UPDATED,
            actor,
            property=prop,
            data={"changes": other},
        )
    prop.search_text = search_text(prop)
    commit()
    return prop


def _text(value: Any) -> Any:
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, list):
        return [str(v) for v in value]
    return str(getattr(value, "value", value))


def delete_property(actor: User, prop: Property) -> None:
    """Soft-delete: hidden from lists until a manager restores it."""
    trash.move_to_trash(actor, prop)


def restore_property(actor: User, prop: Property) -> None:
    """Undo a soft delete."""
    trash.restore(actor, prop)
