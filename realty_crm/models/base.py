"""Mixins shared by the tenant-owned models."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from .types import UTCDateTime, utcnow


class TenantMixin:
    """A record owned by one agency; queries are scoped to it by ``tenancy``."""

    @declared_attr
    def agency_id(cls) -> Mapped[int]:  # noqa: N805 - SQLAlchemy's declared_attr takes the class
        return mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), index=True)


class TimestampMixin:
    """Creation and last-change times, set by the database session."""

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class SoftDeleteMixin:
    """A record that is hidden, not removed, when deleted; a manager can restore it."""

    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @declared_attr
    def deleted_by_id(cls) -> Mapped[int | None]:  # noqa: N805
        return mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None
