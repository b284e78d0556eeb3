"""Request and response shapes of the bulk reassignment of prospects."""

from __future__ import annotations

from pydantic import BaseModel, Field

from .common import Id, InputModel

# prospects one reassignment may move (a list page shows at most 200)
MAX_PROSPECTS = 500


class ReassignIn(InputModel):
    """Prospects to give to ``agent_id`` (null: back to the unassigned pool), together with their
    future visits and open follow-ups unless told otherwise."""

    prospect_ids: list[Id] = Field(min_length=1, max_length=MAX_PROSPECTS)
    agent_id: Id | None
    move_visits: bool = Field(default=True, description="Move their future visits to the agent")
    move_follow_ups: bool = Field(default=True, description="Hand their open follow-ups to the agent")


class ReassignOut(BaseModel):
    """What a reassignment changed."""

    agent_id: int | None
    prospect_ids: list[int] = Field(description="The prospects sent, each now held by the agent")
    reassigned: int = Field(description="Prospects whose agent changed")
    unchanged: int = Field(description="Prospects the agent already held (left as they were)")
    visits_moved: int
    follow_ups_moved: int
