"""The signed-in user's home page: what is due, what is new, a few counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Blueprint, render_template
from flask_login import login_required
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import contains_eager, selectinload

from ..extensions import db
from ..models import (
    OPEN_STATUSES,
    Activity,
    ActivityKind,
    FollowUp,
    Prospect,
    ProspectStatus,
    User,
    Visit,
    VisitStatus,
    utcnow,
)
from ..policy import is_staff, visible_prospects
from . import plugin_slots
from .common import actor
from .forms import local_now

blueprint = Blueprint("dashboard", __name__)

LIST_LIMIT = 20
VISIT_LIMIT = 50
# how long a prospect given to the user shows as "newly assigned"
NEWLY_ASSIGNED = timedelta(days=7)


@dataclass
class Counts:
    """The figures at the top of the dashboard."""

    open_prospects: int
    visits_today: int
    overdue: int
    due_today: int
    new_prospects: int
    unassigned: int | None
    newly_assigned: int = 0


def _end_of_local_day() -> datetime:
    """Midnight at the end of the user's today (aware arithmetic keeps wall-clock days across DST)."""
    start = local_now().replace(hour=0, minute=0, second=0, microsecond=0)
    return start + timedelta(days=1)


def _my_visits(user: User, start: datetime, end: datetime) -> list[Visit]:
    """The user's visits (not cancelled) starting between ``start`` and ``end``, earliest first."""
    stmt = (
        select(Visit)
        .where(
            Visit.agent_id == user.id,
            Visit.status != VisitStatus.CANCELLED,
            Visit.starts_at >= start,
            Visit.starts_at < end,
        )
        .options(selectinload(Visit.property), selectinload(Visit.prospect))
        .order_by(Visit.starts_at, Visit.id)
        .limit(VISIT_LIMIT)
    )
    return list(db.session.scalars(stmt))


def _my_open_follow_ups(user: User) -> Select:
    """The user's open follow-ups on prospects they may still see."""
    stmt = (
        select(FollowUp)
        .join(FollowUp.prospect)
        .where(FollowUp.assignee_id == user.id, FollowUp.done_at.is_(None))
        .options(contains_eager(FollowUp.prospect))
    )
    return visible_prospects(stmt, user)


def _newly_assigned(user: User, now: datetime) -> list[Activity]:
    """The timeline entries that gave the user a prospect in the last week (someone else's doing,
    or the assignment rule's), for prospects still theirs: newest first, one per prospect.

    Driven by the user's prospects touched in that week (a hand-over changes ``updated_at``),
    each with its latest hand-over found through the prospect's timeline index, so the agency's
    whole timeline is never scanned.
    """
    since = now - NEWLY_ASSIGNED
    latest_hand_over = (
        select(Activity.id)
        .where(Activity.prospect_id == Prospect.id, Activity.kind == ActivityKind.ASSIGNED,
               Activity.occurred_at >= since)
        .order_by(Activity.occurred_at.desc(), Activity.id.desc())
        .limit(1)
        .correlate(Prospect)
        .scalar_subquery()
    )
    touched = select(latest_hand_over).where(
        Prospect.assigned_agent_id == user.id, Prospect.updated_at >= since
    )
    entry_ids = [entry_id for entry_id in db.session.scalars(touched) if entry_id is not None]
    if not entry_ids:
        return []
    stmt = (
        select(Activity)
        .where(
            Activity.id.in_(entry_ids),
            Activity.data["agent_id"].as_integer() == user.id,
            or_(Activity.actor_id.is_(None), Activity.actor_id != user.id),
        )
        .options(selectinload(Activity.prospect), selectinload(Activity.actor))
        .order_by(Activity.occurred_at.desc(), Activity.id.desc())
        .limit(LIST_LIMIT)
    )
    return list(db.session.scalars(stmt))


def _count(stmt: Select) -> int:
    return db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0


@blueprint.get("/")
@login_required
def index() -> str:
    """Today's and tomorrow's visits, overdue and today's follow-ups, new prospects and a few counts."""
    user = actor()
    now = utcnow()
    end_of_day = _end_of_local_day()
    start_of_day = end_of_day - timedelta(days=1)
    visits_today = _my_visits(user, start_of_day, end_of_day)
    visits_tomorrow = _my_visits(user, end_of_day, end_of_day + timedelta(days=1))
    follow_ups = _my_open_follow_ups(user)
    overdue_stmt = follow_ups.where(FollowUp.due_at < now)
    today_stmt = follow_ups.where(FollowUp.due_at >= now, FollowUp.due_at < end_of_day)
    new_stmt = visible_prospects(select(Prospect), user).where(Prospect.status == ProspectStatus.NEW)
    if not is_staff(user):
        new_stmt = new_stmt.where(Prospect.assigned_agent_id == user.id)
    mine_open = select(Prospect).where(
        Prospect.assigned_agent_id == user.id, Prospect.status.in_(OPEN_STATUSES)
    )
    unassigned = None
    if is_staff(user):
        unassigned = _count(
            select(Prospect).where(Prospect.assigned_agent_id.is_(None), Prospect.status.in_(OPEN_STATUSES))
        )
    newly_assigned = _newly_assigned(user, now)
    counts = Counts(
        open_prospects=_count(mine_open),
        visits_today=len(visits_today),
        overdue=_count(overdue_stmt),
        due_today=_count(today_stmt),
        new_prospects=_count(new_stmt),
        unassigned=unassigned,
        newly_assigned=len(newly_assigned),
    )
    return render_template(
        "dashboard/index.html",
        counts=counts,
        visits_today=visits_today,
        visits_tomorrow=visits_tomorrow,
        tomorrow=end_of_day.date(),
        overdue=list(db.session.scalars(overdue_stmt.order_by(FollowUp.due_at).limit(LIST_LIMIT))),
        due_today=list(db.session.scalars(today_stmt.order_by(FollowUp.due_at).limit(LIST_LIMIT))),
        new_prospects=list(
            db.session.scalars(
                new_stmt.order_by(Prospect.created_at.desc(), Prospect.id.desc()).limit(LIST_LIMIT)
            )
        ),
        newly_assigned=newly_assigned,
        now=now,
        plugin_widgets=plugin_slots.dashboard_widgets(user),
    )
