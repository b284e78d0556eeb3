"""Read side: how much work each user holds, counted with one grouped query per figure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from ..extensions import db
from ..models import OPEN_STATUSES, Agency, Call, FollowUp, Prospect, User, Visit, VisitStatus, utcnow


@dataclass
class Workload:
    """One user's open prospects, overdue follow-ups, visits in the current week, and when they
    last did something (see ``last_activity_for``)."""

    open_prospects: int = 0
    overdue_follow_ups: int = 0
    visits_this_week: int = 0
    last_activity_at: datetime | None = None


def week_bounds(timezone: str, now: datetime | None = None) -> tuple[datetime, datetime]:
    """Monday 00:00 to the next Monday 00:00 in ``timezone`` (DST-correct), as aware datetimes."""
    zone = ZoneInfo(timezone)
    today = (now or utcnow()).astimezone(zone).date()
    monday = today - timedelta(days=today.weekday())
    start = datetime.combine(monday, time(0), tzinfo=zone)
    end = datetime.combine(monday + timedelta(days=7), time(0), tzinfo=zone)
    return start, end


def count_open_for(agent_ids: list[int]) -> dict[int, int]:
    """Open prospects held by each agent."""
    rows = db.session.execute(
        select(Prospect.assigned_agent_id, func.count())
        .where(Prospect.assigned_agent_id.in_(agent_ids), Prospect.status.in_(OPEN_STATUSES))
        .group_by(Prospect.assigned_agent_id)
    )
    return {agent_id: n for agent_id, n in rows}


def workload_for(agency: Agency, user_ids: list[int], now: datetime | None = None) -> dict[int, Workload]:
    """The workload of each of ``user_ids`` (every id gets an entry, zeros included)."""
    now = now or utcnow()
    result = {user_id: Workload() for user_id in user_ids}
    if not user_ids:
        return result
    for user_id, n in count_open_for(user_ids).items():
        result[user_id].open_prospects = n
    overdue = db.session.execute(
        select(FollowUp.assignee_id, func.count())
        .where(FollowUp.assignee_id.in_(user_ids), FollowUp.done_at.is_(None), FollowUp.due_at < now)
        .group_by(FollowUp.assignee_id)
    )
    for user_id, n in overdue:
        result[user_id].overdue_follow_ups = n
    start, end = week_bounds(agency.timezone, now)
    visits = db.session.execute(
        select(Visit.agent_id, func.count())
        .where(
            Visit.agent_id.in_(user_ids),
            Visit.status != VisitStatus.CANCELLED,
            Visit.starts_at >= start,
            Visit.starts_at < end,
        )
        .group_by(Visit.agent_id)
    )
    for user_id, n in visits:
        result[user_id].visits_this_week = n
    for user_id, last in last_activity_for(user_ids, now).items():
        result[user_id].last_activity_at = last
    return result


def last_activity_for(user_ids: list[int], now: datetime | None = None) -> dict[int, datetime | None]:
    """When each user last logged a call, held a visit (not cancelled, started by ``now``) or
    completed a follow-up; None when never.

    One statement: per user and kind, the latest row read backwards off the (agency, user, time)
    index, instead of grouping the agency's whole history.
    """
    now = now or utcnow()
    if not user_ids:
        return {}

    def latest(column: Any, *where: Any) -> Any:
        return select(column).where(*where).order_by(column.desc()).limit(1).correlate(User).scalar_subquery()

    rows = db.session.execute(
        select(
            User.id,
            latest(Call.occurred_at, Call.agent_id == User.id),
            latest(Visit.starts_at, Visit.agent_id == User.id, Visit.starts_at <= now,
                   Visit.status != VisitStatus.CANCELLED),
            latest(FollowUp.done_at, FollowUp.assignee_id == User.id, FollowUp.done_at.is_not(None)),
        ).where(User.id.in_(user_ids))
    )
    return {user_id: max((t for t in times if t is not None), default=None) for user_id, *times in rows}
