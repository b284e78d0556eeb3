"""The agency: the tenant that owns every other record."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .enums import AssignmentRule
from .types import UTCDateTime, str_enum, utcnow


class Agency(db.Model):
    """An estate agency: the tenant every other record belongs to, with its locale and settings."""

    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    slug: Mapped[str] = mapped_column(sa.String(63), unique=True)
    timezone: Mapped[str] = mapped_column(sa.String(64), default="Europe/Madrid")
    locale: Mapped[str] = mapped_column(sa.String(8), default="en")
    currency: Mapped[str] = mapped_column(sa.String(3), default="EUR")
    assignment_rule: Mapped[AssignmentRule] = mapped_column(
        str_enum(AssignmentRule, "assignment_rule"), default=AssignmentRule.MANUAL
    )
    # the agent the round-robin rule chose last; the next lead goes to the next one in id order
    round_robin_agent_id: Mapped[int | None]
    agents_see_unassigned: Mapped[bool] = mapped_column(default=False)
    default_visit_minutes: Mapped[int] = mapped_column(default=45)
    settings: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    # raised whenever a plugin is enabled, disabled or configured, so every process
    # notices on its next request and rebuilds its hook callers for this agency
    plugins_version: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Agency {self.slug}>"
