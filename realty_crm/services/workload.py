"""Read side: how much work each user holds, counted with one grouped query per figure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from ..extensions import db
from ..models import Agency, FollowUp, Visit, VisitStatus, utcnow
from .prospects import count_open_for


@dataclass
class Workload:
    """One user's open prospects, overdue follow-ups and visits in the current week."""

    open_prospects: int = 0
    overdue_follow_ups: int = 0
    visits_this_week: int = 0


def week_bounds(timezone: str, now: datetime | None = None) -> tuple[datetime, datetime]:
    """Monday 00:00 to the next Monday 00:00 in ``timezone`` (DST-correct), as aware datetimes."""
    zone = ZoneInfo(timezone)
    today = (now or utcnow()).astimezone(zone).date()
    monday = today - timedelta(days=today.weekday())
    start = datetime.combine(monday, time(0), tzinfo=zone)
    end = datetime.combine(monday + timedelta(days=7), time(0), tzinfo=zone)
    return start, end


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
    return result
