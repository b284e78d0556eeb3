"""Request and response shapes of visits."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from flask_babel import gettext as _
from pydantic import BeforeValidator, Field

from ..models import VisitStatus
from .common import Id, InputModel, Instant, OutputModel, blank_none, text


def _not_a_bool(value: Any) -> Any:
    # JSON true would otherwise pass as the number 1
    if isinstance(value, bool):
        raise ValueError(_("expected a whole number, not true/false"))
    return value


Rating = Annotated[int, BeforeValidator(_not_a_bool), Field(ge=1, le=5, description="1–5")]
Minutes = Annotated[int, BeforeValidator(_not_a_bool), Field(ge=1, le=24 * 60)]


class VisitCreate(InputModel):
    property_id: Id
    prospect_id: Id
    agent_id: Id | None = None
    starts_at: Instant
    ends_at: Instant | None = None
    duration_minutes: Minutes | None = None
    status: VisitStatus = VisitStatus.SCHEDULED
    feedback: blank_none(text(5000)) = None
    rating: Rating | None = None


class VisitUpdate(InputModel):
    """Reschedule (times, agent), move along the lifecycle (status), or record the outcome."""

    starts_at: Instant = None  # type: ignore[assignment]
    ends_at: Instant = None  # type: ignore[assignment]
    duration_minutes: Minutes = None  # type: ignore[assignment]
    agent_id: Id = None  # type: ignore[assignment]
    status: VisitStatus = None  # type: ignore[assignment]
    cancel_reason: blank_none(text(500)) = None
    feedback: blank_none(text(5000)) = None
    rating: Rating | None = None


class PropertyRef(OutputModel):
    """The property a visit is of, as a list shows it."""

    id: int
    reference: str
    title: str


class ProspectRef(OutputModel):
    """The prospect a visit is with, as a list shows them."""

    id: int
    name: str = Field(validation_alias="full_name")


class AgentRef(OutputModel):
    """The agent who shows the property."""

    id: int
    name: str


class VisitOut(OutputModel):
    """A visit, with short summaries of its property, prospect and agent (load them eagerly)."""

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
    property: PropertyRef
    prospect: ProspectRef
    agent: AgentRef
