"""Phone calls logged with a prospect."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import TenantMixin
from .enums import CallDirection, CallOutcome
from .prospect import Prospect
from .types import UTCDateTime, str_enum, utcnow
from .user import User


class Call(TenantMixin, db.Model):
    """A phone call with a prospect, logged by an agent, with its outcome."""

    __tablename__ = "calls"
    __table_args__ = (
        sa.Index("ix_calls_prospect_occurred", "prospect_id", "occurred_at"),
        sa.Index("ix_calls_agent_occurred", "agency_id", "agent_id", "occurred_at"),
        sa.Index("ix_calls_agency_occurred", "agency_id", "occurred_at"),
        # the agents report counts a period's calls from this index alone (migration 0008)
        sa.Index("ix_calls_reports", "agency_id", "occurred_at", "agent_id", "prospect_id"),
        sa.CheckConstraint("duration_seconds >= 0", name="duration_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    prospect_id: Mapped[int] = mapped_column(ForeignKey("prospects.id", ondelete="CASCADE"))
    agent_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    direction: Mapped[CallDirection] = mapped_column(str_enum(CallDirection, "call_direction"))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_seconds: Mapped[int] = mapped_column(default=0)
    outcome: Mapped[CallOutcome] = mapped_column(str_enum(CallOutcome, "call_outcome"))
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    prospect: Mapped[Prospect] = relationship()
    agent: Mapped[User] = relationship()
