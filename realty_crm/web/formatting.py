"""Jinja filters that show times, money and enums in the user's language and time zone."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Any

from babel import Locale
from flask import Flask
from flask_babel import (
    format_currency,
    format_date,
    format_datetime,
    format_decimal,
    format_time,
    format_timedelta,
    get_locale,
    to_user_timezone,
)
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..models import (
    ActivityKind,
    CallDirection,
    CallOutcome,
    ListingOperation,
    Operation,
    PropertyStatus,
    PropertyType,
    ProspectSource,
    ProspectStatus,
    Role,
    VisitStatus,
    utcnow,
)

# the words users see for each enum value, translated
LABELS: dict[str, Any] = {
    ProspectStatus.NEW: _l("New"),
    ProspectStatus.CONTACTED: _l("Contacted"),
    ProspectStatus.QUALIFIED: _l("Qualified"),
    ProspectStatus.VISITING: _l("Visiting"),
    ProspectStatus.OFFER: _l("Offer"),
    ProspectStatus.WON: _l("Won"),
    ProspectStatus.LOST: _l("Lost"),
    ProspectSource.WEB_FORM: _l("Web form"),
    ProspectSource.PHONE: _l("Phone"),
    ProspectSource.WALK_IN: _l("Walk-in"),
    ProspectSource.PORTAL: _l("Portal"),
    ProspectSource.REFERRAL: _l("Referral"),
    ProspectSource.EMAIL: _l("E-mail"),
    ProspectSource.OTHER: _l("Other"),
    Operation.BUY: _l("Buy"),
    ListingOperation.SALE: _l("Sale"),
    ListingOperation.RENT: _l("Rent"),
    PropertyType.FLAT: _l("Flat"),
    PropertyType.HOUSE: _l("House"),
    PropertyType.STUDIO: _l("Studio"),
    PropertyType.DUPLEX: _l("Duplex"),
    PropertyType.PENTHOUSE: _l("Penthouse"),
    PropertyType.COMMERCIAL: _l("Commercial"),
    PropertyType.OFFICE: _l("Office"),
    PropertyType.LAND: _l("Land"),
    PropertyType.GARAGE: _l("Garage"),
    PropertyStatus.DRAFT: _l("Draft"),
    PropertyStatus.AVAILABLE: _l("Available"),
    PropertyStatus.RESERVED: _l("Reserved"),
    PropertyStatus.SOLD: _l("Sold"),
    PropertyStatus.RENTED: _l("Rented"),
    PropertyStatus.WITHDRAWN: _l("Withdrawn"),
    VisitStatus.SCHEDULED: _l("Scheduled"),
    VisitStatus.CONFIRMED: _l("Confirmed"),
    VisitStatus.DONE: _l("Done"),
    VisitStatus.CANCELLED: _l("Cancelled"),
    VisitStatus.NO_SHOW: _l("No-show"),
    CallDirection.INBOUND: _l("Inbound"),
    CallDirection.OUTBOUND: _l("Outbound"),
    CallOutcome.ANSWERED: _l("Answered"),
    CallOutcome.NO_ANSWER: _l("No answer"),
    CallOutcome.VOICEMAIL: _l("Voicemail"),
    CallOutcome.BUSY: _l("Busy"),
    CallOutcome.WRONG_NUMBER: _l("Wrong number"),
    Role.ADMIN: _l("Admin"),
    Role.MANAGER: _l("Manager"),
    Role.AGENT: _l("Agent"),
    ActivityKind.CREATED: _l("Created"),
    ActivityKind.UPDATED: _l("Updated"),
    ActivityKind.ASSIGNED: _l("Assigned"),
    ActivityKind.STATUS_CHANGED: _l("Status"),
    ActivityKind.CALL: _l("Call"),
    ActivityKind.VISIT: _l("Visit"),
    ActivityKind.EMAIL_SENT: _l("E-mail"),
    ActivityKind.FORM_ENQUIRY: _l("Enquiry"),
    ActivityKind.NOTE: _l("Note"),
    ActivityKind.FOLLOW_UP: _l("Follow-up"),
    ActivityKind.DELETED: _l("Deleted"),
    ActivityKind.RESTORED: _l("Restored"),
    ActivityKind.MERGED: _l("Merged"),
    ActivityKind.ERASED: _l("Erased"),
    ActivityKind.PRICE_CHANGED: _l("Price"),
}
# "rent" is both an Operation and a ListingOperation with the same word
LABELS[Operation.RENT] = LABELS[ListingOperation.RENT]

# the fraction digits of a currency pattern, dropped for whole amounts
_CENTS = re.compile(r"\.0+")


def label(value: Any) -> str:
    """The translated word for an enum value (or the value itself)."""
    if value is None:
        return ""
    return str(LABELS.get(value, getattr(value, "value", value)))


def money(value: Decimal | int | None, currency: str | None = None) -> str:
    """A price in the agency's currency and the user's locale, without cents when whole."""
    if value is None:
        return ""
    if currency is None:
        currency = current_user.agency.currency if current_user.is_authenticated else "EUR"
    amount = Decimal(value)
    if amount != amount.to_integral_value():
        return format_currency(amount, currency)
    # a whole amount without cents, in the locale's own pattern: "250.000 €" in es, "€250,000" in en
    pattern = (get_locale() or Locale("en")).currency_formats["standard"].pattern
    return format_currency(amount, currency, format=_CENTS.sub("", pattern), currency_digits=False)


def when(value: datetime | None, fmt: str = "short") -> str:
    """A date-time in the user's (else the agency's) time zone and language."""
    return format_datetime(value, fmt) if value else ""


def clock(value: datetime | None, fmt: str = "short") -> str:
    """The time of day of a date-time, in the user's time zone and language."""
    return format_time(value, fmt) if value else ""


def isoday(value: datetime | None) -> str:
    """The day of a date-time in the user's time zone, as ``YYYY-MM-DD`` (for links)."""
    return to_user_timezone(value).date().isoformat() if value else ""


def iso_when(value: str | None, fmt: str = "short") -> str:
    """An ISO 8601 date-time kept as text (timeline data) shown like ``when``."""
    if not value:
        return ""
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return str(value)
    return when(parsed, fmt)


def age(value: datetime | None) -> str:
    """How long ago ``value`` was, in words ("3 days ago")."""
    if value is None:
        return ""
    return format_timedelta(value - utcnow(), add_direction=True)


def duration(seconds: int | None) -> str:
    """A call's length as minutes and seconds, e.g. ``4:05``."""
    if seconds is None:
        return ""
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes}:{rest:02d}"


def plain(value: Any) -> str:
    """A stored value (timeline change data) as short text: lists joined, blanks as a dash."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return str(_l("Yes") if value else _l("No"))
    if isinstance(value, list | tuple):
        return ", ".join(label(item) for item in value)
    return label(value)


def day(value: datetime | None, fmt: str = "medium") -> str:
    """A date in the user's time zone and language."""
    return format_date(value, fmt) if value else ""


def number(value: Any) -> str:
    return format_decimal(value) if value is not None else ""


def register_filters(app: Flask) -> None:
    """Make the formatting helpers available to every template."""
    app.jinja_env.filters.update(
        label=label, money=money, when=when, clock=clock, isoday=isoday, day=day, number=number,
        iso_when=iso_when, duration=duration, plain=plain, age=age,
    )
