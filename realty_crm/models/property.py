"""Properties an agency lists for sale or rent."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import SoftDeleteMixin, TenantMixin, TimestampMixin
from .enums import ListingOperation, PropertyStatus, PropertyType
from .types import Money, UTCDateTime, str_enum

if TYPE_CHECKING:
    from .prospect import Prospect
    from .user import User


class Property(TenantMixin, TimestampMixin, SoftDeleteMixin, db.Model):
    """A property the agency lists for sale or rent, with its reference, address and price."""

    __tablename__ = "properties"
    __table_args__ = (
        sa.UniqueConstraint("agency_id", "reference", name="uq_properties_agency_reference"),
        sa.Index("ix_properties_search", "agency_id", "operation", "status", "price"),
        sa.Index("ix_properties_agency_city", "agency_id", "city"),
        sa.Index("ix_properties_agency_area", "agency_id", "area"),
        sa.Index("ix_properties_agency_created", "agency_id", "created_at", "id"),
        sa.CheckConstraint("price >= 0", name="price_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(sa.String(40))
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    operation: Mapped[ListingOperation] = mapped_column(
        str_enum(ListingOperation, "listing_operation")
    )
    property_type: Mapped[PropertyType] = mapped_column(str_enum(PropertyType, "property_type"))
    status: Mapped[PropertyStatus] = mapped_column(
        str_enum(PropertyStatus, "property_status"), default=PropertyStatus.DRAFT
    )
    price: Mapped[Decimal] = mapped_column(Money)
    address: Mapped[str] = mapped_column(sa.String(300), default="")
    city: Mapped[str] = mapped_column(sa.String(100), default="")
    area: Mapped[str] = mapped_column(sa.String(100), default="")
    postcode: Mapped[str] = mapped_column(sa.String(20), default="")
    bedrooms: Mapped[int | None]
    bathrooms: Mapped[int | None]
    area_m2: Mapped[int | None]
    features: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("prospects.id", ondelete="SET NULL"))
    listing_agent_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # lower-cased reference, title, address, city, area: what search looks in
    search_text: Mapped[str] = mapped_column(sa.String(800), default="")

    owner: Mapped[Prospect | None] = relationship(foreign_keys=[owner_id])
    listing_agent: Mapped[User | None] = relationship(foreign_keys=[listing_agent_id])

    def __repr__(self) -> str:
        return f"<Property {self.reference}>"
