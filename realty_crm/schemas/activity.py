"""Request and response shapes of calls, follow-ups and notes."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from ..models import CallDirection, CallOutcome
from .common import Id, InputModel, Instant, OutputModel, text


class CallCreate(InputModel):
    prospect_id: Id
    direction: CallDirection
    outcome: CallOutcome
    occurred_at: Instant | None = None
    duration_seconds: int = Field(default=0, ge=0, le=24 * 3600)
    summary: text(5000) = ""  # type: ignore[valid-type]
    agent_id: Id | None = None
    follow_up_at: Instant | None = None
    follow_up_title: text(200) = ""  # type: ignore[valid-type]


class CallUpdate(InputModel):
    """A correction of a logged call: only the fields sent change."""

    occurred_at: Instant = None  # type: ignore[assignment]
    direction: CallDirection = None  # type: ignore[assignment]
    outcome: CallOutcome = None  # type: ignore[assignment]
    duration_seconds: int = Field(default=None, ge=0, le=24 * 3600)  # type: ignore[assignment]
    summary: text(5000) = None  # type: ignore[valid-type,assignment]


class CallOut(OutputModel):
    id: int
    prospect_id: int
    agent_id: int
    direction: CallDirection
    occurred_at: datetime
    duration_seconds: int
    outcome: CallOutcome
    summary: str


class FollowUpCreate(InputModel):
    prospect_id: Id
    due_at: Instant
    title: text(200, 1)  # type: ignore[valid-type]
    assignee_id: Id | None = None


class FollowUpUpdate(InputModel):
    due_at: Instant = None  # type: ignore[assignment]
    title: text(200, 1) = None  # type: ignore[valid-type]
    assignee_id: Id = None  # type: ignore[assignment]
    done: bool = None  # type: ignore[assignment]


class FollowUpOut(OutputModel):
    id: int
    prospect_id: int
    assignee_id: int
    due_at: datetime
    title: str
    done_at: datetime | None
    created_at: datetime


class NoteCreate(InputModel):
    body: text(10_000, 1)  # type: ignore[valid-type]
