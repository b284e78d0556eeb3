"""Calendar feeds: create, revoke and resolve the secret tokens, and build the iCalendar.

The secret of a feed is shown once, when it is created; only its SHA-256 is stored, so a
leaked database does not leak the feeds. A user has at most one live feed of each kind:
creating a new one revokes the previous one.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from icalendar import Calendar
from icalendar.prop import vText
from realty_crm.plugin_api import (
    Agency,
    Forbidden,
    NotFound,
    Property,
    Prospect,
    User,
    ValidationFailed,
    Visit,
    VisitStatus,
    begin_write,
    db,
    is_staff,
    plugin_enabled,
    plugin_settings,
    tenancy,
    user_language,
    utcnow,
)
from sqlalchemy import Row, select, update

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


def revoke_all(agency: Agency) -> int:
    """Revoke every live feed of ``agency`` (the plugin is being disabled there), in the
    caller's transaction; how many were live."""
    result = db.session.execute(
        update(CalendarFeedToken)
        .where(CalendarFeedToken.agency_id == agency.id, CalendarFeedToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


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
    if not plugin_enabled(agency, NAME):
        return None
    return feed, user, agency


# what an event shows, read as plain rows (no ORM objects: a busy agent's feed holds hundreds)
FEED_COLUMNS = (
    Visit.id, Visit.starts_at, Visit.ends_at, Visit.status, Visit.sequence, Visit.updated_at,
    Prospect.first_name, Prospect.last_name, Prospect.phone,
    Property.reference, Property.address, Property.city, User.name.label("agent_name"),
)


def feed_visits(feed: CalendarFeedToken, user: User, agency: Agency, now: datetime) -> list[Row[Any]]:
    """The visits a feed shows, as rows of ``FEED_COLUMNS``: in the agency's window around
    ``now``, not cancelled, the user's own (a team feed: every agent's), in one query."""
    settings = plugin_settings(agency, NAME)
    assert isinstance(settings, Settings)
    stmt = (
        select(*FEED_COLUMNS)
        .join(Visit.prospect)
        .join(Visit.property)
        .join(Visit.agent)
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
        return list(db.session.execute(stmt))


def uid(visit: Visit | Row[Any], agency: Agency) -> str:
    """The event's UID: the same for a visit whatever changes, so calendars update it in place."""
    return f"visit-{visit.id}@{agency.slug}.realty-crm"


def _fold(line: str) -> bytes:
    """One content line, folded at 75 octets without splitting a UTF-8 character (RFC 5545 §3.1)."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return data + b"\r\n"
    parts, start, limit = [], 0, 75
    while start < len(data):
        end = min(start + limit, len(data))
        while end < len(data) and (data[end] & 0xC0) == 0x80:  # a continuation byte: step back
            end -= 1
        parts.append(data[start:end])
        start, limit = end, 74  # continuation lines start with a space
    return b"\r\n ".join(parts) + b"\r\n"


def _text(value: str) -> str:
    return vText(value).to_ical().decode("utf-8")


def _when(value: datetime) -> str:
    """A UTC date-time in the iCalendar form (RFC 5545 §3.3.5, form 2), e.g. 20261205T093000Z."""
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


@dataclass
class _Labels:
    """The event texts, translated once per feed rather than once per event."""

    phone: str
    agent: str


def _event(row: Row[Any], agency: Agency, stamp: str, labels: _Labels) -> bytes:
    """One VEVENT; texts are escaped by icalendar's ``vText``."""
    name = f"{row.first_name} {row.last_name}".strip()
    lines = [
        "BEGIN:VEVENT",
        f"UID:{_text(uid(row, agency))}",
        f"DTSTAMP:{stamp}",
        f"DTSTART:{_when(row.starts_at)}",
        f"DTEND:{_when(row.ends_at)}",
        f"SUMMARY:{_text(f'{row.reference} · {name}')}",
    ]
    location = ", ".join(part for part in (row.address, row.city) if part)
    if location:
        lines.append(f"LOCATION:{_text(location)}")
    details = []
    if row.phone:
        details.append(labels.phone % {"phone": row.phone})
    details.append(labels.agent % {"name": row.agent_name})
    lines += [
        f"DESCRIPTION:{_text(chr(10).join(details))}",
        f"STATUS:{'CONFIRMED' if row.status == VisitStatus.CONFIRMED else 'TENTATIVE'}",
        f"SEQUENCE:{row.sequence}",
        f"LAST-MODIFIED:{_when(row.updated_at)}",
        "END:VEVENT",
    ]
    return b"".join(_fold(line) for line in lines)


def build_calendar(feed: CalendarFeedToken, user: User, agency: Agency) -> bytes:
    """The feed as an iCalendar document (UTF-8), its texts in the feed owner's language (the
    calendar application that fetches it says nothing about its reader).

    The calendar's own properties go through ``icalendar``; the events are written line by
    line (texts escaped by its ``vText``), which is many times faster than building an ``Event``
    object per visit for a feed of hundreds of visits (SPEC §7: an agent's feed ≤ 100 ms).
    """
    with force_locale(user_language(user) or "en"):
        return _calendar(feed, user, agency)


def _calendar(feed: CalendarFeedToken, user: User, agency: Agency) -> bytes:
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
    head, end = calendar.to_ical().rsplit(b"END:VCALENDAR", 1)
    stamp = _when(now)
    labels = _Labels(phone=_("Prospect phone: %(phone)s"), agent=_("Agent: %(name)s"))
    events = b"".join(_event(row, agency, stamp, labels) for row in feed_visits(feed, user, agency, now))
    return head + events + b"END:VCALENDAR" + end
