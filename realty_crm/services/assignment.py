"""Automatic assignment of new leads by the agency's rule (SPEC §6).

Rules: ``manual`` leaves a new lead in the unassigned pool; ``round_robin`` gives it to the
next eligible agent after the last one chosen (in id order, wrapping round); ``least_loaded``
to the agent holding the fewest open prospects (ties: fewest leads received in the last
``RECENT`` days, then the lowest id); ``by_area`` to the least loaded of the agents whose areas
meet the prospect's, and, when no agent covers them (or the prospect names none), to the least
loaded of all: least loaded is the agency's default.

Eligible: users with the agent role (admins and managers hand out work, they do not get it
by rule), active, and not away (``away_from <= now < away_until``; an open end stretches
forever that way).

Fairness under concurrency: the choice is made with the agency row locked (``SELECT ... FOR
NO KEY UPDATE`` on PostgreSQL; SQLite's write lock, taken by ``begin_write`` before the
transaction read anything), so simultaneous leads queue and each sees the assignments of the
ones before it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, not_, or_, select

from ..database import holds_write_lock
from ..extensions import db
from ..models import ActivityKind, Agency, AssignmentRule, Prospect, Role, User, utcnow
from ..policy import Action, require
from ..schemas.agency import AgencyUpdate
from ..schemas.common import validate
from . import activity
from .transaction import announce, commit
from .workload import count_open_for

# how far back "leads received recently" looks, the tie-break between equally loaded agents
RECENT = timedelta(days=7)

RULE_NAMES = {
    AssignmentRule.MANUAL: _l("Manual"),
    AssignmentRule.ROUND_ROBIN: _l("Round robin"),
    AssignmentRule.LEAST_LOADED: _l("Least loaded"),
    AssignmentRule.BY_AREA: _l("By area"),
}
RULE_EXPLANATIONS = {
    AssignmentRule.MANUAL: _l("New leads wait in the unassigned list until a manager assigns them."),
    AssignmentRule.ROUND_ROBIN: _l("Agents take turns: each new lead goes to the next agent in line."),
    AssignmentRule.LEAST_LOADED: _l("Each new lead goes to the agent with the fewest open prospects."),
    AssignmentRule.BY_AREA: _l(
        "Each new lead goes to the least loaded agent covering one of its areas; "
        "when nobody covers them, to the least loaded agent."
    ),
}


def set_rule(actor: User, rule: str) -> Agency:
    """Change how the actor's agency hands out new leads (admins and managers: distributing
    work is theirs; the other agency settings stay the admins')."""
    require(actor, Action.ASSIGN)
    value = validate(AgencyUpdate, {"assignment_rule": rule}).assignment_rule
    agency = actor.agency
    agency.assignment_rule = value
    commit()
    return agency


def area_key(area: str) -> str:
    """An area name as the rule compares it: trimmed, case and accents folded ("Chamberí" = "chamberi")."""
    decomposed = unicodedata.normalize("NFKD", area.strip())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _area_keys(areas: Iterable[str] | None) -> set[str]:
    return {area_key(a) for a in areas or [] if a.strip()}


def eligible_agents(agency_id: int) -> list[User]:
    """The agents of the agency who may get new leads now (active, not away), in id order."""
    now = utcnow()
    away = and_(
        or_(User.away_from.is_not(None), User.away_until.is_not(None)),
        or_(User.away_from.is_(None), User.away_from <= now),
        or_(User.away_until.is_(None), User.away_until > now),
    )
    stmt = (
        select(User)
        .where(User.agency_id == agency_id, User.role == Role.AGENT, User.active.is_(True), not_(away))
        .order_by(User.id)
    )
    return list(db.session.scalars(stmt))


def _received_recently(agent_ids: list[int]) -> dict[int, int]:
    """Leads created in the last ``RECENT`` days that each agent holds, open or closed."""
    rows = db.session.execute(
        select(Prospect.assigned_agent_id, func.count())
        .where(Prospect.assigned_agent_id.in_(agent_ids), Prospect.created_at >= utcnow() - RECENT)
        .group_by(Prospect.assigned_agent_id)
    )
    return {agent_id: n for agent_id, n in rows}


def least_loaded(agents: list[User]) -> User:
    """The agent with the fewest open prospects; ties go to the fewest leads received recently,
    then to the lowest id."""
    ids = [agent.id for agent in agents]
    open_counts = count_open_for(ids)
    recent = _received_recently(ids)
    return min(agents, key=lambda a: (open_counts.get(a.id, 0), recent.get(a.id, 0), a.id))


def next_in_turn(agents: list[User], last_id: int | None) -> User:
    """The first of ``agents`` (in id order) after ``last_id``, wrapping round to the first."""
    return next((agent for agent in agents if last_id is None or agent.id > last_id), agents[0])


def _lock_agency(agency_id: int) -> Agency:
    """The agency row, locked until the transaction ends, read fresh."""
    stmt = (
        select(Agency)
        .where(Agency.id == agency_id)
        # NO KEY UPDATE: it still queues other assigners, but does not wait on (or deadlock
        # with) transactions that merely insert rows pointing at the agency
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )
    return db.session.scalars(stmt).one()


def assign_new(actor: User | None, prospect: Prospect) -> User | None:
    """Give a new, unassigned ``prospect`` to an agent by its agency's rule.

    Call it inside the transaction that creates the prospect, after ``begin_write()``
    (``create_prospect`` does both). Records the outcome on the timeline (the rule that chose,
    or why nobody was chosen) and announces ``crm_prospect_assigned``; the caller commits.
    ``actor`` is who entered the lead (None for public forms); the agency is the prospect's.
    Returns the agent chosen, or None (manual rule, no eligible agent, or already assigned).
    """
    if prospect.assigned_agent_id is not None or prospect.assigned_agent is not None:
        return None
    if not holds_write_lock():
        raise RuntimeError("assign_new needs the write transaction of begin_write()")
    if db.session.get(Agency, prospect.agency_id).assignment_rule == AssignmentRule.MANUAL:
        return None  # nothing to choose: no need to queue behind other assigners
    agency = _lock_agency(prospect.agency_id)
    rule = agency.assignment_rule
    if rule == AssignmentRule.MANUAL:
        return None
    agents = eligible_agents(agency.id)
    if not agents:
        _record_unassigned(prospect, rule)
        return None
    data: dict[str, object] = {"rule": rule.value}
    if rule == AssignmentRule.ROUND_ROBIN:
        agent = next_in_turn(agents, agency.round_robin_agent_id)
        agency.round_robin_agent_id = agent.id
    elif rule == AssignmentRule.BY_AREA:
        agent = _by_area(prospect, agents, data)
    else:
        agent = least_loaded(agents)
    prospect.assigned_agent = agent
    activity.record(
        ActivityKind.ASSIGNED,
        None,  # the rule chose, not a person: the timeline shows "System"
        prospect=prospect,
        data={**data, "agent_id": agent.id, "agent_name": agent.name, "previous_agent_id": None},
    )
    announce("crm_prospect_assigned", agency, actor=actor, prospect=prospect, agent=agent,
             previous_agent=None)
    return agent


def _by_area(prospect: Prospect, agents: list[User], data: dict[str, object]) -> User:
    """The least loaded agent covering one of the prospect's areas, else the least loaded of all;
    ``data`` (the timeline entry's) gets the areas that decided, and the fallback if taken."""
    wanted = _area_keys(prospect.areas)
    covering = [agent for agent in agents if wanted & _area_keys(agent.areas)]
    if covering:
        agent = least_loaded(covering)
        data["areas"] = [a for a in prospect.areas if area_key(a) in _area_keys(agent.areas)]
        return agent
    data.update(rule=AssignmentRule.LEAST_LOADED.value, fallback_from=AssignmentRule.BY_AREA.value,
                areas=list(prospect.areas) if wanted else [])
    return least_loaded(agents)


def _record_unassigned(prospect: Prospect, rule: AssignmentRule) -> None:
    activity.record(
        ActivityKind.ASSIGNED,
        None,
        prospect=prospect,
        data={"rule": rule.value, "agent_id": None, "previous_agent_id": None},
    )
