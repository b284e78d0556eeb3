"""Uploaded prospect files: kept between the preview and the import, then as the import history."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import TenantMixin
from .types import UTCDateTime, str_enum, utcnow
from .user import User


class ImportStatus(enum.StrEnum):
    PREVIEWED = "previewed"
    IMPORTED = "imported"
    DISCARDED = "discarded"


class ProspectImport(TenantMixin, db.Model):
    """One CSV file of prospects: its bytes until imported, its column mapping and what came of it."""

    __tablename__ = "prospect_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(sa.String(255), default="")
    # the file as uploaded; emptied once imported or discarded
    content: Mapped[bytes] = mapped_column(sa.LargeBinary, default=b"")
    encoding: Mapped[str] = mapped_column(sa.String(20), default="utf-8")
    row_count: Mapped[int] = mapped_column(default=0)
    # CSV header → prospect field
    mapping: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    status: Mapped[ImportStatus] = mapped_column(
        str_enum(ImportStatus, "import_status"), default=ImportStatus.PREVIEWED
    )
    # counts (created, merged, skipped) and the per-row errors of the import
    summary: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User | None] = relationship()
