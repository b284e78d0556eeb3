"""Shapes of the reports: the filters they take and the figures they answer (web, API, downloads)."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from flask_babel import gettext as _
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from ..models import ProspectSource, ProspectStatus
from .common import Day, Id


class ReportQuery(BaseModel):
    """The filters every report takes; blank parameters count as absent, unknown ones are ignored."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    from_: Day | None = Field(
        default=None, alias="from",
        description="First day (YYYY-MM-DD, in the agency's time zone); default: 89 days before 'to'",
    )
    to: Day | None = Field(default=None, description="Last day, included (YYYY-MM-DD); default: today")
    agent_id: Id | None = Field(
        default=None, description="Only this agent's figures (ignored for an agent: always their own)"
    )

    @field_validator("from_", "to", "agent_id", mode="before")
    @classmethod
    def _blank_means_absent(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("to")
    @classmethod
    def _not_before_from(cls, value: date | None, info: ValidationInfo) -> date | None:
        start = info.data.get("from_")
        if value is not None and start is not None and value < start:
            raise ValueError(_("'to' is before 'from'"))
        return value


class FiltersOut(BaseModel):
    """The filters a report was computed with, defaults filled in."""

    model_config = ConfigDict(populate_by_name=True)

    from_: date = Field(alias="from")
    to: date
    agent_id: int | None
    timezone: str


class StageRow(BaseModel):
    """One stage of the pipeline, from the prospects created in the period."""

    stage: ProspectStatus
    prospects: int = Field(description="Prospects whose status is this stage now")
    reached: int = Field(description="Prospects at this stage or past it (lost ones: as far as they got)")
    conversion: float | None = Field(description="Percentage of the previous stage's 'reached' that got here")
    lost_after: int = Field(description="Lost prospects whose furthest stage was this one")


class PipelineTotals(BaseModel):
    prospects: int
    won: int
    lost: int
    win_rate: float | None = Field(description="Won as a percentage of all prospects")


class PipelineReport(BaseModel):
    report: Literal["pipeline"] = "pipeline"
    filters: FiltersOut
    items: list[StageRow]
    totals: PipelineTotals


class SourceRow(BaseModel):
    """Prospects created in the period from one source."""

    source: ProspectSource
    prospects: int
    with_visit: int = Field(description="Of them, prospects with at least one visit that was not cancelled")
    won: int
    conversion: float | None = Field(description="Won as a percentage of prospects")


class SourceTotals(BaseModel):
    prospects: int
    with_visit: int
    won: int
    conversion: float | None


class SourcesReport(BaseModel):
    report: Literal["sources"] = "sources"
    filters: FiltersOut
    items: list[SourceRow]
    totals: SourceTotals


class AgentRow(BaseModel):
    """One agent's figures in the period."""

    agent_id: int
    name: str
    leads: int = Field(description="Prospects created in the period and assigned to the agent")
    calls: int = Field(description="Calls the agent logged in the period")
    visits_done: int
    visits: int = Field(description="Visits of the agent starting in the period, cancelled ones left out")
    wins: int = Field(description="Of the agent's leads of the period, those won")
    contacted: int = Field(description="Of the agent's leads, those contacted (the speed to lead's sample)")
    median_speed_to_lead: int | None = Field(
        description="Median seconds from a lead's creation to its first answered call"
    )


class AgentTotals(BaseModel):
    leads: int
    calls: int
    visits_done: int
    visits: int
    wins: int
    contacted: int
    median_speed_to_lead: int | None


class AgentsReport(BaseModel):
    report: Literal["agents"] = "agents"
    filters: FiltersOut
    items: list[AgentRow]
    totals: AgentTotals


class PropertyRow(BaseModel):
    """Visits of one property starting in the period, cancelled ones left out."""

    property_id: int
    reference: str
    title: str
    visits_done: int
    visits: int
    average_rating: float | None = Field(description="Mean interest (1-5) given after the done visits")
    ratings: int = Field(description="Done visits that were rated")


class PropertyTotals(BaseModel):
    properties: int
    visits_done: int
    visits: int
    average_rating: float | None
    ratings: int


class PropertiesReport(BaseModel):
    report: Literal["properties"] = "properties"
    filters: FiltersOut
    items: list[PropertyRow]
    totals: PropertyTotals


# any one of the reports (``report`` names which)
Report = PipelineReport | SourcesReport | AgentsReport | PropertiesReport
