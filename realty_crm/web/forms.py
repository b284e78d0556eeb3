"""Pieces shared by the web forms: field types, choices, and putting service errors on fields.

Forms only parse what the browser sends (text to numbers, local times to UTC) and
render labelled fields; every rule lives in the services. A view builds a plain
dict from a form, calls the service, and on ``ServiceError`` hands the error to
``apply_service_error`` so each message lands next to its field.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time, tzinfo
from enum import StrEnum
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import escape
from sqlalchemy import or_, select
from wtforms import (
    DateField,
    DateTimeLocalField,
    Field,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    ValidationError,
    widgets,
)

from .. import dates
from ..collation import collated
from ..errors import ServiceError
from ..extensions import db
from ..models import User
from ..tenancy import MAX_ID
from .formatting import label

T = TypeVar("T")

# keys of ServiceError.details that are data for the view, not messages for a field
NON_FIELD_KEYS = {"existing_id", "clash", "clashing_visit_id", "clashing_visit"}
LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
_ID_RE = re.compile(r"[0-9]{1,10}")


def choices(pairs: Iterable[tuple[Any, Any]], blank: Any = None) -> list[SelectChoice]:
    """Select options from ``(value, label)`` pairs, optionally after a blank choice."""
    options = [SelectChoice("", blank)] if blank is not None else []
    return options + [SelectChoice(str(value), shown) for value, shown in pairs]


def enum_choices(enum_cls: type[StrEnum], blank: Any = None) -> list[SelectChoice]:
    """The options of an enum with their translated labels, optionally after a blank choice."""
    return choices(((member.value, _LazyLabel(member)) for member in enum_cls), blank)


class _LazyLabel:
    """An enum label translated when rendered (choices are built at import time)."""

    def __init__(self, value: StrEnum) -> None:
        self.value = value

    def __str__(self) -> str:
        return label(self.value)

    def __html__(self) -> str:
        return str(escape(str(self)))


def optional_int(value: Any) -> int | None:
    """Coerce a select's value to an int, the blank choice to None (raises ValueError otherwise)."""
    if value is None or value == "":
        return None
    return int(value)


def record_id(value: Any) -> int:
    """A record's id as sent by a form: plain digits from 1 to ``MAX_ID`` (raises ValueError otherwise).

    A larger number, a sign, an exponent or a NUL byte is refused here, before any query:
    neither database can even bind an integer past 64 bits, and ids are 32-bit."""
    text_value = str(value)
    if not _ID_RE.fullmatch(text_value) or not 0 < int(text_value) <= MAX_ID:
        raise ValueError(f"not a record id: {text_value[:20]!r}")
    return int(text_value)


def select_id(value: Any) -> int | None:
    """Coerce a select's value to a record id (``record_id``), the blank choice to None."""
    if value is None or value == "":
        return None
    return record_id(value)


class RecordSelectField(SelectField):
    """A select of records (agents, properties, prospects): its value is a record id or, for
    the blank choice, None; anything else sent is "not one of the options", next to the field."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("coerce", select_id)
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        try:
            self.data = select_id(valuelist[0])
        except ValueError:
            self.data = None
            raise ValueError(_("Choose one of the options.")) from None


def user_zone() -> tzinfo:
    """The signed-in user's time zone (their own, else the agency's)."""
    return ZoneInfo(current_user.effective_timezone)


def to_utc(value: datetime | None) -> datetime | None:
    """An aware datetime (or a naive one in the user's zone) as aware UTC."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=user_zone())
    return value.astimezone(UTC)


def local_now() -> datetime:
    """The current time in the user's zone."""
    return datetime.now(UTC).astimezone(user_zone())


def plausible_day(day: date) -> bool:
    """Whether a typed date is within the years the app works with (``realty_crm.dates``)."""
    return dates.day_in_range(day)


def local_datetime(day: date, clock: time) -> datetime:
    """``day`` at the wall-clock time ``clock`` in the user's zone, as an aware datetime.

    Raises ValueError when that time does not exist there (the clocks jump over it);
    a time that happens twice (the clocks go back) means its first occurrence.
    """
    zone = user_zone()
    value = datetime.combine(day, clock.replace(tzinfo=None, fold=0), tzinfo=zone)
    if value.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != value.replace(tzinfo=None):
        raise ValueError(f"{day} {clock} does not exist in {zone}")
    return value


class DayField(DateField):
    """A date input that refuses days outside the app's range (``realty_crm.dates``)."""

    def pre_validate(self, form: FlaskForm) -> None:
        if isinstance(self.data, date) and not dates.day_in_range(self.data):
            self.data = None  # nothing downstream may compute with it
            raise ValidationError(dates.day_message())


class LocalDateTimeField(DateTimeLocalField):
    """A ``datetime-local`` input read in the signed-in user's time zone, within the app's range."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("format", LOCAL_FORMATS)
        kwargs.setdefault("tz", user_zone)
        super().__init__(*args, **kwargs)

    def pre_validate(self, form: FlaskForm) -> None:
        if isinstance(self.data, datetime) and not dates.instant_in_range(self.data):
            self.data = None
            raise ValidationError(dates.instant_message())

    def _value(self) -> str:
        if not self.raw_data and isinstance(self.data, datetime) and not dates.instant_in_range(self.data):
            return ""  # a stored value outside the range is typed anew (no zone may even hold it)
        return str(super()._value())


class CheckboxListField(SelectMultipleField):
    """A multiple choice shown as a list of checkboxes (friendlier than a multi-select on a phone)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def split_list(text: str | None) -> list[str]:
    """Comma (or line) separated text as a list of stripped, non-empty items."""
    return [item.strip() for item in re.split(r"[,\n]", text or "") if item.strip()]


def join_list(items: Iterable[str] | None) -> str:
    """A list as the comma separated text the forms edit."""
    return ", ".join(items or [])


def text(field: Field) -> str:
    """A text field's value, never None."""
    return (field.data or "").strip() if isinstance(field.data, str) else ""


def user_choices(
    *, active_only: bool = True, blank: Any = None, keep: int | None = None
) -> list[SelectChoice]:
    """The agency's users as options, optionally after a blank choice.

    ``keep`` is the user a record already points at: offered even when inactive, so that
    saving the form unchanged does not silently drop them.
    """
    stmt = select(User.id, User.name, User.active).order_by(collated(User.name), User.id)
    if active_only:
        stmt = stmt.where(or_(User.active.is_(True), User.id == keep))
    pairs = [
        (user_id, name if active else _("%(name)s (inactive)", name=name))
        for user_id, name, active in db.session.execute(stmt)
    ]
    return choices(pairs, blank)


def _candidates(key: str, aliases: dict[str, str]) -> list[str]:
    """Form field names a detail key may mean: itself, without list indexes, its last part."""
    parts = key.split(".")
    while len(parts) > 1 and parts[-1].isdigit():
        parts.pop()
    names = [key, ".".join(parts), parts[-1], parts[0]]
    return [aliases.get(name, name) for name in dict.fromkeys(names)]


def apply_service_error(
    form: FlaskForm, exc: ServiceError, aliases: dict[str, str] | None = None
) -> None:
    """Put each message of ``exc.details`` on the matching field; the rest on the form."""
    aliases = aliases or {}
    placed = False
    for key, message in exc.details.items():
        if key in NON_FIELD_KEYS or not isinstance(message, str):
            continue
        target = next(
            (form[name] for name in _candidates(key, aliases) if name in form._fields), None
        )
        if target is not None and target is not getattr(form, "csrf_token", None):
            if message not in target.errors:
                target.errors = [*target.errors, message]
            placed = True
        else:
            form.form_errors.append(message)
            placed = True
    if not placed:
        form.form_errors.append(exc.message)


class SearchForm(FlaskForm):
    """Base of the GET filter forms of list pages (no CSRF: they change nothing)."""

    class Meta:
        csrf = False


def invalid_filters_dropped(form: FlaskForm) -> None:
    """Validate a filter form and blank the fields that did not parse, keeping their errors."""
    form.validate()
    for name in form.errors:
        if name in form._fields:
            form[name].data = None



def attempt(
    form: FlaskForm, call: Callable[..., T], *args: Any, aliases: dict[str, str] | None = None
) -> T | None:
    """Run a service call; on refusal undo the unit of work, show the errors and return None.

    The refusal stays on ``form.service_error`` for views that need its details.
    """
    try:
        return call(*args)
    except ServiceError as exc:
        db.session.rollback()
        form.service_error = exc
        apply_service_error(form, exc, aliases)
        return None
