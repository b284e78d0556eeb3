"""Request and response shapes of visits."""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, Field

from ..models import VisitStatus
from .common import Id, InputModel, OutputModel, blank_none, text


class VisitCreate(InputModel):
    property_id: Id
    prospect_id: Id
    agent_id: Id | None = None
    starts_at: AwareDatetime
    ends_at: AwareDatetime | None = None
    duration_minutes: int | None = Field(default=None, ge=1, le=24 * 60)
    status: VisitStatus = VisitStatus.SCHEDULED
    feedback: blank_none(text(5000)) = None
    rating: int | None = Field(default=None, ge=1, le=5)


class VisitUpdate(InputModel):
    """Reschedule (times, agent), move along the lifecycle (status), or record the outcome."""

    starts_at: AwareDatetime = None  # type: ignore[assignment]
    ends_at: AwareDatetime = None  # type: ignore[assignment]
    duration_minutes: int = Field(default=None, ge=1, le=24 * 60)  # type: ignore[assignment]
    agent_id: Id = None  # type: ignore[assignment]
    status: VisitStatus = None  # type: ignore[assignment]
    cancel_reason: blank_none(text(500)) = None
    feedback: blank_none(text(5000)) = None
    rating: int | None = Field(default=None, ge=1, le=5)


class VisitOut(OutputModel):
    id: int
    property_id: int
    prospect_id: int
    agent_id: int
    starts_at: datetime
    ends_at: datetime
    status: VisitStatus
    cancel_reason: str | None
    feedback: str | None
    rating: int | None
    created_at: datetime
    updated_at: datetime
