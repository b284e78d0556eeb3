"""Visits (viewings) of a property by a prospect with an agent."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import TenantMixin, TimestampMixin
from .enums import VisitStatus
from .property import Property
from .prospect import Prospect
from .types import UTCDateTime, str_enum
from .user import User


class Visit(TenantMixin, TimestampMixin, db.Model):
    """A prospect's visit of a property with an agent, from ``starts_at`` to ``ends_at``."""

    __tablename__ = "visits"
    __table_args__ = (
        # an agent's visits by time, status included so agenda and "last visit" queries read the
        # index alone (and SQLite prefers it to the reports' covering index; migration 0009)
        sa.Index("ix_visits_agent_starts", "agency_id", "agent_id", "starts_at", "status"),
        sa.Index("ix_visits_property_starts", "property_id", "starts_at"),
        sa.Index("ix_visits_prospect_starts", "prospect_id", "starts_at"),
        sa.Index("ix_visits_agency_starts", "agency_id", "starts_at"),
        # the agents and properties reports read a period's visits from this index alone (migration 0008)
        sa.Index(
            "ix_visits_reports", "agency_id", "starts_at", "status", "agent_id", "property_id", "prospect_id",
            "rating",
        ),
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        sa.CheckConstraint("rating IS NULL OR (rating BETWEEN 1 AND 5)", name="rating_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id", ondelete="CASCADE"))
    prospect_id: Mapped[int] = mapped_column(ForeignKey("prospects.id", ondelete="CASCADE"))
    agent_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[VisitStatus] = mapped_column(
        str_enum(VisitStatus, "visit_status"), default=VisitStatus.SCHEDULED
    )
    cancel_reason: Mapped[str | None] = mapped_column(sa.String(500))
    feedback: Mapped[str | None] = mapped_column(sa.Text)
    rating: Mapped[int | None]
    # raised on every change, for iCalendar SEQUENCE
    sequence: Mapped[int] = mapped_column(default=0)

    property: Mapped[Property] = relationship()
    prospect: Mapped[Prospect] = relationship()
    agent: Mapped[User] = relationship()
