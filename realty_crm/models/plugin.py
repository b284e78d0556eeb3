"""Plugin state per agency: enabled or not, settings, and the errors plugins raised."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import TenantMixin
from .types import UTCDateTime, utcnow


class AgencyPlugin(TenantMixin, db.Model):
    """Whether a plugin is enabled in an agency, and its validated settings there."""

    __tablename__ = "agency_plugins"
    __table_args__ = (sa.UniqueConstraint("agency_id", "name", name="uq_agency_plugins_agency_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    enabled: Mapped[bool] = mapped_column(default=False)
    settings: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class PluginError(TenantMixin, db.Model):
    """An exception a plugin raised in a hook or a job, shown to the agency's admin."""

    __tablename__ = "plugin_errors"
    __table_args__ = (sa.Index("ix_plugin_errors_agency_plugin", "agency_id", "plugin", "occurred_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plugin: Mapped[str] = mapped_column(sa.String(100))
    hook: Mapped[str] = mapped_column(sa.String(100))
    message: Mapped[str] = mapped_column(sa.Text)
    details: Mapped[str] = mapped_column(sa.Text, default="")
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
