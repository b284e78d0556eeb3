"""The plugin's tables: the agency's enquiry forms and what visitors sent through them."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from realty_crm.plugin_api import Prospect, TenantMixin, TimestampMixin, UTCDateTime, db, str_enum, utcnow
from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship


class EnquiryForm(TenantMixin, TimestampMixin, db.Model):
    """A public enquiry form of one agency, served at ``/f/<agency slug>/<slug>``.

    ``fields`` lists the chosen fields in display order, each ``{"name", "required"}``
    (names from ``fields.CATALOGUE``); the first name is always asked."""

    __tablename__ = "marketing_forms"
    __table_args__ = (sa.UniqueConstraint("agency_id", "slug", name="uq_marketing_forms_agency_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(60))
    name: Mapped[str] = mapped_column(sa.String(120))
    intro: Mapped[str] = mapped_column(sa.Text, default="")
    fields: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    consent_text: Mapped[str] = mapped_column(sa.Text, default="")
    thank_you_message: Mapped[str] = mapped_column(sa.Text, default="")
    redirect_url: Mapped[str] = mapped_column(sa.String(500), default="")
    active: Mapped[bool] = mapped_column(default=True)
    spam_blocked: Mapped[int] = mapped_column(default=0)


class SubmissionStatus(enum.StrEnum):
    """Where a submission stands: kept as received, then turned into (or merged with) a prospect."""

    PENDING = "pending"
    PROCESSED = "processed"
    FAILED = "failed"


class FormSubmission(TenantMixin, db.Model):
    """One enquiry as received (committed before the visitor is thanked), then processed."""

    __tablename__ = "marketing_form_submissions"
    __table_args__ = (
        sa.Index("ix_marketing_form_submissions_queue", "agency_id", "status", "id"),
        sa.Index("ix_marketing_form_submissions_form", "agency_id", "form_id", "received_at"),
        # one submission per form page: a replayed token stores nothing (older rows hold NULL)
        sa.Index("uq_marketing_form_submissions_token", "form_id", "token_nonce", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("marketing_forms.id", ondelete="CASCADE"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # the random part of the page's token it was sent with (None: sent before tokens had one)
    token_nonce: Mapped[str | None] = mapped_column(sa.String(32))
    status: Mapped[SubmissionStatus] = mapped_column(
        str_enum(SubmissionStatus, "submission_status"), default=SubmissionStatus.PENDING
    )
    # the prospect's fields as sent (ProspectCreate input), and the enquiry's own facts
    prospect_data: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    message: Mapped[str] = mapped_column(sa.Text, default="")
    property_reference: Mapped[str] = mapped_column(sa.String(40), default="")
    utm_source: Mapped[str] = mapped_column(sa.String(200), default="")
    utm_medium: Mapped[str] = mapped_column(sa.String(200), default="")
    utm_campaign: Mapped[str] = mapped_column(sa.String(200), default="")
    utm_term: Mapped[str] = mapped_column(sa.String(200), default="")
    utm_content: Mapped[str] = mapped_column(sa.String(200), default="")
    prospect_id: Mapped[int | None] = mapped_column(ForeignKey("prospects.id", ondelete="SET NULL"))
    created_prospect: Mapped[bool] = mapped_column(default=False)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str] = mapped_column(sa.Text, default="")

    form: Mapped[EnquiryForm] = relationship()
    prospect: Mapped[Prospect | None] = relationship()
