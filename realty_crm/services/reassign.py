"""Reassignment, of one prospect (its page, ``POST /api/v1/prospects/<id>/assign``) or many
(the bulk pages and API): prospects handed to another agent together with their future visits
and open follow-ups, in one transaction.

A moved visit must not double-book the new agent (another visit of theirs, one of the other
visits moving with it, or busy time a plugin reports): any clash refuses the whole operation
and nothing changes. ``preview`` works the same plan out without changing anything, for the
confirmation page.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace

from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..database import begin_write
from ..errors import Conflict, invalid
from ..extensions import db
from ..models import ActivityKind, FollowUp, Prospect, User, Visit, VisitStatus, utcnow
from ..policy import Action, require
from ..schemas.common import validate
from ..schemas.reassign import ReassignIn
from . import activity, availability
from .availability import Clash
from .handover import hand_over
from .people import active_user
from .transaction import announce, commit

# visits that still lie ahead and can change hands
MOVABLE = (VisitStatus.SCHEDULED, VisitStatus.CONFIRMED)


@dataclass
class Plan:
    """What a reassignment changes: every selected prospect, those whose agent changes, the visits
    that move with them and the follow-ups that get the new assignee."""

    agent: User | None
    prospects: list[Prospect]
    changing: list[Prospect]
    visits: list[Visit]
    follow_ups: list[FollowUp]
    clashes: list[Clash]

    @property
    def unchanged(self) -> list[Prospect]:
        """Selected prospects the agent already holds: left as they are."""
        changing = {p.id for p in self.changing}
        return [p for p in self.prospects if p.id not in changing]


@dataclass
class ReassignResult:
    """What ``reassign`` changed."""

    agent_id: int | None
    prospect_ids: list[int]
    reassigned: int
    unchanged: int
    visits_moved: int
    follow_ups_moved: int


def _prospects(ids: list[int], lock: bool) -> list[Prospect]:
    """The agency's prospects with these ids, in the order given; unknown ids (another agency's,
    deleted, never there) are refused together."""
    stmt = (
        select(Prospect)
        .where(Prospect.id.in_(ids))
        .options(selectinload(Prospect.assigned_agent))
        .order_by(Prospect.id)  # rows locked in one order: two reassignments cannot deadlock
    )
    if lock:
        stmt = stmt.with_for_update(of=Prospect)
    found = {p.id: p for p in db.session.scalars(stmt)}
    missing = [i for i in ids if i not in found]
    if missing:
        shown = ", ".join(str(i) for i in missing[:10]) + (" …" if len(missing) > 10 else "")
        raise invalid(
            "prospect_ids",
            ngettext("No prospect with id %(ids)s in the agency.",
                     "No prospects with ids %(ids)s in the agency.", len(missing), ids=shown),
        )
    return [found[i] for i in ids]


def _future_visits(prospect_ids: list[int], agent: User, lock: bool) -> list[Visit]:
    stmt = (
        select(Visit)
        .where(
            Visit.prospect_id.in_(prospect_ids),
            Visit.agent_id != agent.id,
            Visit.status.in_(MOVABLE),
            Visit.starts_at > utcnow(),
        )
        .options(selectinload(Visit.property), selectinload(Visit.prospect), selectinload(Visit.agent))
        .order_by(Visit.starts_at, Visit.id)
    )
    if lock:
        stmt = stmt.with_for_update(of=Visit)
    return list(db.session.scalars(stmt))


def _open_follow_ups(prospect_ids: list[int], agent: User) -> list[FollowUp]:
    stmt = (
        select(FollowUp)
        .where(FollowUp.prospect_id.in_(prospect_ids), FollowUp.assignee_id != agent.id,
               FollowUp.done_at.is_(None))
        .order_by(FollowUp.due_at, FollowUp.id)
    )
    return list(db.session.scalars(stmt))


def clashes_for(agent: User, moving: list[Visit]) -> list[Clash]:
    """The visits of ``moving`` that would double-book ``agent``: one clash per visit, against the
    agent's own non-cancelled visits, an earlier visit moving with it, or a plugin's busy time."""
    if not moving:
        return []
    taken = availability.schedule(agent, min(v.starts_at for v in moving), max(v.ends_at for v in moving))
    found: list[Clash] = []
    for visit in sorted(moving, key=lambda v: (v.starts_at, v.id)):
        in_the_way = taken.clashes(visit.starts_at, visit.ends_at)
        if in_the_way:
            found.append(replace(in_the_way[0], moving=visit))
        taken.take(visit)
    return found


def _plan(actor: User, values: ReassignIn, *, lock: bool) -> Plan:
    ids = list(dict.fromkeys(values.prospect_ids))
    agent = None if values.agent_id is None else active_user(actor, values.agent_id, "agent_id")
    selected = _prospects(ids, lock)
    changing = [p for p in selected if p.assigned_agent_id != values.agent_id]
    visits: list[Visit] = []
    follow_ups: list[FollowUp] = []
    # back to the pool: visits and follow-ups need someone, so they stay with whoever has them
    if agent is not None and changing:
        changing_ids = [p.id for p in changing]
        if values.move_visits:
            visits = _future_visits(changing_ids, agent, lock)
        if values.move_follow_ups:
            follow_ups = _open_follow_ups(changing_ids, agent)
    clashes = clashes_for(agent, visits) if agent is not None else []
    return Plan(agent, selected, changing, visits, follow_ups, clashes)


def _values(prospect_ids: Iterable[int], agent_id: int | None, move_visits: bool,
            move_follow_ups: bool) -> ReassignIn:
    data = {"prospect_ids": prospect_ids, "agent_id": agent_id, "move_visits": move_visits,
            "move_follow_ups": move_follow_ups}
    return validate(ReassignIn, data)


def preview(
    actor: User,
    prospect_ids: Iterable[int],
    agent_id: int | None,
    *,
    move_visits: bool = True,
    move_follow_ups: bool = True,
) -> Plan:
    """What ``reassign`` with the same arguments would change, clashes included; changes nothing."""
    require(actor, Action.ASSIGN)
    return _plan(actor, _values(prospect_ids, agent_id, move_visits, move_follow_ups), lock=False)


def _clash_conflict(actor: User, plan: Plan) -> Conflict:
    agent = plan.agent
    assert agent is not None
    message = ngettext(
        "%(num)s visit would double-book %(name)s; nothing was changed.",
        "%(num)s visits would double-book %(name)s; nothing was changed.",
        len(plan.clashes), name=agent.name,
    )
    return Conflict(message, {"agent_id": message, "clashes": [c.as_json(actor) for c in plan.clashes]})


def _record_visit_move(actor: User, visit: Visit, previous: User, agent: User) -> None:
    data = {"event": "reassigned", "visit_id": visit.id, "agent_id": agent.id, "agent_name": agent.name,
            "previous_agent_id": previous.id, "reference": visit.property.reference,
            "starts_at": visit.starts_at.isoformat()}
    activity.record(ActivityKind.VISIT, actor, prospect=visit.prospect, subject_id=visit.id, data=data)
    activity.record(ActivityKind.VISIT, actor, property=visit.property, subject_id=visit.id, data=data)


def reassign(
    actor: User,
    prospect_ids: Iterable[int],
    agent_id: int | None,
    *,
    move_visits: bool = True,
    move_follow_ups: bool = True,
) -> ReassignResult:
    """Give the prospects to ``agent_id`` (None: back to the unassigned pool) with their future
    visits and open follow-ups; all or nothing.

    Prospects the agent already holds are left as they are. Unknown ids and an inactive or
    unknown agent are refused (422); a moved visit that would double-book the agent refuses the
    whole operation (409, ``details["clashes"]`` lists them).
    """
    require(actor, Action.ASSIGN)
    values = _values(prospect_ids, agent_id, move_visits, move_follow_ups)
    begin_write()
    result = _apply(actor, values)
    try:
        commit()
    except Conflict:
        # PostgreSQL's exclusion constraint: a booking committed meanwhile took the slot
        again = _plan(actor, values, lock=False)
        if again.clashes:
            raise _clash_conflict(actor, again) from None
        raise
    return result


def apply(
    actor: User,
    prospect_ids: Iterable[int],
    agent_id: int | None,
    *,
    move_visits: bool = True,
    move_follow_ups: bool = True,
) -> ReassignResult:
    """``reassign`` inside the caller's write transaction (``begin_write`` or ``hold`` taken),
    which commits; the same refusals, raised before anything changes."""
    require(actor, Action.ASSIGN)
    return _apply(actor, _values(prospect_ids, agent_id, move_visits, move_follow_ups))


def _apply(actor: User, values: ReassignIn) -> ReassignResult:
    plan = _plan(actor, values, lock=True)
    if plan.clashes:
        raise _clash_conflict(actor, plan)
    agent = plan.agent
    visits_of = Counter(v.prospect_id for v in plan.visits)
    follow_ups_of = Counter(f.prospect_id for f in plan.follow_ups)
    for prospect in plan.changing:
        hand_over(actor, prospect, agent, bulk=len(plan.prospects) > 1, visits_moved=visits_of[prospect.id],
                  follow_ups_moved=follow_ups_of[prospect.id])
    if agent is not None:  # back to the pool, nothing else moves
        for visit in plan.visits:
            previous = visit.agent
            visit.agent = agent
            visit.sequence += 1  # calendars see the change
            _record_visit_move(actor, visit, previous, agent)
            announce("crm_visit_rescheduled", actor.agency, actor=actor, visit=visit,
                     old_starts_at=visit.starts_at)
        for follow_up in plan.follow_ups:
            follow_up.assignee = agent
    return ReassignResult(
        agent_id=values.agent_id,
        prospect_ids=[p.id for p in plan.prospects],
        reassigned=len(plan.changing),
        unchanged=len(plan.unchanged),
        visits_moved=len(plan.visits),
        follow_ups_moved=len(plan.follow_ups),
    )
