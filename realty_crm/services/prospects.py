"""The write path of prospects: create, update, assign, notes, merge, delete, restore, erase."""

from __future__ import annotations

import json
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import or_, select

from ..database import begin_write, hold
from ..errors import Conflict, ValidationFailed, invalid
from ..extensions import db
from ..models import (
    OPEN_STATUSES,
    Activity,
    ActivityKind,
    Agency,
    Call,
    FollowUp,
    Prospect,
    ProspectArea,
    ProspectStatus,
    Role,
    User,
    Visit,
    area_keys,
    utcnow,
)
from ..plugin_host import get_host
from ..policy import Action, can, require
from ..schemas.common import validate
from ..schemas.prospect import ProspectCreate, ProspectUpdate
from . import activity, assignment, reassign, trash
from .people import active_user
from .search import fold
from .transaction import announce, commit

REQUIREMENT_FIELDS = (
    "operation",
    "property_types",
    "min_price",
    "max_price",
    "min_bedrooms",
    "min_area_m2",
    "areas",
)
# fields copied straight from the validated input to the model
PLAIN_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "source",
    "source_detail",
    "status",
    "lost_reason",
    "marketing_consent",
    "tags",
    "next_follow_up_at",
)


def phone_region(user: User) -> str:
    """The region used to read phone numbers written without a country code."""
    return agency_phone_region(user.agency)


def agency_phone_region(agency: Agency) -> str:
    """The agency's region for phone numbers written without a country code."""
    return str(agency.settings.get("phone_region", "ES"))


def search_text(prospect: Prospect) -> str:
    """The lower-cased text that full-text search looks in."""
    digits = (prospect.phone or "").lstrip("+")
    parts = [prospect.first_name, prospect.last_name, prospect.email or "", digits]
    return fold(" ".join(p for p in parts if p))


# the prospect fields copied onto its area lookup rows
LOOKUP_FIELDS = {
    "areas", "operation", "min_price", "max_price", "status", "min_bedrooms", "min_area_m2", "property_types",
}


def sync_areas(prospect: Prospect, *, new: bool = False) -> None:
    """Rewrite the prospect's area lookup rows (what matching shortlists and ranks by): one per
    wanted area, each with the operation, open-or-not (open status, not in the trash) and the
    price, bedroom, size and type wishes. A ``new`` prospect has no rows to remove yet."""
    if not new:
        # by the prospect alone: with the agency filter too, SQLite's planner (without
        # statistics) walks the agency's part of the matching index instead (2 ms, not 0.05)
        areas = ProspectArea.__table__
        db.session.execute(areas.delete().where(areas.c.prospect_id == prospect.id))
    operation = prospect.operation.value if prospect.operation else None
    db.session.add_all(
        ProspectArea(
            agency_id=prospect.agency_id, prospect_id=prospect.id, area=key, operation=operation,
            is_open=prospect.status in OPEN_STATUSES and prospect.deleted_at is None,
            min_price=prospect.min_price, max_price=prospect.max_price,
            min_bedrooms=prospect.min_bedrooms, min_area_m2=prospect.min_area_m2,
            property_types=json.dumps(list(prospect.property_types or [])),
        )
        for key in area_keys(prospect.areas)
    )


def find_duplicates(
    agency_id: int, email: str | None, phone: str | None, exclude_id: int | None = None
) -> list[Prospect]:
    """Prospects of the agency with the same e-mail or phone, deleted ones included."""
    conditions = []
    if email:
        conditions.append(Prospect.email == email.lower())
    if phone:
        conditions.append(Prospect.phone == phone)
    if not conditions:
        return []
    stmt = (
        select(Prospect)
        .where(Prospect.agency_id == agency_id, or_(*conditions))
        .execution_options(include_deleted=True)
    )
    if exclude_id is not None:
        stmt = stmt.where(Prospect.id != exclude_id)
    return list(db.session.scalars(stmt))


def _duplicate_conflict(actor: User, duplicates: list[Prospect], email: str | None) -> Conflict:
    existing = duplicates[0]
    field = "email" if email and existing.email == email else "phone"
    if can(actor, Action.VIEW, existing):
        message = _("%(name)s already has this %(field)s.", name=existing.full_name, field=field)
    else:
        # the record exists, but its name is not the actor's to see
        message = _("Another prospect of the agency already has this %(field)s.", field=field)
    return Conflict(message, {field: message, "existing_id": existing.id})


def _check_status(status: ProspectStatus, lost_reason: str | None) -> None:
    if status == ProspectStatus.LOST and not lost_reason:
        raise invalid("lost_reason", _("Say why the prospect was lost."))


def create_prospect(actor: User, data: dict[str, Any]) -> Prospect:
    """Create a prospect; a duplicate e-mail or phone is a ``Conflict`` naming the existing one.

    One left without an agent goes through the agency's assignment rule, in the same
    transaction (``assignment.assign_new``).
    """
    require(actor, Action.CREATE)
    values = validate(ProspectCreate, data, phone_region=phone_region(actor))
    _check_status(values.status, values.lost_reason)
    if "assigned_agent_id" in values.model_fields_set and values.assigned_agent_id != actor.id:
        require(actor, Action.ASSIGN)
    # simultaneous leads queue here, so the duplicate check and the assignment rule
    # each see the leads committed before them
    begin_write()
    agent_id = values.assigned_agent_id
    if agent_id is None and actor.role == Role.AGENT:
        agent_id = actor.id  # an agent keeps the leads they enter
    agent = None if agent_id is None else active_user(actor, agent_id, "assigned_agent_id")
    duplicates = find_duplicates(actor.agency_id, values.email, values.phone)
    if duplicates:
        raise _duplicate_conflict(actor, duplicates, values.email)

    prospect = _insert(actor.agency, actor, values, agent)
    commit()
    return prospect


def _insert(agency: Agency, actor: User | None, values: ProspectCreate, agent: User | None) -> Prospect:
    """Add the prospect, its area rows and timeline, announce it, and give it to ``agent`` or,
    with none, to the agency's rule; the caller holds the write lock and commits."""
    prospect = Prospect(agency_id=agency.id, assigned_agent=agent)
    for field in PLAIN_FIELDS:
        setattr(prospect, field, getattr(values, field))
    for field in REQUIREMENT_FIELDS:
        setattr(prospect, field, _plain(getattr(values.requirements, field)))
    prospect.search_text = search_text(prospect)
    db.session.add(prospect)
    db.session.flush()
    sync_areas(prospect, new=True)
    activity.record(
        ActivityKind.CREATED,
        actor,
        prospect=prospect,
        data={"source": prospect.source.value},
    )
    announce("crm_prospect_created", agency, actor=actor, prospect=prospect)
    if agent is None:
        assignment.assign_new(actor, prospect)
    else:
        activity.record(
            ActivityKind.ASSIGNED,
            actor,
            prospect=prospect,
            data={"agent_id": agent.id, "agent_name": agent.name, "previous_agent_id": None},
        )
        announce("crm_prospect_assigned", agency, actor=actor, prospect=prospect, agent=agent,
                 previous_agent=None)
    return prospect


def _plain(value: Any) -> Any:
    """Enum members and lists of them as their plain values, for JSON columns."""
    if isinstance(value, list):
        return [getattr(v, "value", v) for v in value]
    return value


def _json_safe(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    if value is None or isinstance(value, bool | int | str):
        return getattr(value, "value", value)
    return str(value)


def update_prospect(actor: User, prospect: Prospect, data: dict[str, Any]) -> Prospect:
    """Change the fields sent; records each change on the timeline. A new ``assigned_agent_id``
    is a reassignment (``reassign.apply``), visits and follow-ups included."""
    require(actor, Action.EDIT, prospect)
    values = validate(ProspectUpdate, data, phone_region=phone_region(actor))
    hold(prospect)  # the rules between fields sent and fields kept read what it holds now
    sent = values.model_dump(exclude_unset=True)
    new_agent = "assigned_agent_id" in sent and sent["assigned_agent_id"] != prospect.assigned_agent_id
    if new_agent:
        require(actor, Action.ASSIGN)
        if sent["assigned_agent_id"] is not None:  # refused before anything is changed
            active_user(actor, sent["assigned_agent_id"], "assigned_agent_id")
    new_status = sent.get("status", prospect.status)
    _check_status(new_status, sent.get("lost_reason", prospect.lost_reason))
    requirements = sent.get("requirements", {})
    min_price = requirements.get("min_price", prospect.min_price)
    max_price = requirements.get("max_price", prospect.max_price)
    if min_price is not None and max_price is not None and min_price > max_price:
        raise invalid("requirements.min_price", _("The minimum price is above the maximum price."))
    duplicates = find_duplicates(
        prospect.agency_id, sent.get("email"), sent.get("phone"), exclude_id=prospect.id
    )
    if duplicates:
        raise _duplicate_conflict(actor, duplicates, sent.get("email"))

    changes: dict[str, list[Any]] = {}
    for field in PLAIN_FIELDS:
        if field in sent and getattr(prospect, field) != sent[field]:
            changes[field] = [_json_safe(getattr(prospect, field)), _json_safe(sent[field])]
            setattr(prospect, field, sent[field])
    for field, value in requirements.items():
        value = _plain(value)
        if getattr(prospect, field) != value:
            changes[field] = [_json_safe(getattr(prospect, field)), _json_safe(value)]
            setattr(prospect, field, value)
    if LOOKUP_FIELDS & changes.keys():
        sync_areas(prospect)
    old_status = changes.pop("status", None)
    if changes:
        activity.record(
            ActivityKind.UPDATED,
            actor,
            prospect=prospect,
            data={"changes": changes},
        )
    if old_status:
        record_status_change(actor, prospect, old_status[0], old_status[1])
    prospect.search_text = search_text(prospect)
    if new_agent:  # as the Assignment card does: its future visits and open follow-ups go too
        reassign.apply(actor, [prospect.id], sent["assigned_agent_id"])
    commit()
    return prospect


def record_status_change(actor: User | None, prospect: Prospect, old: str, new: str) -> None:
    """Put a status change (already made on ``prospect``) on the timeline and announce it."""
    activity.record(
        ActivityKind.STATUS_CHANGED,
        actor,
        prospect=prospect,
        data={"old": old, "new": new},
    )
    sync_areas(prospect)
    agency = db.session.get(Agency, prospect.agency_id)
    announce("crm_prospect_status_changed", agency, actor=actor, prospect=prospect, old=old, new=new)


def add_note(actor: User, prospect: Prospect, body: str) -> Activity:
    """Add a free-text note to the prospect's timeline."""
    require(actor, Action.EDIT, prospect)
    body = (body or "").strip()
    if not body:
        raise invalid("body", _("Write the note first."))
    if len(body) > 10_000:
        raise ValidationFailed(_("The note is too long."), {"body": _("At most 10,000 characters.")})
    entry = activity.record(ActivityKind.NOTE, actor, prospect=prospect, summary=body)
    commit()
    return entry


def merge_into(actor: User, existing: Prospect, data: dict[str, Any]) -> Prospect:
    """Add what a would-be duplicate brings to ``existing``: blanks filled, tags joined.

    Fields the existing record already has are kept; the timeline records the merge.
    """
    require(actor, Action.EDIT, existing)
    values = validate(ProspectCreate, data, phone_region=phone_region(actor))
    hold(existing)  # blanks and tags are filled in from what it holds now
    _merge(actor, existing, values)
    commit()
    return existing


def _merge(actor: User | None, existing: Prospect, values: ProspectCreate) -> None:
    """Fill ``existing``'s blanks from ``values``, join tags, take it out of the trash, and
    record the merge; the caller commits."""
    filled: dict[str, Any] = {}
    for field in ("last_name", "email", "phone", "source_detail"):
        new = getattr(values, field)
        if new and not getattr(existing, field):
            setattr(existing, field, new)
            filled[field] = new
    for field in REQUIREMENT_FIELDS:
        new = _plain(getattr(values.requirements, field))
        if new not in (None, []) and getattr(existing, field) in (None, []):
            setattr(existing, field, new)
            filled[field] = _json_safe(new)
    if LOOKUP_FIELDS & filled.keys():
        sync_areas(existing)
    merged_tags = list(dict.fromkeys([*(existing.tags or []), *values.tags]))
    if merged_tags != list(existing.tags or []):
        existing.tags = merged_tags
        filled["tags"] = merged_tags
    if values.marketing_consent and not existing.marketing_consent:
        existing.marketing_consent = True
        filled["marketing_consent"] = True
    if existing.deleted_at is not None:
        existing.deleted_at = None
        existing.deleted_by_id = None
        sync_areas(existing)
    existing.search_text = search_text(existing)
    activity.record(
        ActivityKind.MERGED,
        actor,
        prospect=existing,
        data={"filled": filled, "source": values.source.value, "name": values.first_name},
    )


def take_enquiry(
    agency: Agency, data: dict[str, Any], *, source: str, details: dict[str, Any]
) -> tuple[Prospect, bool]:
    """A lead from outside the agency (a public form): create the prospect, or merge into the
    one with the same e-mail or phone (the live one first), then put the enquiry on its
    timeline (``details`` as its data; ``source``, the plugin that took it, words it: see
    ``crm_timeline_texts``) and announce ``crm_enquiry_received``.

    No user acts: a new prospect goes through the agency's assignment rule. ``data`` is
    checked as ``ProspectCreate``. Takes the write lock; the caller commits. Returns the
    prospect and whether it is new.
    """
    values = validate(ProspectCreate, data, phone_region=agency_phone_region(agency))
    begin_write()
    duplicates = find_duplicates(agency.id, values.email, values.phone)
    duplicates.sort(key=lambda p: (p.deleted_at is not None, p.id))
    if duplicates:
        prospect, created = duplicates[0], False
        _merge(None, prospect, values)
    else:
        prospect, created = _insert(agency, None, values, None), True
    activity.record(ActivityKind.FORM_ENQUIRY, None, prospect=prospect, data=details, source=source)
    announce("crm_enquiry_received", agency, actor=None, prospect=prospect, created=created, details=details)
    return prospect, created


def delete_prospect(actor: User, prospect: Prospect) -> None:
    """Soft-delete: hidden from lists (and matching) until a manager restores it."""
    trash.move_to_trash(actor, prospect, then=lambda: sync_areas(prospect))


def restore_prospect(actor: User, prospect: Prospect) -> None:
    """Undo a soft delete."""
    trash.restore(actor, prospect, then=lambda: sync_areas(prospect))


def erase_prospect(actor: User, prospect: Prospect) -> None:
    """GDPR erasure: personal data is overwritten for good; figures stay anonymous.

    Every installed plugin erases what it holds about the person in the same transaction
    (``crm_prospect_erasing``), first, while they can still find the person by address; if
    one fails, nothing is erased (``PluginFailed``)."""
    require(actor, Action.ERASE)
    get_host().erasing(prospect, actor.agency, actor)
    prospect.first_name = _("Erased")
    prospect.last_name = ""
    prospect.email = None
    prospect.phone = None
    prospect.notes = None
    prospect.tags = []
    prospect.source_detail = None
    prospect.lost_reason = None
    prospect.marketing_consent = False
    prospect.search_text = ""
    prospect.erased_at = utcnow()
    if prospect.deleted_at is None:
        prospect.deleted_at = prospect.erased_at
        prospect.deleted_by_id = actor.id
        sync_areas(prospect)
    db.session.execute(
        Call.__table__.update().where(Call.prospect_id == prospect.id).values(summary="")
    )
    db.session.execute(
        Activity.__table__.update()
        .where(Activity.prospect_id == prospect.id)
        .values(summary="", data={})
    )
    # free texts written about the person elsewhere go too
    db.session.execute(
        FollowUp.__table__.update().where(FollowUp.prospect_id == prospect.id).values(title=_("Erased"))
    )
    db.session.execute(
        Visit.__table__.update()
        .where(Visit.prospect_id == prospect.id)
        .values(feedback=None, cancel_reason=None)
    )
    activity.record(ActivityKind.ERASED, actor, prospect=prospect)
    commit()

