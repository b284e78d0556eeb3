"""The calendar: a day or a week of visits on a grid of half-hour slots, for one agent or (managers
and admins) the whole team side by side, with each free slot one click away from a booking.

The grid is laid out in wall-clock time of the user's zone: a slot is "10:00" on its day whatever
the offset, so days when the clocks change line up with the others. Busy and free are decided on
the real (UTC) intervals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from babel.dates import format_interval, format_skeleton
from babel.dates import format_time as babel_time
from flask import Blueprint, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload
from wtforms import SelectField

from .. import tenancy
from ..collation import collated
from ..dates import EARLIEST, day_message, to_zone
from ..errors import Forbidden
from ..extensions import db
from ..models import Role, User, Visit, VisitStatus, utcnow
from ..policy import is_staff
from ..services import availability
from ..services.availability import Schedule
from ..services.visits import MAX_AHEAD
from .common import actor, guard
from .forms import DayField, SearchForm, choices, local_now, plausible_day, user_zone

blueprint = Blueprint("calendar", __name__, url_prefix="/calendar")
guard(blueprint)

# working hours, in the user's wall-clock time; visits outside them widen the grid
WORK_START = 9 * 60
WORK_END = 20 * 60
SLOT_MINUTES = 30
DAY_MINUTES = 24 * 60
# grid row 1 holds the column headings
FIRST_ROW = 2
VIEWS = ("day", "week")
TEAM = "all"


class CalendarForm(SearchForm):
    date = DayField(_l("Go to"))
    agent = SelectField(_l("Calendar of"))


@dataclass
class Slot:
    """A half-hour of one column: free (bookable), busy, past, or outside working hours."""

    row: int
    label: str
    state: str
    book_url: str | None = None


@dataclass
class Block:
    """A visit placed on the grid: from ``row``, ``span`` rows tall."""

    visit: Visit
    row: int
    span: int


@dataclass
class Column:
    """One day of one agent."""

    day: date
    agent: User
    heading: str
    today: bool
    slots: list[Slot] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)

    @property
    def free(self) -> int:
        return sum(1 for slot in self.slots if slot.state == "free")


def _midnight(day: date) -> datetime:
    """The start of ``day`` in the user's zone, as UTC (days of 23 or 25 hours included)."""
    return datetime.combine(day, time(0), tzinfo=user_zone()).astimezone(UTC)


def _wall_minutes(moment: datetime, day: date) -> int:
    """Minutes from the start of ``day`` on the wall clock, clipped to that day."""
    local = to_zone(moment, user_zone())
    if local is None:  # a stored time beyond the calendar's ends
        return 0 if moment < EARLIEST else DAY_MINUTES
    if local.date() < day:
        return 0
    if local.date() > day:
        return DAY_MINUTES
    return local.hour * 60 + local.minute


def _floor(minutes: int) -> int:
    return minutes - minutes % SLOT_MINUTES


def _ceil(minutes: int) -> int:
    return min(DAY_MINUTES, -(-minutes // SLOT_MINUTES) * SLOT_MINUTES)


def _slot_start(day: date, minutes: int) -> datetime | None:
    """The real start of the slot at wall-clock ``minutes`` of ``day``, or None when the clocks skip it."""
    zone = user_zone()
    local = datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=zone)
    as_utc = local.astimezone(UTC)
    if as_utc.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        return None
    return as_utc


def _clock(minutes: int) -> str:
    return babel_time(time(minutes // 60, minutes % 60), "short", locale=get_locale())


@dataclass
class Booking:
    """What makes a slot of an agent bookable: their taken time, whether a visit may be booked
    for them at all, the length the booking form proposes, and the moments before and after
    which no visit starts."""

    taken: Schedule
    bookable: bool
    length: timedelta
    now: datetime
    latest: datetime

    def state(self, starts_at: datetime) -> str:
        """The slot starting then: busy (something takes part of it), past, free (a visit of the
        proposed length fits, as the booking service will agree), or busy (it does not fit)."""
        ends_at = starts_at + timedelta(minutes=SLOT_MINUTES)
        if not self.taken.is_free(starts_at, ends_at):
            return "busy"
        if starts_at <= self.now:
            return "past"
        if not self.bookable or starts_at > self.latest:
            return "off"
        return "free" if self.taken.is_free(starts_at, starts_at + self.length) else "busy"


def _fill(column: Column, visits: list[Visit], first: int, last: int, booking: Booking) -> None:
    """Place ``visits`` (the column's, not cancelled) and work out the state of every slot."""
    for visit in visits:
        start = _floor(_wall_minutes(visit.starts_at, column.day))
        end = max(start + SLOT_MINUTES, _ceil(_wall_minutes(visit.ends_at, column.day)))
        column.blocks.append(
            Block(visit, FIRST_ROW + (start - first) // SLOT_MINUTES, (end - start) // SLOT_MINUTES)
        )
    for minutes in range(first, last, SLOT_MINUTES):
        starts_at = _slot_start(column.day, minutes)
        slot = Slot(FIRST_ROW + (minutes - first) // SLOT_MINUTES, _clock(minutes), "off")
        if starts_at is not None and WORK_START <= minutes < WORK_END:
            slot.state = booking.state(starts_at)
            if slot.state == "free":
                slot.book_url = url_for(
                    "visits.new",
                    date=column.day.isoformat(),
                    time=f"{minutes // 60:02d}:{minutes % 60:02d}",
                    agent_id=column.agent.id,
                )
        column.slots.append(slot)


def _bounds(columns: list[Column], visits_of: dict[tuple[int, date], list[Visit]]) -> tuple[int, int]:
    """The wall-clock span the grid shows: working hours, widened to fit every visit."""
    first, last = WORK_START, WORK_END
    for column in columns:
        for visit in visits_of.get((column.agent.id, column.day), []):
            first = min(first, _floor(_wall_minutes(visit.starts_at, column.day)))
            last = max(last, _ceil(_wall_minutes(visit.ends_at, column.day)))
    return first, last


def _week(day: date) -> list[date]:
    """The week holding ``day``, starting on the locale's first day of the week."""
    start = day - timedelta(days=(day.weekday() - get_locale().first_week_day) % 7)
    return [start + timedelta(days=n) for n in range(7)]


def _who(user: User, raw: str | None) -> User | None:
    """The agent whose calendar is asked for; None for the whole team (staff only)."""
    if not is_staff(user):
        if raw not in (None, "", str(user.id)):
            raise Forbidden(_("You can only see your own calendar."))
        return user
    if raw in (None, "", TEAM):
        return None
    return tenancy.get_or_404(User, raw)


def _visits(start: datetime, end: datetime, agent: User | None) -> list[Visit]:
    """Visits that occupy time between ``start`` and ``end`` (cancelled ones free their slot)."""
    stmt = (
        select(Visit)
        .where(Visit.status != VisitStatus.CANCELLED, Visit.starts_at < end, Visit.ends_at > start)
        .options(selectinload(Visit.property), selectinload(Visit.prospect))
        .order_by(Visit.starts_at, Visit.id)
    )
    if agent is not None:
        stmt = stmt.where(Visit.agent_id == agent.id)
    return list(db.session.scalars(stmt))


def _team(visits: list[Visit]) -> list[User]:
    """The team's columns: active agents, and anyone else with a visit in view."""
    busy = {visit.agent_id for visit in visits}
    stmt = select(User).where(
        or_(User.role == Role.AGENT, User.id.in_(busy)), or_(User.active.is_(True), User.id.in_(busy))
    )
    return list(db.session.scalars(stmt.order_by(collated(User.name), User.id)))


def _by_agent_and_day(visits: list[Visit], days: list[date]) -> dict[tuple[int, date], list[Visit]]:
    grouped: dict[tuple[int, date], list[Visit]] = {}
    for day in days:
        start, end = _midnight(day), _midnight(day + timedelta(days=1))
        for visit in visits:
            if visit.starts_at < end and visit.ends_at > start:
                grouped.setdefault((visit.agent_id, day), []).append(visit)
    return grouped


def _bookings(agents: list[User], start: datetime, end: datetime, visits: list[Visit],
              length: timedelta) -> dict[int, Booking]:
    """Each agent's ``Booking`` over the view, ``visits`` being the non-cancelled ones from
    ``start`` to ``end`` (a visit's length past the last day): the plugins are asked once per
    agent, not per slot. Someone the user may not book for (an agent no longer active) has no
    free slots."""
    now = utcnow()
    taken = availability.schedules(agents, start, end, visits)
    return {a.id: Booking(taken[a.id], a.active, length, now, now + MAX_AHEAD) for a in agents}


def _day_heading(day: date) -> str:
    return format_skeleton("MMMEd", day, locale=get_locale())


def _date_arg(today: date) -> tuple[date, str | None]:
    """The ``date`` query argument, or today with the reason it could not be used (a list's
    filter: shown on the field, the page still answers)."""
    raw = request.args.get("date", "")
    if not raw:
        return today, None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        return today, _("Input should be a valid date in the format YYYY-MM-DD")
    if not plausible_day(day):
        return today, day_message()
    return day, None


@blueprint.get("")
def index() -> str:
    """``?view=day|week&date=YYYY-MM-DD&agent=<id>|all``: the grid, or the team's week at a glance."""
    user = actor()
    view = request.args.get("view") if request.args.get("view") in VIEWS else "day"
    today = local_now().date()
    day, date_error = _date_arg(today)
    agent = _who(user, request.args.get("agent"))
    days = [day] if view == "day" else _week(day)
    start, end = _midnight(days[0]), _midnight(days[-1] + timedelta(days=1))
    length = timedelta(minutes=user.agency.default_visit_minutes)
    # one read of the visits: those in view, and those a booking at the end of the view would meet
    visits = _visits(start, end + length, agent)
    in_view = [visit for visit in visits if visit.starts_at < end]
    agents = [agent] if agent is not None else _team(in_view)
    visits_of = _by_agent_and_day(in_view, days)
    columns = [
        Column(d, a, a.name if view == "day" else _day_heading(d), d == today)
        for a in agents
        for d in days
    ]
    first, last = _bounds(columns, visits_of)
    bookings = _bookings(agents, start, end + length, visits, length)
    for column in columns:
        booking = bookings[column.agent.id]
        _fill(column, visits_of.get((column.agent.id, column.day), []), first, last, booking)

    # agents only ever see their own calendar: their links carry no agent
    agent_arg = (TEAM if agent is None else agent.id) if is_staff(user) else None
    step = timedelta(days=1 if view == "day" else 7)

    def link(**changes: Any) -> str:
        args = {"view": view, "date": day.isoformat(), "agent": agent_arg, **changes}
        return url_for(".index", **args)

    form = CalendarForm(formdata=None, data={"date": day, "agent": str(agent_arg or TEAM)})
    if date_error:
        form.date.errors = [date_error]
    if is_staff(user):
        form.agent.choices = choices(
            [(TEAM, _("Whole team"))]
            + [(u.id, u.name) for u in db.session.scalars(
                select(User).where(User.active.is_(True)).order_by(collated(User.name), User.id))]
        )
    else:
        del form.agent
    if view == "day":
        title = format_skeleton("yMMMMEEEEd", day, locale=get_locale())
    else:
        title = format_interval(days[0], days[-1], "yMMMd", locale=get_locale())
    return render_template(
        "calendar/index.html",
        view=view,
        day=day,
        days=days,
        day_headings=[_day_heading(d) for d in days],
        agent=agent,
        agents=agents,
        columns=columns,
        matrix=view == "week" and agent is None,
        axis=[Slot(FIRST_ROW + n, _clock(m), "axis")
              for n, m in enumerate(range(first, last, SLOT_MINUTES))],
        title=title,
        form=form,
        prev_url=link(date=(day - step).isoformat()),
        next_url=link(date=(day + step).isoformat()),
        today_url=link(date=today.isoformat()),
        day_url=lambda d, a=None: link(view="day", date=d.isoformat(), **({"agent": a} if a else {})),
        week_url=link(view="week"),
        today=today,
    )
