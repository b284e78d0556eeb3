"""Calendar feeds: create, revoke and resolve the secret tokens, and build the iCalendar.

The secret of a feed is shown once, when it is created; only its SHA-256 is stored, so a
leaked database does not leak the feeds. A user has at most one live feed of each kind:
creating a new one revokes the previous one.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask_babel import gettext as _
from icalendar import Calendar, Event
from realty_crm import tenancy
from realty_crm.database import begin_write
from realty_crm.errors import Forbidden, NotFound, ValidationFailed
from realty_crm.extensions import db
from realty_crm.models import Agency, Prospect, User, Visit, VisitStatus, utcnow
from realty_crm.plugin_host import get_host
from realty_crm.policy import is_staff
from sqlalchemy import select
from sqlalchemy.orm import contains_eager, joinedload

from .models import KIND_AGENT, KIND_TEAM, KINDS, CalendarFeedToken
from .settings import NAME, Settings

MAX_SECRET_CHARS = 100
PRODID = "-//realty-crm//calendar_sync//EN"


def hash_secret(secret: str) -> str:
    """The stored form of a feed secret."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def may_create(user: User, kind: str) -> bool:
    """Every user may have their own feed; only managers and admins a team feed."""
    return kind == KIND_AGENT or (kind == KIND_TEAM and is_staff(user))


def live_feeds(user: User) -> list[CalendarFeedToken]:
    """The user's feeds that are not revoked, newest first."""
    stmt = (
        select(CalendarFeedToken)
        .where(CalendarFeedToken.user_id == user.id, CalendarFeedToken.revoked_at.is_(None))
        .order_by(CalendarFeedToken.created_at.desc(), CalendarFeedToken.id.desc())
    )
    return list(db.session.scalars(stmt))


def create_feed(actor: User, kind: str) -> tuple[CalendarFeedToken, str]:
    """Give ``actor`` a new feed of ``kind`` (revoking their previous one of that kind);
    returns the row and the secret, which is never stored and cannot be shown again."""
    if kind not in KINDS:
        raise ValidationFailed(_("Choose a kind of feed."), {"kind": _("Choose a kind of feed.")})
    if not may_create(actor, kind):
        raise Forbidden(_("Only managers and admins can have a team feed."))
    begin_write()
    now = utcnow()
    for feed in live_feeds(actor):
        if feed.kind == kind:
            feed.revoked_at = now
    secret = secrets.token_urlsafe(32)
    feed = CalendarFeedToken(
        agency_id=actor.agency_id, user_id=actor.id, kind=kind, token_hash=hash_secret(secret), created_at=now
    )
    db.session.add(feed)
    db.session.commit()
    return feed, secret


def revoke_feed(actor: User, kind: str) -> CalendarFeedToken:
    """Revoke ``actor``'s live feed of ``kind`` (a user has at most one of each kind); not found
    when they have none. Only one's own feeds can be revoked: there is no feed id to guess."""
    begin_write()
    feed = next((f for f in live_feeds(actor) if f.kind == kind), None)
    if feed is None:
        raise NotFound(_("No such calendar feed."))
    feed.revoked_at = utcnow()
    db.session.commit()
    return feed


def resolve(secret: str) -> tuple[CalendarFeedToken, User, Agency] | None:
    """The live feed of ``secret`` with its user and agency, or None when the secret is unknown
    or revoked, the user inactive (or no longer staff for a team feed), or the plugin disabled."""
    if not secret or len(secret) > MAX_SECRET_CHARS:
        return None
    feed = db.session.scalars(
        select(CalendarFeedToken)
        .where(CalendarFeedToken.token_hash == hash_secret(secret), CalendarFeedToken.revoked_at.is_(None))
        .execution_options(**tenancy.unscoped())
    ).first()
    if feed is None:
        return None
    agency = db.session.get(Agency, feed.agency_id)
    user = db.session.scalars(
        select(User)
        .where(User.id == feed.user_id, User.agency_id == feed.agency_id)
        .execution_options(**tenancy.unscoped())
    ).first()
    if agency is None or user is None or not user.active or not may_create(user, feed.kind):
        return None
    if not get_host().is_enabled(agency, NAME):
        return None
    return feed, user, agency


def feed_visits(feed: CalendarFeedToken, user: User, agency: Agency, now: datetime) -> list[Visit]:
    """The visits a feed shows: in the agency's window around ``now``, not cancelled, the user's
    own (a team feed: every agent's), with what the events show loaded in the same query."""
    settings = get_host().settings(agency, NAME)
    assert isinstance(settings, Settings)
    stmt = (
        select(Visit)
        .join(Visit.prospect)
        .join(Visit.property)
        .options(contains_eager(Visit.prospect), contains_eager(Visit.property), joinedload(Visit.agent))
        .where(
            Visit.status != VisitStatus.CANCELLED,
            Visit.starts_at >= now - timedelta(days=settings.days_back),
            Visit.starts_at <= now + timedelta(days=settings.days_ahead),
        )
        .order_by(Visit.starts_at, Visit.id)
    )
    if feed.kind == KIND_AGENT:
        stmt = stmt.where(Visit.agent_id == user.id)
    with tenancy.scope(agency.id):
        return list(db.session.scalars(stmt).unique())


def uid(visit: Visit, agency: Agency) -> str:
    """The event's UID: the same for a visit whatever changes, so calendars update it in place."""
    return f"visit-{visit.id}@{agency.slug}.realty-crm"


def _event(visit: Visit, agency: Agency, now: datetime) -> Event:
    prospect: Prospect = visit.prospect
    prop = visit.property
    event = Event()
    event.add("uid", uid(visit, agency))
    event.add("dtstamp", now)
    event.add("dtstart", visit.starts_at)
    event.add("dtend", visit.ends_at)
    event.add("summary", f"{prop.reference} · {prospect.full_name}")
    location = ", ".join(part for part in (prop.address, prop.city) if part)
    if location:
        event.add("location", location)
    lines = []
    if prospect.phone:
        lines.append(_("Prospect phone: %(phone)s", phone=prospect.phone))
    lines.append(_("Agent: %(name)s", name=visit.agent.name))
    event.add("description", "\n".join(lines))
    event.add("status", "CONFIRMED" if visit.status == VisitStatus.CONFIRMED else "TENTATIVE")
    event.add("sequence", visit.sequence)
    event.add("last-modified", visit.updated_at)
    return event


def build_calendar(feed: CalendarFeedToken, user: User, agency: Agency) -> bytes:
    """The feed as an iCalendar document (UTF-8)."""
    now = utcnow().replace(microsecond=0)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    if feed.kind == KIND_TEAM:
        name = _("%(agency)s visits", agency=agency.name)
    else:
        name = _("%(agency)s visits of %(name)s", agency=agency.name, name=user.name)
    calendar.add("x-wr-calname", name)
    for visit in feed_visits(feed, user, agency, now):
        calendar.add_component(_event(visit, agency, now))
    return calendar.to_ical()
