"""Request and response shapes of properties."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import Field

from ..models import ListingOperation, PropertyStatus, PropertyType
from .common import Amount, Id, InputModel, OutputModel, blank_none, text

Reference = text(40, 1)


class PropertyFields(InputModel):
    description: text(20_000) = ""  # type: ignore[valid-type]
    status: PropertyStatus = PropertyStatus.DRAFT
    address: text(300) = ""  # type: ignore[valid-type]
    city: text(100) = ""  # type: ignore[valid-type]
    area: text(100) = ""  # type: ignore[valid-type]
    postcode: text(20) = ""  # type: ignore[valid-type]
    bedrooms: int | None = Field(default=None, ge=0, le=100)
    bathrooms: int | None = Field(default=None, ge=0, le=100)
    area_m2: int | None = Field(default=None, ge=1, le=1_000_000)
    features: list[text(60, 1)] = Field(default_factory=list, max_length=50)  # type: ignore[valid-type]
    owner_id: Id | None = None
    listing_agent_id: Id | None = None


class PropertyCreate(PropertyFields):
    reference: Reference  # type: ignore[valid-type]
    title: text(200, 1)  # type: ignore[valid-type]
    operation: ListingOperation
    property_type: PropertyType
    price: Amount


class PropertyUpdate(PropertyFields):
    """A partial update: only the fields sent are changed."""

    reference: Reference = None  # type: ignore[valid-type,assignment]
    title: text(200, 1) = None  # type: ignore[valid-type]
    operation: ListingOperation = None  # type: ignore[assignment]
    property_type: PropertyType = None  # type: ignore[assignment]
    price: blank_none(Amount) = None


class PropertyOut(OutputModel):
    id: int
    reference: str
    title: str
    description: str
    operation: ListingOperation
    property_type: PropertyType
    status: PropertyStatus
    price: Decimal
    address: str
    city: str
    area: str
    postcode: str
    bedrooms: int | None
    bathrooms: int | None
    area_m2: int | None
    features: list[str]
    owner_id: int | None
    listing_agent_id: int | None
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None
    deleted_at: datetime | None
