"""Visits: booking without double booking, and the lifecycle (confirm, reschedule, cancel,
done with feedback, no-show). Each step lands on the prospect's and the property's timeline."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from ..database import begin_write
from ..errors import Conflict, invalid
from ..extensions import db
from ..models import (
    ActivityKind,
    Property,
    PropertyStatus,
    Prospect,
    ProspectStatus,
    User,
    Visit,
    VisitStatus,
    utcnow,
)
from ..policy import Action, require
from ..schemas.common import validate
from ..schemas.visit import VisitCreate, VisitUpdate
from . import activity, availability
from .people import acting_for
from .prospects import record_status_change
from .transaction import announce, commit, flush

MIN_LENGTH = timedelta(minutes=5)
MAX_LENGTH = timedelta(hours=12)
MAX_AHEAD = timedelta(days=2 * 366)
# how far in the past a start may lie and still count as "now" (forms take time to fill)
PAST_SLACK = timedelta(minutes=15)
FINAL = {VisitStatus.DONE, VisitStatus.CANCELLED, VisitStatus.NO_SHOW}
# how a visit went: recorded only once it has started
OUTCOMES = {VisitStatus.DONE, VisitStatus.NO_SHOW}
# properties that can no longer be visited
OFF_MARKET = {PropertyStatus.SOLD, PropertyStatus.RENTED, PropertyStatus.WITHDRAWN}
# statuses a visit may move to from each status
TRANSITIONS: dict[VisitStatus, set[VisitStatus]] = {
    VisitStatus.SCHEDULED: {VisitStatus.CONFIRMED, VisitStatus.CANCELLED, VisitStatus.DONE,
                            VisitStatus.NO_SHOW},
    VisitStatus.CONFIRMED: {VisitStatus.SCHEDULED, VisitStatus.CANCELLED, VisitStatus.DONE,
                            VisitStatus.NO_SHOW},
    VisitStatus.DONE: set(),
    VisitStatus.NO_SHOW: set(),
    VisitStatus.CANCELLED: set(),
}
# the plugin event each status change announces
STATUS_EVENTS = {
    VisitStatus.CONFIRMED: "crm_visit_confirmed",
    VisitStatus.CANCELLED: "crm_visit_cancelled",
    VisitStatus.DONE: "crm_visit_completed",
}
# a prospect's status moves forward to "visiting" with a first visit, never backwards
BEFORE_VISITING = {ProspectStatus.NEW, ProspectStatus.CONTACTED, ProspectStatus.QUALIFIED}


def has_started(starts_at: datetime) -> bool:
    """Whether a visit starting then has begun, so that how it went may be recorded."""
    return starts_at <= utcnow()


def _not_started() -> str:
    return _("The visit has not started yet: record how it went once it has.")


def _load(model: Any, ident: int, field: str) -> Any:
    record = db.session.scalars(select(model).where(model.id == ident)).first()
    if record is None:
        raise invalid(field, _("Nothing with this id in the agency."))
    return record


def _agent(actor: User, agent_id: int | None) -> User:
    """The visit's agent: the actor, or (staff only) an active user of the agency."""
    return acting_for(actor, agent_id, "agent_id", _("You can only book visits for yourself."))


def _window(
    starts_at: datetime, ends_at: datetime | None, minutes: int | None, default_minutes: int
) -> tuple[datetime, datetime]:
    if ends_at is None:
        ends_at = starts_at + timedelta(minutes=minutes or default_minutes)
    elif minutes is not None and ends_at - starts_at != timedelta(minutes=minutes):
        raise invalid("duration_minutes", _("This does not agree with the end time; give one of them."))
    if ends_at <= starts_at:
        raise invalid("ends_at", _("The visit must end after it starts."))
    if ends_at - starts_at < MIN_LENGTH:
        raise invalid("ends_at", _("A visit lasts at least 5 minutes."))
    if ends_at - starts_at > MAX_LENGTH:
        raise invalid("ends_at", _("A visit lasts at most 12 hours."))
    if starts_at > utcnow() + MAX_AHEAD:
        raise invalid("starts_at", _("That is more than two years ahead."))
    return starts_at, ends_at


def _save(actor: User, visit: Visit, record: Callable[[], None]) -> None:
    """Flush, record the timeline, commit. On PostgreSQL a concurrent booking that won the
    slot trips the exclusion constraint; it is reported like any clash."""
    agent, property_id = visit.agent, visit.property_id
    window = (visit.starts_at, visit.ends_at, visit.id)
    try:
        flush()
        record()
        commit()
    except Conflict:
        starts_at, ends_at, visit_id = window
        found = availability.clashes(starts_at, ends_at, agent=agent, property_id=property_id,
                                     exclude=(visit_id,))
        if found:
            raise availability.refusal(actor, found[0]) from None
        raise


def _record(actor: User, visit: Visit, event: str, summary: str = "", **data: Any) -> None:
    """Put a step of ``visit`` on the prospect's and the property's timelines; ``summary`` is
    only for the words of a person (feedback)."""
    payload = {"event": event, "visit_id": visit.id, "agent_id": visit.agent_id,
               "reference": visit.property.reference, "starts_at": visit.starts_at.isoformat(), **data}
    activity.record(ActivityKind.VISIT, actor, prospect=visit.prospect, subject_id=visit.id,
                    summary=summary, data=payload)
    activity.record(ActivityKind.VISIT, actor, property=visit.property, subject_id=visit.id,
                    summary=summary, data=payload)


def _advance_prospect(actor: User, prospect: Prospect) -> None:
    if prospect.status in BEFORE_VISITING:
        old = prospect.status
        prospect.status = ProspectStatus.VISITING
        record_status_change(actor, prospect, old.value, ProspectStatus.VISITING.value)


def schedule_visit(actor: User, data: dict[str, Any]) -> Visit:
    """Book a visit; refused (409) when the agent or the property is already busy then.

    A start in the past is accepted only to log a visit that was done.
    """
    values = validate(VisitCreate, data)
    begin_write()
    prop: Property = _load(Property, values.property_id, "property_id")
    prospect: Prospect = _load(Prospect, values.prospect_id, "prospect_id")
    require(actor, Action.EDIT, prospect)
    agent = _agent(actor, values.agent_id)
    if prop.status in OFF_MARKET:
        raise invalid("property_id", _("This property is no longer on the market."))
    starts_at, ends_at = _window(
        values.starts_at, values.ends_at, values.duration_minutes, actor.agency.default_visit_minutes
    )
    if values.status not in {VisitStatus.SCHEDULED, VisitStatus.CONFIRMED}:
        if values.status != VisitStatus.DONE:
            raise invalid(
                "status", _("A new visit is scheduled or confirmed, or logged as done once it has happened.")
            )
        if not has_started(starts_at):
            raise invalid("status", _not_started())
    elif starts_at < utcnow() - PAST_SLACK:
        raise invalid("starts_at", _("A visit in the past can only be logged as done."))
    if values.rating is not None and values.status != VisitStatus.DONE:
        raise invalid("rating", _("Rate a visit once it is done."))
    if values.feedback is not None and values.status != VisitStatus.DONE:
        raise invalid("feedback", _("Feedback and rating are for visits that are done."))
    availability.ensure_free(actor, starts_at, ends_at, agent=agent, property_id=prop.id)

    visit = Visit(
        agency_id=actor.agency_id,
        property=prop,
        prospect=prospect,
        agent=agent,
        starts_at=starts_at,
        ends_at=ends_at,
        status=values.status,
        feedback=values.feedback,
        rating=values.rating,
    )
    db.session.add(visit)

    def record() -> None:
        _record(actor, visit, "scheduled")
        _advance_prospect(actor, prospect)
        announce("crm_visit_scheduled", actor.agency, actor=actor, visit=visit)
        if visit.status == VisitStatus.DONE:  # a visit logged after it happened
            announce("crm_visit_completed", actor.agency, actor=actor, visit=visit)

    _save(actor, visit, record)
    return visit


def update_visit(actor: User, visit: Visit, data: dict[str, Any]) -> Visit:
    """Reschedule, reassign, confirm, cancel (with a reason), complete (feedback, rating 1–5)
    or mark a no-show; every step is checked and lands on both timelines."""
    require(actor, Action.EDIT, visit)
    sent = validate(VisitUpdate, data).model_dump(exclude_unset=True)
    for field in ("starts_at", "ends_at", "duration_minutes", "agent_id", "status"):
        if field in sent and sent[field] is None:
            raise invalid(field, _("This field cannot be empty."))
    begin_write()
    if sent.get("cancel_reason") is not None and sent.get("status", visit.status) != VisitStatus.CANCELLED:
        raise invalid("cancel_reason", _("Give a reason only when cancelling the visit."))
    before = _facts(visit)
    moves = {"starts_at", "ends_at", "duration_minutes", "agent_id"} & set(sent)
    if moves:
        _reschedule(actor, visit, sent)
    if "status" in sent and sent["status"] != visit.status:
        _change_status(actor, visit, sent["status"], sent)
    elif sent.get("cancel_reason") is not None and visit.status == VisitStatus.CANCELLED:
        visit.cancel_reason = sent["cancel_reason"]
    if "feedback" in sent or "rating" in sent:
        _record_outcome(actor, visit, sent)
    if _facts(visit) != before:
        visit.sequence += 1  # calendars see a change only when there is one
    _save(actor, visit, lambda: None)
    return visit


def _facts(visit: Visit) -> tuple[Any, ...]:
    """What an invitation or a calendar feed shows of a visit."""
    return (visit.starts_at, visit.ends_at, visit.agent_id, visit.status, visit.cancel_reason,
            visit.feedback, visit.rating)


def _reschedule(actor: User, visit: Visit, sent: dict[str, Any]) -> None:
    if visit.status in FINAL:
        raise invalid("starts_at", _("A visit that is done, cancelled or missed cannot be moved."))
    agent = _agent(actor, sent.get("agent_id", visit.agent_id)) if "agent_id" in sent else visit.agent
    starts_at = sent.get("starts_at", visit.starts_at)
    ends_at = sent.get("ends_at")
    minutes = sent.get("duration_minutes")
    if ends_at is None and minutes is None:
        minutes = int((visit.ends_at - visit.starts_at).total_seconds() // 60)
    starts_at, ends_at = _window(starts_at, ends_at, minutes, actor.agency.default_visit_minutes)
    if starts_at < utcnow() - PAST_SLACK and starts_at != visit.starts_at:
        raise invalid("starts_at", _("A visit cannot be moved into the past."))
    availability.ensure_free(actor, starts_at, ends_at, agent=agent, property_id=visit.property_id,
                             exclude=(visit.id,))
    old_start = visit.starts_at
    visit.starts_at, visit.ends_at, visit.agent = starts_at, ends_at, agent
    if visit.status == VisitStatus.CONFIRMED and starts_at != old_start:
        visit.status = VisitStatus.SCHEDULED  # the prospect confirmed the old time, not this one
    _record(actor, visit, "rescheduled", old_starts_at=old_start.isoformat())
    announce("crm_visit_rescheduled", actor.agency, actor=actor, visit=visit, old_starts_at=old_start)


def _change_status(actor: User, visit: Visit, new: VisitStatus, sent: dict[str, Any]) -> None:
    old = visit.status
    if new not in TRANSITIONS[old]:
        raise invalid("status", _("A %(old)s visit cannot become %(new)s.", old=old.value, new=new.value))
    if new in OUTCOMES and not has_started(visit.starts_at):
        raise invalid("status", _not_started())
    if new == VisitStatus.CANCELLED:
        reason = sent.get("cancel_reason")
        if not reason:
            raise invalid("cancel_reason", _("Say why the visit is cancelled."))
        visit.cancel_reason = reason
    visit.status = new
    extra = {"reason": visit.cancel_reason} if new == VisitStatus.CANCELLED else {}
    _record(actor, visit, new.value, previous_status=old.value, **extra)
    if new in STATUS_EVENTS:
        announce(STATUS_EVENTS[new], actor.agency, actor=actor, visit=visit)


def _record_outcome(actor: User, visit: Visit, sent: dict[str, Any]) -> None:
    if visit.status != VisitStatus.DONE:
        raise invalid("rating" if "rating" in sent else "feedback",
                       _("Feedback and rating are for visits that are done."))
    if "feedback" in sent:
        visit.feedback = sent["feedback"]
    if "rating" in sent:
        visit.rating = sent["rating"]
    _record(actor, visit, "feedback", visit.feedback or "", rating=visit.rating)
