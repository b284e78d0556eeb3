"""The plugin's one table: the secret calendar feed tokens of the agency's users."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from realty_crm.plugin_api import TenantMixin, User, UTCDateTime, db, utcnow
from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

KIND_AGENT = "agent"  # the user's own visits
KIND_TEAM = "team"  # every agent's visits of the agency (managers and admins)
KINDS = (KIND_AGENT, KIND_TEAM)


class CalendarFeedToken(TenantMixin, db.Model):
    """A feed URL of one user: only the SHA-256 of its secret is kept; revoked rows stay."""

    __tablename__ = "calendar_feed_tokens"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('agent', 'team')", name="kind_known"),
        sa.Index("ix_calendar_feed_tokens_user", "agency_id", "user_id", "revoked_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(10))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
