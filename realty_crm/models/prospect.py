"""Prospects: the people an agency sells or lets to (and property owners)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import SoftDeleteMixin, TenantMixin, TimestampMixin
from .enums import Operation, ProspectSource, ProspectStatus
from .types import Money, UTCDateTime, str_enum

if TYPE_CHECKING:
    from .user import User

OPEN_STATUSES = (
    ProspectStatus.NEW,
    ProspectStatus.CONTACTED,
    ProspectStatus.QUALIFIED,
    ProspectStatus.VISITING,
    ProspectStatus.OFFER,
)


class Prospect(TenantMixin, TimestampMixin, SoftDeleteMixin, db.Model):
    """A person looking to buy or rent: contact details, what they want, status and agent."""

    __tablename__ = "prospects"
    __table_args__ = (
        sa.Index(
            "uq_prospects_agency_email",
            "agency_id",
            "email",
            unique=True,
            sqlite_where=sa.text("email IS NOT NULL"),
            postgresql_where=sa.text("email IS NOT NULL"),
        ),
        sa.Index(
            "uq_prospects_agency_phone",
            "agency_id",
            "phone",
            unique=True,
            sqlite_where=sa.text("phone IS NOT NULL"),
            postgresql_where=sa.text("phone IS NOT NULL"),
        ),
        sa.Index("ix_prospects_agency_created", "agency_id", "created_at", "id"),
        # ix_prospects_live (covering the lists) and, on PostgreSQL, ix_prospects_search_trgm
        # differ by database: migration 0009 creates them; the PostgreSQL indexes of the list
        # by name in each collation (ix_prospects_name_es, _und): migration 0011
        sa.Index("ix_prospects_agency_status", "agency_id", "status", "created_at"),
        sa.Index("ix_prospects_agency_agent", "agency_id", "assigned_agent_id", "created_at"),
        sa.Index("ix_prospects_agency_source", "agency_id", "source"),
        sa.Index("ix_prospects_agency_follow_up", "agency_id", "next_follow_up_at"),
        # the reports read a period's prospects from this index alone (migration 0008)
        sa.Index(
            "ix_prospects_reports", "agency_id", "created_at", "status", "source", "assigned_agent_id",
            "first_contacted_at", "deleted_at",
        ),
        sa.Index("ix_prospects_agency_deleted", "agency_id", "deleted_at"),
        sa.CheckConstraint(
            "min_price IS NULL OR max_price IS NULL OR min_price <= max_price", name="price_range"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str] = mapped_column(sa.String(100))
    last_name: Mapped[str] = mapped_column(sa.String(100), default="")
    email: Mapped[str | None] = mapped_column(sa.String(254))
    phone: Mapped[str | None] = mapped_column(sa.String(20))
    source: Mapped[ProspectSource] = mapped_column(
        str_enum(ProspectSource, "prospect_source"), default=ProspectSource.OTHER
    )
    source_detail: Mapped[str | None] = mapped_column(sa.String(200))
    status: Mapped[ProspectStatus] = mapped_column(
        str_enum(ProspectStatus, "prospect_status"), default=ProspectStatus.NEW
    )
    lost_reason: Mapped[str | None] = mapped_column(sa.String(500))
    assigned_agent_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    marketing_consent: Mapped[bool] = mapped_column(default=False)
    tags: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    notes: Mapped[str | None] = mapped_column(sa.Text)
    # requirements, kept in columns so that SQL can shortlist matches
    operation: Mapped[Operation | None] = mapped_column(str_enum(Operation, "operation"))
    property_types: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    min_price: Mapped[Decimal | None] = mapped_column(Money)
    max_price: Mapped[Decimal | None] = mapped_column(Money)
    min_bedrooms: Mapped[int | None]
    min_area_m2: Mapped[int | None]
    areas: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    last_contacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_follow_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_contacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # lower-cased name, e-mail and phone digits: what full-text search looks in
    search_text: Mapped[str] = mapped_column(sa.String(600), default="")

    assigned_agent: Mapped[User | None] = relationship(foreign_keys=[assigned_agent_id])

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def requirements(self) -> dict[str, Any]:
        return {
            "operation": self.operation.value if self.operation else None,
            "property_types": list(self.property_types or []),
            "min_price": self.min_price,
            "max_price": self.max_price,
            "min_bedrooms": self.min_bedrooms,
            "min_area_m2": self.min_area_m2,
            "areas": list(self.areas or []),
        }

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def __repr__(self) -> str:
        return f"<Prospect {self.id} {self.full_name}>"


class ProspectArea(TenantMixin, db.Model):
    """One area a prospect wants (casefolded), or ``*`` for "anywhere", with a copy of the
    requirements matching filters and ranks on: a covering index lets SQL shortlist and rank
    the prospects a property can match without reading the prospects table at all.

    ``is_open``: the prospect is open (not won or lost) and not in the trash."""

    __tablename__ = "prospect_areas"
    __table_args__ = (
        sa.Index(
            "ix_prospect_areas_lookup",
            "agency_id", "area", "operation", "is_open", "max_price", "min_price", "prospect_id",
            "min_bedrooms", "min_area_m2", "property_types",
        ),
    )

    ANYWHERE = "*"

    id: Mapped[int] = mapped_column(primary_key=True)
    prospect_id: Mapped[int] = mapped_column(ForeignKey("prospects.id", ondelete="CASCADE"), index=True)
    area: Mapped[str] = mapped_column(sa.String(100))
    operation: Mapped[str | None] = mapped_column(sa.String(10))
    is_open: Mapped[bool] = mapped_column(default=True)
    min_price: Mapped[Decimal | None] = mapped_column(Money)
    max_price: Mapped[Decimal | None] = mapped_column(Money)
    min_bedrooms: Mapped[int | None]
    min_area_m2: Mapped[int | None]
    # the wanted types as JSON text, "[]" for any: matching looks for '"flat"' in it
    property_types: Mapped[str] = mapped_column(sa.String(200), default="[]")


def area_keys(areas: list[str] | None) -> list[str]:
    """The lookup keys of a prospect's wanted areas (``*`` when any area will do)."""
    keys = sorted({a.strip().casefold() for a in areas or [] if a.strip()})
    return keys or [ProspectArea.ANYWHERE]
