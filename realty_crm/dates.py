"""The range of dates and times the app accepts, and conversions that never overflow.

Every date-time the API, the forms and the query strings take is an instant between
``EARLIEST`` and ``LATEST`` (UTC, both included), checked *after* its offset (or the user's
time zone, for a naive form value) is applied; every date is a day between ``FIRST_DAY`` and
``LAST_DAY``. Outside that range Python's ``datetime`` cannot even convert between time zones
(``0001-01-01T00:00:00+14:00`` is in year 0), and nobody books a visit for 1850.

The API's types (``schemas.common.Instant``/``Day``, also the ``from``/``to`` query values) and
the forms' fields (``web.forms.LocalDateTimeField``/``DayField``) all check with this module.

Rows stored before the range was enforced may still hold such values: readers convert them
with ``to_zone``, which answers None instead of raising, and show them with ``when``, ``clock``,
``day`` and ``isoday`` (the Jinja filters of the same names), which fall back to the stored
UTC text.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, tzinfo

from flask_babel import format_date, format_datetime, format_time, get_timezone
from flask_babel import gettext as _

FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2199, 12, 31)
EARLIEST = datetime.combine(FIRST_DAY, time.min, tzinfo=UTC)
LATEST = datetime.combine(LAST_DAY, time.max, tzinfo=UTC)

EARLIEST_TEXT = "1900-01-01T00:00:00Z"
LATEST_TEXT = "2199-12-31T23:59:59Z"
RANGE_DESCRIPTION = (
    f"ISO 8601 with a UTC offset, between {EARLIEST_TEXT} and {LATEST_TEXT} "
    "(the instant after applying the offset)."
)
DAY_RANGE_DESCRIPTION = f"YYYY-MM-DD, between {FIRST_DAY} and {LAST_DAY}."


def as_utc(value: datetime) -> datetime | None:
    """An aware ``value`` in UTC, or None when that falls outside what ``datetime`` can hold."""
    try:
        return value.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


def to_zone(value: datetime, zone: tzinfo) -> datetime | None:
    """An aware ``value`` seen in ``zone``, or None when the conversion would overflow."""
    try:
        return value.astimezone(zone)
    except (OverflowError, ValueError):
        return None


def instant_in_range(value: datetime) -> bool:
    """Whether an aware ``value`` is an instant the app accepts."""
    moment = as_utc(value)
    return moment is not None and EARLIEST <= moment <= LATEST


def day_in_range(value: date) -> bool:
    """Whether ``value`` (the date part of a datetime too) is a day the app accepts."""
    day = value.date() if isinstance(value, datetime) else value
    return FIRST_DAY <= day <= LAST_DAY


def instant_message() -> str:
    """The error a user reads for a date-time outside the range, in their language."""
    return _(
        "Give a date and time between %(first)s and %(last)s (UTC).",
        first=FIRST_DAY.isoformat(), last=LAST_DAY.isoformat(),
    )


def day_message() -> str:
    """The error a user reads for a date outside the range, in their language."""
    return _("Pick a date between %(first)s and %(last)s.", first=FIRST_DAY.isoformat(),
             last=LAST_DAY.isoformat())


def check_instant(value: datetime) -> datetime:
    """``value`` unchanged (aware); raises ValueError (with the user's message) when out of range."""
    if value.tzinfo is None or not instant_in_range(value):
        raise ValueError(instant_message())
    return value


def check_day(value: date) -> date:
    """``value`` unchanged; raises ValueError (with the user's message) when out of range."""
    if not day_in_range(value):
        raise ValueError(day_message())
    return value


def raw_time(value: datetime) -> str:
    """A date-time no time zone can show (a stored value beyond the calendar's ends), as UTC text."""
    return value.isoformat(timespec="seconds")


def _local(value: datetime) -> datetime | None:
    """``value`` on the user's (else the agency's) wall clock; None when it cannot be converted."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return to_zone(value, get_timezone())


def _formatted(value: datetime | None, fmt: str, formatter: Callable[..., str]) -> str:
    """``value`` written by one of babel's formatters in the user's zone, else as raw UTC text."""
    if not value:
        return ""
    local = _local(value)
    if local is None:
        return raw_time(value)
    try:
        return formatter(local, fmt, rebase=False)
    except (OverflowError, ValueError):
        return raw_time(value)


def when(value: datetime | None, fmt: str = "short") -> str:
    """A date-time in the user's (else the agency's) time zone and language."""
    return _formatted(value, fmt, format_datetime)


def clock(value: datetime | None, fmt: str = "short") -> str:
    """The time of day of a date-time, in the user's time zone and language."""
    return _formatted(value, fmt, format_time)


def day(value: datetime | date | None, fmt: str = "medium") -> str:
    """A date (or the date of a date-time, in the user's time zone) in the user's language."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return str(format_date(value, fmt))
    return _formatted(value, fmt, format_date)


def isoday(value: datetime | None) -> str:
    """The day of a date-time in the user's time zone, as ``YYYY-MM-DD`` (for links)."""
    local = _local(value) if value else None
    return local.date().isoformat() if local is not None else ""


def iso_when(value: str | None, fmt: str = "short") -> str:
    """An ISO 8601 date-time kept as text (timeline data) shown like ``when``."""
    if not value:
        return ""
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return str(value)
    return when(parsed, fmt)
