"""Properties: ``/api/v1/properties`` (SPEC §4)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from flask import jsonify
from pydantic import Field, ValidationInfo, field_validator

from ...models import ListingOperation, Property, PropertyStatus, PropertyType
from ...policy import Action, require
from ...schemas.common import Amount, Page, text
from ...schemas.property import PropertyCreate, PropertyOut, PropertyUpdate
from ...services import properties, search
from ...tenancy import get_or_404
from .. import blueprint
from ..spec import operation
from .common import ListQuery, QueryText, caller, created, dump, no_content, page_json

PropertySort = Literal["newest", "price_asc", "price_desc", "reference"]


class PropertyQuery(ListQuery):
    """Filters of the property search."""

    q: QueryText | None = Field(default=None, description="Words found in the reference, title or address")
    operation: ListingOperation | None = None
    property_type: PropertyType | None = None
    status: PropertyStatus | None = None
    city: text(100) | None = None  # type: ignore[valid-type]
    area: text(100) | None = None  # type: ignore[valid-type]
    min_price: Amount | None = None
    max_price: Amount | None = None
    min_bedrooms: int | None = Field(default=None, ge=0, le=100)
    deleted: bool = Field(default=False, description="Only deleted properties (admins and managers)")
    sort: PropertySort = "newest"

    @field_validator("max_price")
    @classmethod
    def _not_below_min(cls, value: Decimal | None, info: ValidationInfo) -> Decimal | None:
        low = info.data.get("min_price")
        if value is not None and low is not None and value < low:
            raise ValueError("max_price is below min_price")
        return value


@blueprint.get("/properties")
@operation(
    "/properties", "GET", summary="Search properties", tag="properties",
    query=PropertyQuery, response=Page[PropertyOut],
)
def list_properties(query: PropertyQuery) -> Any:
    """Properties of the agency matching every filter given (prices in the agency's currency)."""
    if query.deleted:
        require(caller(), Action.RESTORE)
    filters = search.PropertyFilters(
        q=query.q,
        operation=query.operation,
        property_type=query.property_type,
        status=query.status,
        city=query.city,
        area=query.area,
        min_price=query.min_price,
        max_price=query.max_price,
        min_bedrooms=query.min_bedrooms,
        deleted=query.deleted,
        sort=query.sort,
    )
    return page_json(PropertyOut, search.list_properties(filters, query.page, query.capped_per_page))


@blueprint.post("/properties")
@operation(
    "/properties", "POST", summary="List a new property", tag="properties",
    body=PropertyCreate, response=PropertyOut, status=201, errors=(409,),
)
def create_property(body: dict[str, Any]) -> Any:
    """The reference must be unique in the agency (409 otherwise)."""
    prop = properties.create_property(caller(), body)
    return created(PropertyOut, prop, "api.get_property", property_id=prop.id)


@blueprint.get("/properties/<int:property_id>")
@operation(
    "/properties/<int:property_id>", "GET", summary="One property", tag="properties", response=PropertyOut
)
def get_property(property_id: int) -> Any:
    """The property."""
    return jsonify(dump(PropertyOut, get_or_404(Property, property_id)))


@blueprint.patch("/properties/<int:property_id>")
@operation(
    "/properties/<int:property_id>", "PATCH", summary="Change a property", tag="properties",
    body=PropertyUpdate, response=PropertyOut, errors=(409,),
)
def update_property(property_id: int, body: dict[str, Any]) -> Any:
    """Only the fields sent change; price changes and publication go on the timeline."""
    prop = properties.update_property(caller(), get_or_404(Property, property_id), body)
    return jsonify(dump(PropertyOut, prop))


@blueprint.delete("/properties/<int:property_id>")
@operation(
    "/properties/<int:property_id>", "DELETE", summary="Delete a property (soft)", tag="properties",
    status=204,
)
def delete_property(property_id: int) -> Any:
    """Hides the property; an admin or manager can restore it."""
    properties.delete_property(caller(), get_or_404(Property, property_id))
    return no_content()


@blueprint.post("/properties/<int:property_id>/restore")
@operation(
    "/properties/<int:property_id>/restore", "POST", summary="Restore a deleted property",
    tag="properties", response=PropertyOut,
)
def restore_property(property_id: int) -> Any:
    """Undoes a soft delete (admins and managers)."""
    prop = get_or_404(Property, property_id, include_deleted=True)
    properties.restore_property(caller(), prop)
    return jsonify(dump(PropertyOut, prop))
