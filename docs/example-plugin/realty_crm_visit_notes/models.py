"""The plugin's one table: a debrief an agent owes after a visit.

Its name carries the plugin's prefix (``visit_notes_``), and it is created by the plugin's
own Alembic branch (``migrations/versions``), never by ``create_all``. ``TenantMixin`` gives
it an ``agency_id``, so realty-crm scopes every query on it to the current agency.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from realty_crm.plugin_api import Call, Prospect, TenantMixin, User, UTCDateTime, Visit, db, utcnow
from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

RESOLVED_BY_FEEDBACK = "feedback"
RESOLVED_BY_CALL = "call"
RESOLVED_BY_EXPIRY = "expired"


class VisitDebrief(TenantMixin, db.Model):
    """A visit done without (enough) feedback: its agent owes a debrief until they write it,
    until someone has an answered call with the prospect after the visit, or until the nightly
    job gives up on it."""

    __tablename__ = "visit_notes_debriefs"
    __table_args__ = (
        sa.UniqueConstraint("visit_id", name="uq_visit_notes_debriefs_visit_id"),
        sa.Index("ix_visit_notes_debriefs_open", "agency_id", "resolved_at"),
        sa.Index("ix_visit_notes_debriefs_prospect", "prospect_id", "resolved_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"))
    agent_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    prospect_id: Mapped[int] = mapped_column(ForeignKey("prospects.id", ondelete="CASCADE"))
    owed_since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # RESOLVED_BY_FEEDBACK, RESOLVED_BY_CALL or RESOLVED_BY_EXPIRY
    resolved_by: Mapped[str | None] = mapped_column(sa.String(20))
    call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id", ondelete="SET NULL"))

    visit: Mapped[Visit] = relationship()
    agent: Mapped[User] = relationship()
    prospect: Mapped[Prospect] = relationship()
    call: Mapped[Call | None] = relationship()
