"""A prospect changing hands: the one step every reassignment takes, recorded and announced."""

from __future__ import annotations

from typing import Any

from ..models import ActivityKind, Prospect, User
from . import activity
from .transaction import announce


def hand_over(actor: User, prospect: Prospect, agent: User | None, **details: Any) -> None:
    """Give ``prospect`` to ``agent`` (an active user of the agency, already checked; None: the
    unassigned pool), record it on the timeline (``details`` join the entry's data) and announce
    it. The caller commits."""
    previous = prospect.assigned_agent
    prospect.assigned_agent = agent
    activity.record(
        ActivityKind.ASSIGNED,
        actor,
        prospect=prospect,
        data={"agent_id": agent.id if agent else None, "agent_name": agent.name if agent else None,
              "previous_agent_id": previous.id if previous else None, **details},
    )
    announce("crm_prospect_assigned", actor.agency, actor=actor, prospect=prospect, agent=agent,
             previous_agent=previous)
