"""Jinja filters that show times, money and enums in the user's language and time zone."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Any

from babel import Locale
from babel.numbers import format_percent
from flask import Flask
from flask_babel import format_decimal, format_timedelta, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..dates import clock, day, iso_when, isoday, raw_time, when
from ..labels import label, language_name
from ..models import utcnow
from ..money import amount
from ..timeline_text import field_label, source_name

# a time kept as text in timeline data
_ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})")


def money(value: Decimal | int | None, currency: str | None = None) -> str:
    """A price in the user's locale and ``currency`` (else the agency's), without cents when whole."""
    if currency is None:
        currency = current_user.agency.currency if current_user.is_authenticated else "EUR"
    return amount(value, currency)


def age(value: datetime | None) -> str:
    """How long ago ``value`` was, in words ("3 days ago")."""
    if value is None:
        return ""
    try:
        return format_timedelta(value - utcnow(), add_direction=True)
    except (OverflowError, ValueError):
        return raw_time(value)


def duration(seconds: int | None) -> str:
    """A call's length as minutes and seconds, e.g. ``4:05``."""
    if seconds is None:
        return ""
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes}:{rest:02d}"


def plain(value: Any) -> str:
    """A stored value (timeline change data) as short text: lists joined, blanks as a dash,
    times (ISO 8601 text) in the reader's zone and language."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, str) and _ISO_TIME.fullmatch(value):
        return iso_when(value)
    if isinstance(value, bool):
        return str(_l("Yes") if value else _l("No"))
    if isinstance(value, list | tuple):
        return ", ".join(label(item) for item in value)
    return label(value)



def percent(value: float | int | None) -> str:
    """A percentage out of 100 as the user's language writes it: "100%" in en, "100 %" in es."""
    if value is None:
        return ""
    locale = get_locale() or Locale("en")
    return format_percent(Decimal(str(value)) / 100, locale=locale, decimal_quantization=False)


def number(value: Any) -> str:
    return format_decimal(value) if value is not None else ""


def register_filters(app: Flask) -> None:
    """Make the formatting helpers available to every template."""
    app.jinja_env.filters.update(
        label=label, money=money, when=when, clock=clock, isoday=isoday, day=day, number=number,
        iso_when=iso_when, duration=duration, plain=plain, age=age, language_name=language_name,
        percent=percent, field_label=field_label, source_name=source_name,
    )
