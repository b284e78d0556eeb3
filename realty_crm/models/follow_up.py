"""Follow-ups: things an agent must do for a prospect by a date."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import TenantMixin
from .prospect import Prospect
from .types import UTCDateTime, utcnow
from .user import User


class FollowUp(TenantMixin, db.Model):
    __tablename__ = "follow_ups"
    __table_args__ = (
        sa.Index("ix_follow_ups_assignee_open", "agency_id", "assignee_id", "done_at", "due_at"),
        sa.Index("ix_follow_ups_prospect", "prospect_id", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    prospect_id: Mapped[int] = mapped_column(ForeignKey("prospects.id", ondelete="CASCADE"))
    assignee_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    title: Mapped[str] = mapped_column(sa.String(200))
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    prospect: Mapped[Prospect] = relationship()
    assignee: Mapped[User] = relationship(foreign_keys=[assignee_id])

    def is_overdue(self, now: datetime) -> bool:
        return self.done_at is None and self.due_at < now
