"""Availability: whether an agent and a property are free in an interval, the one rule booking,
rescheduling, reassignment and the calendar's free slots all ask.

An agent is taken by their non-cancelled visits and by the busy time plugins report
(``crm_busy_intervals``); a property by its non-cancelled visits. A ``Schedule`` loads that
time once for a range and then answers any interval inside it, so a page asks the plugins once
per agent, not once per slot. Whatever is in the way comes back as a ``Clash``, one shape for
every refusal: ``describe`` for people, ``as_json`` for an API error's details.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from .. import plugin_host
from ..dates import clock, when
from ..errors import Conflict
from ..extensions import db
from ..models import User, Visit, VisitStatus
from ..policy import Action, can


@dataclass(frozen=True)
class Busy:
    """Time a plugin reports the agent busy (an outside calendar), with its label."""

    starts_at: datetime
    ends_at: datetime
    label: str

    def as_json(self) -> dict[str, Any]:
        """The interval for an API error's details."""
        return {"starts_at": self.starts_at.isoformat(), "ends_at": self.ends_at.isoformat(),
                "label": self.label}


@dataclass(frozen=True)
class Clash:
    """What takes the time asked for: another visit of the agent (``reason`` "agent") or of the
    property ("property"), or the agent's busy time from a plugin ("busy").

    ``moving`` is the existing visit that was to take the time (a reassignment), None for a new
    booking or a reschedule, whose request already says which time it wanted.
    """

    reason: str
    agent: User
    visit: Visit | None = None
    busy: Busy | None = None
    moving: Visit | None = None

    def describe(self, viewer: User) -> str:
        """The clash in the reader's language; another visit's prospect is named only when
        ``viewer`` may see them."""
        if self.moving is not None:
            return self._describe_move()
        if self.busy is not None:
            return _("%(agent)s is busy then (%(label)s, %(when)s–%(end)s).", agent=self.agent.name,
                     label=self.busy.label, when=when(self.busy.starts_at, "short"),
                     end=clock(self.busy.ends_at, "short"))
        other = self.visit
        assert other is not None
        start, end = when(other.starts_at, "short"), clock(other.ends_at, "short")
        if can(viewer, Action.VIEW, other.prospect):
            return _("Clashes with the visit of %(prospect)s on %(when)s–%(end)s (%(ref)s, %(agent)s).",
                     prospect=other.prospect.full_name, when=start, end=end,
                     ref=other.property.reference, agent=other.agent.name)
        return _("Clashes with another visit on %(when)s–%(end)s (%(ref)s, %(agent)s).",
                 when=start, end=end, ref=other.property.reference, agent=other.agent.name)

    def _describe_move(self) -> str:
        moving = self.moving
        assert moving is not None
        visit = _("%(prospect)s at %(ref)s on %(when)s", prospect=moving.prospect.full_name,
                  ref=moving.property.reference, when=when(moving.starts_at, "short"))
        if self.visit is not None:
            return _("%(visit)s overlaps %(agent)s's visit at %(ref)s, %(when)s–%(end)s.",
                     visit=visit, agent=self.agent.name, ref=self.visit.property.reference,
                     when=when(self.visit.starts_at, "short"), end=clock(self.visit.ends_at, "short"))
        assert self.busy is not None
        return _("%(visit)s overlaps time %(agent)s is busy (%(label)s, %(when)s–%(end)s).",
                 visit=visit, agent=self.agent.name, label=self.busy.label,
                 when=when(self.busy.starts_at, "short"), end=clock(self.busy.ends_at, "short"))

    def as_json(self, viewer: User) -> dict[str, Any]:
        """The clash for an API error's details: ``clash`` (the reason), ``clashing_visit_id`` and
        ``clashing_visit`` or ``busy`` (the other one None), ``message``; for a reassignment also
        the moving visit (``visit_id``, ``prospect_id``, ``property_id``, ``starts_at``, ``ends_at``)."""
        other = self.visit
        shown: dict[str, Any] = {
            "clash": self.reason,
            "clashing_visit_id": other.id if other is not None else None,
            "clashing_visit": None if other is None else {
                "id": other.id,
                "agent_id": other.agent_id,
                "property_id": other.property_id,
                "prospect_id": other.prospect_id,
                "starts_at": other.starts_at.isoformat(),
                "ends_at": other.ends_at.isoformat(),
                "status": other.status.value,
            },
            "busy": self.busy.as_json() if self.busy is not None else None,
            "message": self.describe(viewer),
        }
        if self.moving is not None:
            shown.update(visit_id=self.moving.id, prospect_id=self.moving.prospect_id,
                         property_id=self.moving.property_id, starts_at=self.moving.starts_at.isoformat(),
                         ends_at=self.moving.ends_at.isoformat())
        return shown


def _overlaps(start: datetime, end: datetime, other_start: datetime, other_end: datetime) -> bool:
    return start < other_end and other_start < end


@dataclass
class Schedule:
    """The time an agent (and optionally a property) is taken over a range: their non-cancelled
    visits and the agent's busy time, loaded once; ask ``clashes`` for any interval inside it."""

    agent: User
    property_id: int | None = None
    visits: list[Visit] = field(default_factory=list)
    busy: list[Busy] = field(default_factory=list)

    def clashes(self, starts_at: datetime, ends_at: datetime, exclude: Collection[int] = ()) -> list[Clash]:
        """What is in the way of ``[starts_at, ends_at)``: visits first (by start), then busy time;
        visits whose ids are in ``exclude`` (the one being moved) do not count."""
        found = [
            Clash(self._reason(visit), self.agent, visit=visit)
            for visit in self.visits
            if visit.id not in exclude and _overlaps(starts_at, ends_at, visit.starts_at, visit.ends_at)
        ]
        found += [Clash("busy", self.agent, busy=busy) for busy in self.busy
                  if _overlaps(starts_at, ends_at, busy.starts_at, busy.ends_at)]
        return found

    def _reason(self, visit: Visit) -> str:
        theirs = visit.agent_id == self.agent.id
        return "property" if not theirs and visit.property_id == self.property_id else "agent"

    def is_free(self, starts_at: datetime, ends_at: datetime) -> bool:
        """Whether nothing takes any of ``[starts_at, ends_at)``."""
        return not self.clashes(starts_at, ends_at)

    def take(self, visit: Visit) -> None:
        """Count ``visit`` as the agent's from now on (a visit moving to them with others)."""
        self.visits.append(visit)


def busy_time(agent: User, starts_at: datetime, ends_at: datetime) -> list[Busy]:
    """The agent's busy time overlapping ``[starts_at, ends_at)`` from the plugins enabled in
    their agency, in one call of ``crm_busy_intervals``, by start."""
    reported = plugin_host.get_host().call(
        agent.agency, "crm_busy_intervals", agent=agent, starts_at=starts_at, ends_at=ends_at
    )
    found = [Busy(start, end, label) for start, end, label in reported
             if _overlaps(starts_at, ends_at, start, end)]
    return sorted(found, key=lambda busy: busy.starts_at)


def _visits(starts_at: datetime, ends_at: datetime, agent_ids: Iterable[int],
            property_id: int | None) -> list[Visit]:
    taken = Visit.agent_id.in_(list(agent_ids))
    stmt = (
        select(Visit)
        .where(Visit.status != VisitStatus.CANCELLED, Visit.starts_at < ends_at, Visit.ends_at > starts_at,
               taken if property_id is None else or_(taken, Visit.property_id == property_id))
        .options(selectinload(Visit.property), selectinload(Visit.prospect), selectinload(Visit.agent))
        .order_by(Visit.starts_at, Visit.id)
    )
    return list(db.session.scalars(stmt))


def schedule(agent: User, starts_at: datetime, ends_at: datetime, property_id: int | None = None) -> Schedule:
    """The agent's (and the property's) taken time over ``[starts_at, ends_at)``."""
    return Schedule(agent, property_id, _visits(starts_at, ends_at, [agent.id], property_id),
                    busy_time(agent, starts_at, ends_at))


def schedules(agents: Iterable[User], starts_at: datetime, ends_at: datetime,
              visits: Iterable[Visit] | None = None) -> dict[int, Schedule]:
    """Each agent's taken time over ``[starts_at, ends_at)``, by agent id: one query for all their
    visits (none when the caller has them already: ``visits``, the non-cancelled ones over the
    range), one plugin call per agent."""
    by_id = {agent.id: Schedule(agent, busy=busy_time(agent, starts_at, ends_at)) for agent in agents}
    for visit in _visits(starts_at, ends_at, by_id, None) if visits is None else visits:
        if visit.agent_id in by_id:
            by_id[visit.agent_id].visits.append(visit)
    return by_id


def clashes(starts_at: datetime, ends_at: datetime, *, agent: User, property_id: int | None = None,
            exclude: Collection[int] = ()) -> list[Clash]:
    """What stops ``agent`` (and the property) from taking ``[starts_at, ends_at)``, the visits in
    ``exclude`` left out."""
    return schedule(agent, starts_at, ends_at, property_id).clashes(starts_at, ends_at, exclude)


def refusal(viewer: User, clash: Clash) -> Conflict:
    """The 409 for a booking or a reschedule ``clash`` stands in the way of: the message on
    ``starts_at``, the clash's fields, and ``clashes`` listing it as a reassignment's do."""
    message = clash.describe(viewer)
    shown = clash.as_json(viewer)
    details = {key: value for key, value in shown.items() if key != "message" and value is not None}
    return Conflict(message, {"starts_at": message, **details, "clashes": [shown]})


def ensure_free(viewer: User, starts_at: datetime, ends_at: datetime, *, agent: User,
                property_id: int | None = None, exclude: Collection[int] = ()) -> None:
    """Raise ``refusal`` for the first clash in ``[starts_at, ends_at)``, if there is one."""
    found = clashes(starts_at, ends_at, agent=agent, property_id=property_id, exclude=exclude)
    if found:
        raise refusal(viewer, found[0])
