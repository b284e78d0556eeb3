"""Request and response shapes of prospects."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from flask_babel import gettext as _
from pydantic import Field, model_validator

from ..models import Operation, PropertyType, ProspectSource, ProspectStatus
from .common import Amount, Email, Id, InputModel, Instant, Name, OutputModel, Phone, Tag, blank_none, text


class Requirements(InputModel):
    """What the prospect is looking for; every field optional."""

    operation: Operation | None = None
    property_types: list[PropertyType] = Field(default_factory=list, max_length=10)
    min_price: blank_none(Amount) = None
    max_price: blank_none(Amount) = None
    min_bedrooms: int | None = Field(default=None, ge=0, le=50)
    min_area_m2: int | None = Field(default=None, ge=0, le=100_000)
    areas: list[text(100, 1)] = Field(default_factory=list, max_length=30)  # type: ignore[valid-type]

    @model_validator(mode="after")
    def _price_range(self) -> Requirements:
        if (
            self.min_price is not None
            and self.max_price is not None
            and self.min_price > self.max_price
        ):
            raise ValueError(_("min_price is above max_price"))
        return self


class ProspectFields(InputModel):
    """Fields shared by create and update."""

    last_name: text(100) = ""  # type: ignore[valid-type]
    email: blank_none(Email) = None
    phone: blank_none(Phone) = None
    source: ProspectSource = ProspectSource.OTHER
    source_detail: blank_none(text(200)) = None
    status: ProspectStatus = ProspectStatus.NEW
    lost_reason: blank_none(text(500)) = None
    assigned_agent_id: Id | None = None
    requirements: Requirements = Field(default_factory=Requirements)
    marketing_consent: bool = False
    tags: list[Tag] = Field(default_factory=list, max_length=30)  # type: ignore[valid-type]
    next_follow_up_at: Instant | None = None


class ProspectCreate(ProspectFields):
    first_name: Name  # type: ignore[valid-type]


class ProspectUpdate(ProspectFields):
    """A partial update: only the fields sent are changed."""

    first_name: Name = None  # type: ignore[valid-type,assignment]


class AssignIn(InputModel):
    """The prospect's new holder (null: the unassigned pool), with its future visits and open
    follow-ups unless told otherwise, as a bulk reassignment."""

    agent_id: Id | None
    move_visits: bool = Field(default=True, description="Move its future visits to the agent")
    move_follow_ups: bool = Field(default=True, description="Hand its open follow-ups to the agent")


class RequirementsOut(OutputModel):
    operation: Operation | None
    property_types: list[str]
    min_price: Decimal | None
    max_price: Decimal | None
    min_bedrooms: int | None
    min_area_m2: int | None
    areas: list[str]


class ProspectOut(OutputModel):
    id: int
    first_name: str
    last_name: str
    email: str | None
    phone: str | None
    source: ProspectSource
    source_detail: str | None
    status: ProspectStatus
    lost_reason: str | None
    assigned_agent_id: int | None
    requirements: RequirementsOut
    marketing_consent: bool
    tags: list[str]
    created_at: datetime
    updated_at: datetime
    last_contacted_at: datetime | None
    next_follow_up_at: datetime | None
    deleted_at: datetime | None


class ActivityOut(OutputModel):
    id: int
    kind: str
    occurred_at: datetime
    actor_id: int | None
    prospect_id: int | None
    property_id: int | None
    subject_id: int | None
    summary: str
    data: dict
    source: str


class TimelineEntryOut(ActivityOut):
    """One entry of a prospect's timeline: a stored entry, or an item a plugin adds."""

    id: int | None = Field(description="The stored entry's id; null for an item a plugin adds (not stored)")
    kind: str = Field(description="What the entry records; a plugin's item: the kind the plugin gives")
    summary: str = Field(description="The entry's text in the caller's language and time zone")
    source: str = Field(description='"core", or the name of the plugin that wrote or added the entry')
