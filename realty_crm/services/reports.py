"""Read side: the manager's reports of SPEC §6 (pipeline, lead sources, agents, properties).

Each report is a few grouped SQL queries over the agency's rows of the period (never a query
per row), so it stays fast at tens of thousands of prospects. The period is a range of days
in the agency's time zone. Prospect figures follow the *cohort* of prospects created in the
period (their status now); calls and visits count when they happened. Soft-deleted prospects,
and the calls and visits of those prospects, are left out everywhere. An agent always gets
their own figures only, whatever agent they ask for.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Float, Select, and_, case, exists, func, null, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from ..collation import collated
from ..dates import FIRST_DAY
from ..errors import NotFound, invalid
from ..extensions import db
from ..models import (
    Activity,
    ActivityKind,
    Call,
    Property,
    Prospect,
    ProspectSource,
    ProspectStatus,
    Role,
    User,
    Visit,
    VisitStatus,
    utcnow,
)
from ..policy import Action, can, require
from ..schemas.common import validate
from ..schemas.report import (
    AgentRow,
    AgentsReport,
    AgentTotals,
    FiltersOut,
    PipelineReport,
    PipelineTotals,
    PropertiesReport,
    PropertyRow,
    PropertyTotals,
    Report,
    ReportQuery,
    SourceRow,
    SourcesReport,
    SourceTotals,
    StageRow,
)
from ..tenancy import INCLUDE_DELETED

# the stages of the pipeline in the order a prospect moves through them ("lost" stands apart)
PIPELINE = (
    ProspectStatus.NEW,
    ProspectStatus.CONTACTED,
    ProspectStatus.QUALIFIED,
    ProspectStatus.VISITING,
    ProspectStatus.OFFER,
    ProspectStatus.WON,
)
DEFAULT_DAYS = 90


@dataclass(frozen=True)
class ReportFilters:
    """A period of whole days in ``timezone`` (both ends included) and, optionally, one agent."""

    date_from: date
    date_to: date
    agent_id: int | None
    timezone: str

    @property
    def start(self) -> datetime:
        """The first instant of the period, in UTC."""
        return _midnight(self.date_from, self.timezone)

    @property
    def end(self) -> datetime:
        """The first instant after the period, in UTC (DST-correct)."""
        return _midnight(self.date_to + timedelta(days=1), self.timezone)

    def out(self) -> FiltersOut:
        return FiltersOut(
            from_=self.date_from, to=self.date_to, agent_id=self.agent_id, timezone=self.timezone
        )


def _midnight(day: date, timezone: str) -> datetime:
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def parse_filters(actor: User, data: dict[str, Any]) -> ReportFilters:
    """Validate ``from``, ``to`` and ``agent_id`` (raw text) into the filters of a report."""
    require(actor, Action.VIEW)
    return resolve(actor, validate(ReportQuery, data))


def resolve(actor: User, query: ReportQuery) -> ReportFilters:
    """Fill in the defaults (the last 90 days up to today in the agency's zone) and the agent rule.

    An agent's filters always name the agent themselves; staff may name any user of the agency.
    """
    require(actor, Action.VIEW)
    timezone = actor.agency.timezone
    today = utcnow().astimezone(ZoneInfo(timezone)).date()
    date_to = query.to or today
    date_from = query.from_ or max(FIRST_DAY, date_to - timedelta(days=DEFAULT_DAYS - 1))
    if date_from > date_to:
        raise invalid("from", _("'from' is after 'to'"))
    agent_id = query.agent_id
    if not can(actor, Action.VIEW_ALL_REPORTS):
        agent_id = actor.id
    elif agent_id is not None:
        stmt = select(User.id).where(User.id == agent_id, User.agency_id == actor.agency_id)
        if db.session.scalar(stmt) is None:
            raise invalid("agent_id", _("No user with this id in the agency."))
    return ReportFilters(date_from, date_to, agent_id, timezone)


def _agent_of(actor: User, filters: ReportFilters) -> int | None:
    """The agent the figures are limited to: an agent's own id, whatever the filters say."""
    require(actor, Action.VIEW)
    return filters.agent_id if can(actor, Action.VIEW_ALL_REPORTS) else actor.id


def _cohort(actor: User, filters: ReportFilters, agent_id: int | None) -> list[ColumnElement[bool]]:
    """The prospects a report follows: created in the period (held by ``agent_id``), not deleted."""
    conditions = [
        Prospect.agency_id == actor.agency_id,
        Prospect.deleted_at.is_(None),
        Prospect.created_at >= filters.start,
        Prospect.created_at < filters.end,
    ]
    if agent_id is not None:
        conditions.append(Prospect.assigned_agent_id == agent_id)
    return conditions


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


# --- pipeline ---------------------------------------------------------------------------

def _rank(value: ColumnElement[Any]) -> ColumnElement[int]:
    """A status's place in ``PIPELINE`` (an unknown value or "lost": 0, as far as "new")."""
    return case({status.value: index for index, status in enumerate(PIPELINE)}, value=value, else_=0)


def _furthest_stage_of_lost(cohort: list[ColumnElement[bool]], lost: int) -> Counter[int]:
    """How many lost prospects got as far as each stage (by its index in ``PIPELINE``).

    A prospect's furthest stage is the highest status its "status changed" timeline entries
    name, before or after a change; one never changed (created lost) got as far as "new".
    """
    per_prospect = (
        select(
            Activity.prospect_id,
            func.max(_rank(Activity.data["old"].as_string())).label("old"),
            func.max(_rank(Activity.data["new"].as_string())).label("new"),
        )
        .join(Prospect, Prospect.id == Activity.prospect_id)
        .where(Activity.kind == ActivityKind.STATUS_CHANGED, Prospect.status == ProspectStatus.LOST, *cohort)
        .group_by(Activity.prospect_id)
        .subquery()
    )
    old, new = per_prospect.c.old, per_prospect.c.new
    rows = db.session.execute(select(old, new, func.count()).group_by(old, new))
    furthest: Counter[int] = Counter()
    for before, after, n in rows:
        furthest[max(before, after)] += n
    furthest[0] += lost - sum(furthest.values())
    return furthest


def pipeline(actor: User, filters: ReportFilters) -> PipelineReport:
    """Prospects created in the period by stage, with the conversion from each stage to the next.

    A prospect at a later stage has passed the earlier ones; a lost one counts as having
    reached the furthest stage its timeline shows.
    """
    cohort = _cohort(actor, filters, _agent_of(actor, filters))
    by_status = select(Prospect.status, func.count()).where(*cohort).group_by(Prospect.status)
    now_at: dict[ProspectStatus, int] = dict(db.session.execute(by_status).all())
    lost = now_at.get(ProspectStatus.LOST, 0)
    lost_after = _furthest_stage_of_lost(cohort, lost) if lost else Counter()
    items: list[StageRow] = []
    for index, stage in enumerate(PIPELINE):
        reached = sum(now_at.get(later, 0) + lost_after[later_index]
                      for later_index, later in enumerate(PIPELINE) if later_index >= index)
        conversion = _percent(reached, items[-1].reached) if items else None
        items.append(StageRow(stage=stage, prospects=now_at.get(stage, 0), reached=reached,
                              conversion=conversion, lost_after=lost_after[index]))
    total = sum(now_at.values())
    won = now_at.get(ProspectStatus.WON, 0)
    totals = PipelineTotals(prospects=total, won=won, lost=lost, win_rate=_percent(won, total))
    return PipelineReport(filters=filters.out(), items=items, totals=totals)


# --- sources ----------------------------------------------------------------------------

def _counted(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """``SUM`` of 1 for each row meeting ``condition`` (0 when none: never NULL)."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def sources(actor: User, filters: ReportFilters) -> SourcesReport:
    """Per lead source: prospects created in the period, those with a visit, those won."""
    # correlated on the prospect (of the agency already): an agency term here would tempt SQLite,
    # which keeps no statistics, into reading every visit of the agency for each prospect
    visited = exists().where(Visit.prospect_id == Prospect.id, Visit.status != VisitStatus.CANCELLED)
    rows = db.session.execute(
        select(
            Prospect.source,
            func.count(),
            _counted(visited),
            _counted(Prospect.status == ProspectStatus.WON),
        )
        .where(*_cohort(actor, filters, _agent_of(actor, filters)))
        .group_by(Prospect.source)
    ).all()
    order = list(ProspectSource)
    rows.sort(key=lambda row: (-row[1], order.index(row[0])))
    items = [
        SourceRow(source=source, prospects=n, with_visit=visits, won=won, conversion=_percent(won, n))
        for source, n, visits, won in rows
    ]
    prospects, with_visit, won = (sum(getattr(row, name) for row in items)
                                  for name in ("prospects", "with_visit", "won"))
    totals = SourceTotals(
        prospects=prospects, with_visit=with_visit, won=won, conversion=_percent(won, prospects)
    )
    return SourcesReport(filters=filters.out(), items=items, totals=totals)


# --- agents -----------------------------------------------------------------------------

# the agent figures that are counts (zero when the agent has none)
COUNTS = ("leads", "calls", "visits_done", "visits", "wins", "contacted")


class seconds_between(FunctionElement[float]):  # noqa: N801 - an SQL function, named like one
    """``later - earlier`` in seconds, on SQLite and PostgreSQL."""

    type = Float()
    inherit_cache = True
    name = "seconds_between"


@compiles(seconds_between)
def _seconds_sqlite(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    later_sql, earlier_sql = compiler.process(later, **kw), compiler.process(earlier, **kw)
    return f"((julianday({later_sql}) - julianday({earlier_sql})) * 86400.0)"


@compiles(seconds_between, "postgresql")
def _seconds_postgresql(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return f"EXTRACT(EPOCH FROM ({compiler.process(later, **kw)} - {compiler.process(earlier, **kw)}))"


def _median_speed_to_lead(cohort: list[ColumnElement[bool]], by_agent: bool) -> dict[int | None, int]:
    """The median seconds from creation to first contact of the cohort's contacted leads, per agent
    (or overall, under the key None).

    Portable: the durations are numbered in order within each agent (window functions, on
    SQLite and PostgreSQL alike) and the middle one, or the mean of the middle two, is kept;
    one query, whatever the number of agents. A first contact logged before the lead was
    entered counts as immediate (0 s).
    """
    raw = seconds_between(Prospect.first_contacted_at, Prospect.created_at)
    seconds = case((raw < 0, 0.0), else_=raw)
    partition = Prospect.assigned_agent_id if by_agent else None
    ranked = (
        select(
            Prospect.assigned_agent_id.label("agent_id"),
            seconds.label("seconds"),
            func.row_number().over(partition_by=partition, order_by=seconds).label("position"),
            func.count().over(partition_by=partition).label("n"),
        )
        .where(*cohort, Prospect.first_contacted_at.is_not(None), Prospect.assigned_agent_id.is_not(None))
        .subquery()
    )
    middle = or_(ranked.c.position == (ranked.c.n + 1) // 2, ranked.c.position == (ranked.c.n + 2) // 2)
    if by_agent:
        stmt = select(ranked.c.agent_id, func.avg(ranked.c.seconds)).group_by(ranked.c.agent_id)
    else:
        stmt = select(null(), func.avg(ranked.c.seconds))
    rows = db.session.execute(stmt.where(middle))
    return {key: round(float(value)) for key, value in rows if value is not None}


def _deleted_prospects(agency_id: int) -> Select[tuple[int]]:
    """The ids of the agency's prospects in the trash (few): their calls and visits are left out."""
    return select(Prospect.id).where(Prospect.agency_id == agency_id, Prospect.deleted_at.is_not(None))


def _activity(
    model: type[Call] | type[Visit], when: Any, actor: User, filters: ReportFilters, agent_id: int | None
) -> list[ColumnElement[bool]]:
    """Calls or visits of the agency in the period (of ``agent_id``), not of a deleted prospect.

    The trash is read as a list of ids rather than joined row by row: a join would look up the
    prospect of each of tens of thousands of calls.
    """
    conditions = [
        model.agency_id == actor.agency_id,
        when >= filters.start,
        when < filters.end,
        model.prospect_id.not_in(_deleted_prospects(actor.agency_id)),
    ]
    if agent_id is not None:
        conditions.append(model.agent_id == agent_id)
    return conditions


def _run(stmt: Select[Any]) -> Any:
    """Execute a report query that reads the trash itself (the scoping hook would hide it)."""
    return db.session.execute(stmt.execution_options(**{INCLUDE_DELETED: True}))


def agents(actor: User, filters: ReportFilters) -> AgentsReport:
    """Per agent: calls and visits in the period, and of the leads created in the period (held by
    the agent now) the wins and the median speed to lead.

    Staff see every active agent plus anyone else with figures in the period; an agent, themselves.
    """
    agent_id = _agent_of(actor, filters)
    cohort = _cohort(actor, filters, agent_id)
    figures: dict[int, Counter[str]] = defaultdict(Counter)
    calls = select(Call.agent_id, func.count()).where(
        *_activity(Call, Call.occurred_at, actor, filters, agent_id)
    )
    for user_id, n in _run(calls.group_by(Call.agent_id)):
        figures[user_id]["calls"] = n
    visits = select(Visit.agent_id, func.count(), _counted(Visit.status == VisitStatus.DONE)).where(
        *_activity(Visit, Visit.starts_at, actor, filters, agent_id), Visit.status != VisitStatus.CANCELLED
    )
    for user_id, n, done in _run(visits.group_by(Visit.agent_id)):
        figures[user_id].update(visits=n, visits_done=done)
    leads = db.session.execute(
        select(Prospect.assigned_agent_id, func.count(), _counted(Prospect.status == ProspectStatus.WON),
               func.count(Prospect.first_contacted_at))
        .where(*cohort, Prospect.assigned_agent_id.is_not(None))
        .group_by(Prospect.assigned_agent_id)
    )
    for user_id, n, won, contacted in leads:
        figures[user_id].update(leads=n, wins=won, contacted=contacted)
    medians = _median_speed_to_lead(cohort, by_agent=True)

    if agent_id is not None:
        who = User.id == agent_id
    else:
        who = or_(and_(User.role == Role.AGENT, User.active.is_(True)), User.id.in_(list(figures)))
    users = db.session.execute(
        select(User.id, User.name)
        .where(User.agency_id == actor.agency_id, who)
        .order_by(collated(User.name), User.id)
    )
    items = [
        AgentRow(
            agent_id=user_id, name=name, median_speed_to_lead=medians.get(user_id),
            **{field: figures[user_id][field] for field in COUNTS},
        )
        for user_id, name in users
    ]
    sums = {field: sum(getattr(row, field) for row in items) for field in COUNTS}
    overall = _median_speed_to_lead(cohort, by_agent=False).get(None)
    totals = AgentTotals(**sums, median_speed_to_lead=overall)
    return AgentsReport(filters=filters.out(), items=items, totals=totals)


# --- properties -------------------------------------------------------------------------

def properties(actor: User, filters: ReportFilters, limit: int | None = None) -> PropertiesReport:
    """Visits per property starting in the period (done / not cancelled) with the average interest
    rating of the done ones; best rated first, then most visited. ``limit`` keeps the first rows
    (the totals still cover them all)."""
    done = Visit.status == VisitStatus.DONE
    rated = case((done, Visit.rating))
    per_property = (
        select(Visit.property_id, _counted(done).label("done"), func.count().label("visits"),
               func.sum(rated).label("rating_sum"), func.count(rated).label("ratings"))
        .where(*_activity(Visit, Visit.starts_at, actor, filters, _agent_of(actor, filters)),
               Visit.status != VisitStatus.CANCELLED)
        .group_by(Visit.property_id)
        .subquery()
    )
    average = per_property.c.rating_sum * 1.0 / func.nullif(per_property.c.ratings, 0)
    stmt = (
        select(Property.id, Property.reference, Property.title, per_property.c.done, per_property.c.visits,
               per_property.c.rating_sum, per_property.c.ratings)
        .join(per_property, per_property.c.property_id == Property.id)
        .where(Property.agency_id == actor.agency_id, Property.deleted_at.is_(None))
        .order_by(average.desc().nulls_last(), per_property.c.done.desc(), per_property.c.visits.desc(),
                  Property.reference)
    )
    rows = _run(stmt).all()
    items = [
        PropertyRow(property_id=ident, reference=reference, title=title, visits_done=n_done, visits=n,
                    average_rating=_rating(rating_sum, ratings), ratings=ratings)
        for ident, reference, title, n_done, n, rating_sum, ratings in rows[:limit]
    ]
    rating_sum = sum(row[5] or 0 for row in rows)
    ratings = sum(row[6] for row in rows)
    totals = PropertyTotals(properties=len(rows), visits_done=sum(row[3] for row in rows),
                            visits=sum(row[4] for row in rows), average_rating=_rating(rating_sum, ratings),
                            ratings=ratings)
    return PropertiesReport(filters=filters.out(), items=items, totals=totals)


def _rating(total: int | None, count: int) -> float | None:
    """A mean rating to two decimals, None without ratings."""
    return round(total / count, 2) if count and total is not None else None


REPORTS: dict[str, Callable[[User, ReportFilters], Report]] = {
    "pipeline": pipeline,
    "sources": sources,
    "agents": agents,
    "properties": properties,
}


def run(actor: User, name: str, filters: ReportFilters) -> Report:
    """The report called ``name`` (``NotFound`` for a name that is not one)."""
    report = REPORTS.get(name)
    if report is None:
        raise NotFound(_("There is no report called %(name)s.", name=name))
    return report(actor, filters)
