"""Activities: the timeline of a prospect or property, and the audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import TenantMixin
from .enums import ActivityKind
from .property import Property
from .prospect import Prospect
from .types import UTCDateTime, str_enum, utcnow
from .user import User


class Activity(TenantMixin, db.Model):
    __tablename__ = "activities"
    __table_args__ = (
        sa.Index("ix_activities_prospect", "prospect_id", "occurred_at"),
        sa.Index("ix_activities_property", "property_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ActivityKind] = mapped_column(str_enum(ActivityKind, "activity_kind"))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    prospect_id: Mapped[int | None] = mapped_column(
        ForeignKey("prospects.id", ondelete="CASCADE")
    )
    property_id: Mapped[int | None] = mapped_column(
        ForeignKey("properties.id", ondelete="CASCADE")
    )
    # the record the entry is about (a call, a visit, a follow-up), by kind
    subject_id: Mapped[int | None]
    # a short human summary and structured details (changed fields: [old, new])
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    source: Mapped[str] = mapped_column(sa.String(40), default="core")

    actor: Mapped[User | None] = relationship()
    prospect: Mapped[Prospect | None] = relationship()
    property: Mapped[Property | None] = relationship()
