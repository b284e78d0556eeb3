"""Logging calls, and the follow-ups that come out of them."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..database import hold
from ..errors import invalid
from ..extensions import db
from ..models import (
    ActivityKind,
    Call,
    CallOutcome,
    FollowUp,
    Prospect,
    ProspectStatus,
    User,
    utcnow,
)
from ..policy import Action, require
from ..schemas.activity import CallCreate, CallUpdate, FollowUpCreate, FollowUpUpdate
from ..schemas.common import validate
from ..tenancy import get_or_404
from . import activity
from .people import acting_for, active_user, only_staff_acts_for_others
from .prospects import record_status_change
from .transaction import announce, commit

# a call logged more than this far ahead is a typing mistake
MAX_FUTURE = timedelta(minutes=5)


def _load_prospect(actor: User, prospect_id: int, field: str = "prospect_id") -> Prospect:
    prospect = db.session.scalars(select(Prospect).where(Prospect.id == prospect_id)).first()
    if prospect is None:
        raise invalid(field, _("No prospect with this id."))
    require(actor, Action.EDIT, prospect)  # reading it is not enough to log work on it
    return prospect


def _only_own_follow_ups() -> str:
    return _("You can only plan follow-ups for yourself.")


def log_call(actor: User, data: dict[str, Any]) -> Call:
    """Log a call with a prospect; updates last contact and may create the next follow-up."""
    values = validate(CallCreate, data)
    prospect = _load_prospect(actor, values.prospect_id)
    hold(prospect)  # its last and first contact and status are worked out from what it holds now
    agent = acting_for(actor, values.agent_id, "agent_id", _("You can only log your own calls."))
    now = utcnow()
    occurred_at = values.occurred_at or now
    if occurred_at > now + MAX_FUTURE:
        raise invalid("occurred_at", _("A call cannot be logged in the future."))
    if values.follow_up_at is not None and not values.follow_up_title:
        values.follow_up_title = _("Call back")
    call = Call(
        agency_id=prospect.agency_id,
        prospect=prospect,
        agent=agent,
        direction=values.direction,
        outcome=values.outcome,
        occurred_at=occurred_at,
        duration_seconds=values.duration_seconds,
        summary=values.summary,
    )
    db.session.add(call)
    db.session.flush()
    if prospect.last_contacted_at is None or occurred_at > prospect.last_contacted_at:
        prospect.last_contacted_at = occurred_at
    reached = values.outcome == CallOutcome.ANSWERED
    if reached and prospect.first_contacted_at is None:
        prospect.first_contacted_at = occurred_at
    activity.record(
        ActivityKind.CALL,
        actor,
        prospect=prospect,
        subject_id=call.id,
        summary=values.summary,
        data={
            "direction": values.direction.value,
            "outcome": values.outcome.value,
            "duration_seconds": values.duration_seconds,
            "agent_id": agent.id,
        },
    )
    if reached and prospect.status == ProspectStatus.NEW:
        prospect.status = ProspectStatus.CONTACTED
        record_status_change(actor, prospect, ProspectStatus.NEW.value, ProspectStatus.CONTACTED.value)
    announce("crm_call_logged", actor.agency, actor=actor, call=call)
    if values.follow_up_at is not None:
        _add_follow_up(actor, prospect, agent, values.follow_up_at, values.follow_up_title)
    commit()
    return call


CALL_FIELDS = ("occurred_at", "direction", "outcome", "duration_seconds", "summary")


def _timeline_value(value: Any) -> Any:
    """A call's field as the timeline keeps it: times as ISO text, enums as their value."""
    if isinstance(value, datetime):
        return value.isoformat()
    return getattr(value, "value", value)


def _refresh_contact(prospect: Prospect) -> None:
    """Work the prospect's last and first contact out again from the calls it still has."""
    db.session.flush()
    prospect.last_contacted_at = db.session.scalar(
        select(func.max(Call.occurred_at)).where(Call.prospect_id == prospect.id)
    )
    prospect.first_contacted_at = db.session.scalar(
        select(func.min(Call.occurred_at)).where(
            Call.prospect_id == prospect.id, Call.outcome == CallOutcome.ANSWERED
        )
    )


def get_call(actor: User, call_id: Any, action: Action = Action.VIEW) -> Call:
    """A call of the agency that ``actor`` may see (or change), else 404 (another agency's) / 403."""
    call = get_or_404(Call, call_id)
    require(actor, action, call)
    return call


def update_call(actor: User, call: Call, data: dict[str, Any]) -> Call:
    """Correct a logged call: its author, or an admin or manager of the agency.

    Only the fields sent change; the timeline records what changed (old and new values),
    and the prospect's last and first contact are worked out again.
    """
    require(actor, Action.EDIT, call)
    sent = validate(CallUpdate, data).model_dump(exclude_unset=True)
    for field, value in sent.items():
        if value is None:
            raise invalid(field, _("This field cannot be empty."))
    if "occurred_at" in sent and sent["occurred_at"] > utcnow() + MAX_FUTURE:
        raise invalid("occurred_at", _("A call cannot be logged in the future."))
    prospect = call.prospect
    hold(prospect)  # its last and first contact are worked out from what it holds now
    changes = {}
    for field in CALL_FIELDS:
        if field in sent and sent[field] != getattr(call, field):
            changes[field] = [_timeline_value(getattr(call, field)), _timeline_value(sent[field])]
            setattr(call, field, sent[field])
    if changes:
        activity.record(
            ActivityKind.CALL, actor, prospect=prospect, subject_id=call.id,
            data={"event": "corrected", "changes": changes},
        )
        _refresh_contact(prospect)
    commit()
    return call


def delete_call(actor: User, call: Call) -> None:
    """Delete a call logged by mistake: its author, or an admin or manager of the agency.

    The timeline keeps its entry and adds one saying it was deleted, with what it held.
    """
    require(actor, Action.EDIT, call)
    prospect = call.prospect
    hold(prospect)
    activity.record(
        ActivityKind.CALL, actor, prospect=prospect, subject_id=call.id,
        data={"event": "deleted", **{field: _timeline_value(getattr(call, field)) for field in CALL_FIELDS}},
    )
    db.session.delete(call)
    _refresh_contact(prospect)
    commit()


def _add_follow_up(
    actor: User, prospect: Prospect, assignee: User, due_at: datetime, title: str
) -> FollowUp:
    follow_up = FollowUp(
        agency_id=prospect.agency_id,
        prospect=prospect,
        assignee=assignee,
        due_at=due_at,
        title=title,
        created_by_id=actor.id,
    )
    db.session.add(follow_up)
    db.session.flush()
    activity.record(
        ActivityKind.FOLLOW_UP,
        actor,
        prospect=prospect,
        subject_id=follow_up.id,
        summary=title,
        data={"due_at": due_at.isoformat(), "assignee_id": assignee.id, "event": "created"},
    )
    _refresh_next_follow_up(prospect)
    return follow_up


def _refresh_next_follow_up(prospect: Prospect) -> None:
    db.session.flush()
    prospect.next_follow_up_at = db.session.scalar(
        select(func.min(FollowUp.due_at)).where(
            FollowUp.prospect_id == prospect.id, FollowUp.done_at.is_(None)
        )
    )


def create_follow_up(actor: User, data: dict[str, Any]) -> FollowUp:
    """Plan a follow-up for a prospect (agents plan their own; managers for anyone)."""
    values = validate(FollowUpCreate, data)
    prospect = _load_prospect(actor, values.prospect_id)
    hold(prospect)  # its next follow-up is worked out from the open ones
    assignee = acting_for(actor, values.assignee_id, "assignee_id", _only_own_follow_ups())
    follow_up = _add_follow_up(actor, prospect, assignee, values.due_at, values.title)
    commit()
    return follow_up


def update_follow_up(actor: User, follow_up: FollowUp, data: dict[str, Any]) -> FollowUp:
    """Reschedule, rename, reassign, or mark a follow-up done (or not done)."""
    require(actor, Action.EDIT, follow_up)
    sent = validate(FollowUpUpdate, data).model_dump(exclude_unset=True)
    hold(follow_up.prospect)  # its next follow-up is worked out from the open ones
    for field in ("due_at", "title", "assignee_id", "done"):
        if field in sent and sent[field] is None:
            raise invalid(field, _("This field cannot be empty."))
    if "assignee_id" in sent and sent["assignee_id"] != follow_up.assignee_id:
        only_staff_acts_for_others(actor, "assignee_id", _only_own_follow_ups())
        follow_up.assignee = active_user(actor, sent["assignee_id"], "assignee_id")
    if "due_at" in sent:
        follow_up.due_at = sent["due_at"]
    if "title" in sent:
        follow_up.title = sent["title"]
    if "done" in sent and sent["done"] != (follow_up.done_at is not None):
        follow_up.done_at = utcnow() if sent["done"] else None
        activity.record(
            ActivityKind.FOLLOW_UP,
            actor,
            prospect=follow_up.prospect,
            subject_id=follow_up.id,
            data={"event": "done" if sent["done"] else "reopened", "title": follow_up.title},
        )
    _refresh_next_follow_up(follow_up.prospect)
    commit()
    return follow_up


def get_follow_up(actor: User, follow_up_id: Any) -> FollowUp:
    """A follow-up of the agency that ``actor`` may see, or 404/403."""
    follow_up = get_or_404(FollowUp, follow_up_id)
    require(actor, Action.VIEW, follow_up)
    return follow_up
