"""The plugin's write path and queries: owe a debrief, resolve it, list what is owed.

Like realty-crm's own services, each write validates, checks the role, writes and commits;
feedback itself is saved through realty-crm's visit service, never written to the model here.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import ngettext
from realty_crm.plugin_api import (
    Action,
    Agency,
    Call,
    CallOutcome,
    NotFound,
    Results,
    User,
    ValidationFailed,
    Visit,
    VisitStatus,
    begin_write,
    db,
    plugin_settings,
    require,
    tenancy,
    utcnow,
    visible_visits,
    visits,
)
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import contains_eager, joinedload

from .models import RESOLVED_BY_CALL, RESOLVED_BY_EXPIRY, RESOLVED_BY_FEEDBACK, VisitDebrief
from .settings import NAME, Settings

PER_PAGE = 25


def settings_for(agency: Agency) -> Settings:
    """The plugin's settings in ``agency`` (defaults until an admin changes them)."""
    return plugin_settings(agency, NAME)


def lacks_feedback(visit: Visit, settings: Settings) -> bool:
    """Whether the visit's feedback is missing or shorter than the agency's minimum."""
    return len((visit.feedback or "").strip()) < settings.min_feedback_chars


def owe(visit: Visit, agency: Agency) -> VisitDebrief | None:
    """Record that the agent of a done ``visit`` without enough feedback owes a debrief.

    Once per visit; None when nothing is owed."""
    if visit.status != VisitStatus.DONE or not lacks_feedback(visit, settings_for(agency)):
        return None
    begin_write()  # read, then write: on SQLite, hold the write lock from the start
    debrief = db.session.scalars(select(VisitDebrief).where(VisitDebrief.visit_id == visit.id)).first()
    if debrief is None:
        debrief = VisitDebrief(
            agency_id=agency.id, visit_id=visit.id, agent_id=visit.agent_id, prospect_id=visit.prospect_id
        )
        db.session.add(debrief)
        db.session.commit()
    return debrief


def resolve_by_call(call: Call, agency: Agency) -> list[VisitDebrief]:
    """An answered call with the prospect after their visits settles the debriefs owed for them
    (when the agency's settings say calls count)."""
    if not settings_for(agency).calls_count_as_debrief or call.outcome != CallOutcome.ANSWERED:
        return []
    begin_write()
    owed = list(db.session.scalars(
        select(VisitDebrief)
        .join(VisitDebrief.visit)
        .where(
            VisitDebrief.prospect_id == call.prospect_id,
            VisitDebrief.resolved_at.is_(None),
            Visit.starts_at <= call.occurred_at,
        )
    ))
    for debrief in owed:
        debrief.resolved_at = utcnow()
        debrief.resolved_by = RESOLVED_BY_CALL
        debrief.call_id = call.id
    db.session.commit()
    return owed


def expire_stale(agency: Agency) -> int:
    """Close the debriefs still owed for visits that ended more than the agency's
    ``expire_after_days`` ago; returns how many. The nightly job, run once per agency where
    the plugin is enabled, with that agency in scope."""
    cutoff = utcnow() - timedelta(days=settings_for(agency).expire_after_days)
    begin_write()
    stale = list(db.session.scalars(
        select(VisitDebrief)
        .join(VisitDebrief.visit)
        .where(VisitDebrief.resolved_at.is_(None), Visit.ends_at < cutoff)
    ))
    for debrief in stale:
        debrief.resolved_at = utcnow()
        debrief.resolved_by = RESOLVED_BY_EXPIRY
    db.session.commit()
    return len(stale)


def write_debrief(actor: User, visit_id: int, feedback: str) -> VisitDebrief:
    """Save ``feedback`` on the visit through realty-crm's visit service and settle the debrief.

    Another agency's visit, or a visit that owes nothing: ``NotFound``. Someone else's visit
    (an agent): ``Forbidden``. Too short: ``ValidationFailed`` on ``feedback``."""
    visit = tenancy.get_or_404(Visit, visit_id)
    debrief = db.session.scalars(select(VisitDebrief).where(VisitDebrief.visit_id == visit.id)).first()
    if debrief is None:
        raise NotFound(_("This visit owes no debrief."))
    require(actor, Action.EDIT, visit)
    settings = settings_for(actor.agency)
    text = (feedback or "").strip()
    if len(text) < settings.min_feedback_chars:
        message = ngettext(
            "Write at least %(num)d character.", "Write at least %(num)d characters.",
            settings.min_feedback_chars,
        )
        raise ValidationFailed(message, {"feedback": message})
    # the core service validates the rest (length, controls), checks the role and commits
    visits.update_visit(actor, visit, {"feedback": text})
    begin_write()
    if debrief.resolved_at is None:
        debrief.resolved_at = utcnow()
        debrief.resolved_by = RESOLVED_BY_FEEDBACK
        db.session.commit()
    return debrief


def _owed(user: User, settings: Settings) -> Select:
    stmt = (
        select(VisitDebrief)
        .join(VisitDebrief.visit)
        .join(Visit.prospect)
        .where(
            VisitDebrief.resolved_at.is_(None),
            # feedback written since on the visit's own page settles the debrief too
            or_(
                Visit.feedback.is_(None),
                func.length(func.trim(Visit.feedback)) < settings.min_feedback_chars,
            ),
        )
    )
    return visible_visits(stmt, user)


def overdue_before(settings: Settings) -> datetime:
    """A debrief still owed for a visit that ended before this moment is overdue."""
    return utcnow() - timedelta(hours=settings.overdue_after_hours)


def owed_debriefs(user: User, page: int = 1, per_page: int = PER_PAGE) -> Results[VisitDebrief]:
    """The debriefs ``user`` may see that are still owed (an agent: their own), oldest visit first."""
    settings = settings_for(user.agency)
    stmt = _owed(user, settings)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    items = list(db.session.scalars(
        stmt.options(
            contains_eager(VisitDebrief.visit).contains_eager(Visit.prospect),
            contains_eager(VisitDebrief.visit).joinedload(Visit.property),
            joinedload(VisitDebrief.agent),
        )
        .order_by(Visit.ends_at, VisitDebrief.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ))
    return Results(items=items, page=page, per_page=per_page, total=total)


def count_overdue(user: User) -> int:
    """How many of the debriefs ``user`` may see are overdue."""
    settings = settings_for(user.agency)
    stmt = _owed(user, settings).where(Visit.ends_at < overdue_before(settings))
    return db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
