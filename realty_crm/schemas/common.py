"""Field types and helpers shared by every API and settings schema."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal
from typing import Annotated, Any, Generic, TypeVar

import phonenumbers
from babel import Locale
from babel.lists import format_list
from babel.numbers import format_decimal
from email_validator import EmailNotValidError, validate_email
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
)

from .. import dates
from ..errors import ValidationFailed
from ..tenancy import MAX_ID

T = TypeVar("T")

DEFAULT_PHONE_REGION = "ES"


class InputModel(BaseModel):
    """A request body: unknown fields are refused, strings are stripped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class OutputModel(BaseModel):
    """A response body, read from ORM attributes."""

    model_config = ConfigDict(from_attributes=True)


def _blank_to_none(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _normalise_email(value: str) -> str:
    try:
        result = validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        raise ValueError(_("not a valid e-mail address")) from None
    return result.normalized.lower()


def normalise_phone(value: str, region: str = DEFAULT_PHONE_REGION) -> str:
    """A phone number in E.164 (``+34600111222``); raises ValueError when it is not one."""
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        raise ValueError(_("not a phone number")) from None
    if not phonenumbers.is_possible_number(number) or not phonenumbers.is_valid_number(number):
        raise ValueError(_("not a valid phone number"))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _phone_validator(value: str, info: ValidationInfo) -> str:
    region = (info.context or {}).get("phone_region", DEFAULT_PHONE_REGION)
    return normalise_phone(value, region)


def _reject_controls(value: str) -> str:
    if any(ord(ch) < 32 and ch not in "\n\r\t" for ch in value):
        raise ValueError(_("contains control characters"))
    return value


def text(max_length: int, min_length: int = 0) -> Any:
    """A stripped string of bounded length with no control characters."""
    return Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length),
        AfterValidator(_reject_controls),
    ]


Name = text(100, 1)
OptionalText = Annotated[str | None, BeforeValidator(_blank_to_none)]
Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=254),
    AfterValidator(_normalise_email),
]
Phone = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=40), AfterValidator(_phone_validator)
]
Amount = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]
Tag = text(50, 1)
# the id of a record another field points to (a larger number cannot be one, and SQLite cannot bind it)
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
# every date-time the API takes (bodies and queries): with an offset, within the app's range
Instant = Annotated[
    AwareDatetime,
    AfterValidator(dates.check_instant),
    Field(
        description=dates.RANGE_DESCRIPTION,
        json_schema_extra={"formatMinimum": dates.EARLIEST_TEXT, "formatMaximum": dates.LATEST_TEXT},
    ),
]
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_day(value: Any) -> Any:
    """Only ``YYYY-MM-DD`` text (or a date) is a day; pydantic would also read numbers as times."""
    if isinstance(value, str) and not _ISO_DAY.fullmatch(value.strip()):
        raise ValueError(_("Input should be a valid date in the format YYYY-MM-DD"))
    if not isinstance(value, str | date):
        raise ValueError(_("Input should be a valid date in the format YYYY-MM-DD"))
    return value.strip() if isinstance(value, str) else value


# every date the API takes (bodies and queries): YYYY-MM-DD within the app's range
Day = Annotated[
    date,
    BeforeValidator(_iso_day),
    AfterValidator(dates.check_day),
    Field(
        description=dates.DAY_RANGE_DESCRIPTION,
        json_schema_extra={
            "formatMinimum": dates.FIRST_DAY.isoformat(), "formatMaximum": dates.LAST_DAY.isoformat()
        },
    ),
]


def blank_none(inner: Any) -> Any:
    """``inner`` or None, where an empty string also means None."""
    return Annotated[inner | None, BeforeValidator(_blank_to_none)]


class Page(BaseModel, Generic[T]):
    """The list shape of SPEC §4."""

    items: list[T]
    page: int
    per_page: int
    total: int


class ErrorBody(BaseModel):
    code: str
    message: str
    details: dict[str, Any] = {}


class ErrorOut(BaseModel):
    """The error shape of SPEC §4."""

    error: ErrorBody


def _locale() -> Locale:
    return get_locale() or Locale("en")


def _number(value: Any) -> str:
    """A bound from an error's context (a number, else a date or text) written for the user's locale."""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return format_decimal(value, locale=_locale())
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)


def _choices(expected: Any) -> str:
    """pydantic's ``'a', 'b' or 'c'`` joined again with the user's language's word for "or"."""
    values = re.findall(r"'[^']*'", str(expected))
    return format_list(values, style="or", locale=_locale()) if values else str(expected)


def _json_error(ctx: dict[str, Any]) -> str:
    where = re.search(r"line (\d+) column (\d+)", str(ctx.get("error", "")))
    if where is None:
        return _("Invalid JSON")
    return _("Invalid JSON at line %(line)s, column %(column)s", line=where[1], column=where[2])


def _own_message(ctx: dict[str, Any]) -> str:
    # our validators raise ValueError with a text already translated at raise time
    return str(ctx.get("error", ""))


def _valid_integer(_ctx: dict[str, Any]) -> str:
    return _("Input should be a valid integer")


def _valid_number(_ctx: dict[str, Any]) -> str:
    return _("Input should be a valid number")


def _valid_decimal(_ctx: dict[str, Any]) -> str:
    return _("Input should be a valid decimal number")


def _valid_boolean(_ctx: dict[str, Any]) -> str:
    return _("Input should be true or false")


def _valid_datetime(_ctx: dict[str, Any]) -> str:
    return _("Input should be a valid date and time, e.g. 2025-03-01T10:00:00+01:00")


def _valid_date(_ctx: dict[str, Any]) -> str:
    return _("Input should be a valid date in the format YYYY-MM-DD")


def _valid_list(_ctx: dict[str, Any]) -> str:
    return _("Input should be a valid list")


def _valid_object(_ctx: dict[str, Any]) -> str:
    return _("Input should be an object")


def _one_of(ctx: dict[str, Any]) -> str:
    return _("Input should be %(expected)s", expected=_choices(ctx.get("expected", "")))


# pydantic's error types -> the message a user reads, translated when the error is reported.
# Each takes the error's ``ctx`` (bounds such as max_length); types not listed keep pydantic's text.
MESSAGES: dict[str, Callable[[dict[str, Any]], str]] = {
    "missing": lambda ctx: _("Field required"),
    "string_type": lambda ctx: _("Input should be a valid string"),
    "string_unicode": lambda ctx: _("Input should be a valid string"),
    "string_too_short": lambda ctx: ngettext(
        "String should have at least %(num)d character",
        "String should have at least %(num)d characters",
        int(ctx["min_length"]),
    ),
    "string_too_long": lambda ctx: ngettext(
        "String should have at most %(num)d character",
        "String should have at most %(num)d characters",
        int(ctx["max_length"]),
    ),
    "string_pattern_mismatch": lambda ctx: _("Input does not have the expected format"),
    "int_type": _valid_integer,
    "int_parsing": _valid_integer,
    "int_parsing_size": _valid_integer,
    "int_from_float": lambda ctx: _("Input should be a whole number"),
    "float_type": _valid_number,
    "float_parsing": _valid_number,
    "finite_number": lambda ctx: _("Input should be a finite number"),
    "decimal_type": _valid_decimal,
    "decimal_parsing": _valid_decimal,
    "decimal_max_digits": lambda ctx: ngettext(
        "Input should have no more than %(num)d digit in total",
        "Input should have no more than %(num)d digits in total",
        int(ctx["max_digits"]),
    ),
    "decimal_max_places": lambda ctx: ngettext(
        "Input should have no more than %(num)d decimal place",
        "Input should have no more than %(num)d decimal places",
        int(ctx["decimal_places"]),
    ),
    "decimal_whole_digits": lambda ctx: ngettext(
        "Input should have no more than %(num)d digit before the decimal point",
        "Input should have no more than %(num)d digits before the decimal point",
        int(ctx["whole_digits"]),
    ),
    "greater_than": lambda ctx: _("Input should be greater than %(limit)s", limit=_number(ctx["gt"])),
    "greater_than_equal": lambda ctx: _(
        "Input should be greater than or equal to %(limit)s", limit=_number(ctx["ge"])
    ),
    "less_than": lambda ctx: _("Input should be less than %(limit)s", limit=_number(ctx["lt"])),
    "less_than_equal": lambda ctx: _(
        "Input should be less than or equal to %(limit)s", limit=_number(ctx["le"])
    ),
    "multiple_of": lambda ctx: _(
        "Input should be a multiple of %(limit)s", limit=_number(ctx["multiple_of"])
    ),
    "enum": _one_of,
    "literal_error": _one_of,
    "bool_type": _valid_boolean,
    "bool_parsing": _valid_boolean,
    "datetime_type": _valid_datetime,
    "datetime_parsing": _valid_datetime,
    "datetime_from_date_parsing": _valid_datetime,
    "datetime_object_invalid": _valid_datetime,
    "date_type": _valid_date,
    "date_parsing": _valid_date,
    "date_from_datetime_parsing": _valid_date,
    "date_from_datetime_inexact": _valid_date,
    "time_type": lambda ctx: _("Input should be a valid time in the format HH:MM"),
    "time_parsing": lambda ctx: _("Input should be a valid time in the format HH:MM"),
    "timezone_aware": lambda ctx: _("Input should include a UTC offset, e.g. 2025-03-01T10:00:00+01:00"),
    "timezone_naive": lambda ctx: _("Input should not include a UTC offset"),
    "datetime_past": lambda ctx: _("Input should be in the past"),
    "date_past": lambda ctx: _("Input should be in the past"),
    "datetime_future": lambda ctx: _("Input should be in the future"),
    "date_future": lambda ctx: _("Input should be in the future"),
    "extra_forbidden": lambda ctx: _("unknown field"),
    "list_type": _valid_list,
    "set_type": _valid_list,
    "tuple_type": _valid_list,
    "frozen_set_type": _valid_list,
    "too_long": lambda ctx: ngettext(
        "Should have at most %(num)d item", "Should have at most %(num)d items", int(ctx["max_length"])
    ),
    "too_short": lambda ctx: ngettext(
        "Should have at least %(num)d item", "Should have at least %(num)d items", int(ctx["min_length"])
    ),
    "dict_type": _valid_object,
    "model_type": _valid_object,
    "model_attributes_type": _valid_object,
    "json_invalid": _json_error,
    "json_type": lambda ctx: _("Input should be a JSON string"),
    "url_type": lambda ctx: _("Input should be a valid URL"),
    "url_parsing": lambda ctx: _("Input should be a valid URL"),
    "url_scheme": lambda ctx: _("Input should be a valid URL"),
    "uuid_type": lambda ctx: _("Input should be a valid UUID"),
    "uuid_parsing": lambda ctx: _("Input should be a valid UUID"),
    "value_error": _own_message,
    "assertion_error": _own_message,
}


def error_message(err: Any) -> str:
    """The user's-language message for one pydantic error (an item of ``ValidationError.errors()``)."""
    describe = MESSAGES.get(err["type"])
    if describe is not None:
        try:
            message = describe(err.get("ctx") or {})
        except (KeyError, TypeError, ValueError):
            message = ""
        if message:
            return message
    return str(err["msg"]).removeprefix("Value error, ")


def error_details(exc: ValidationError) -> dict[str, str]:
    """Map pydantic's errors to ``{"field.path": "message"}``, in the user's language."""
    details: dict[str, str] = {}
    for err in exc.errors():
        # drop pydantic's type tags (e.g. "constrained-str", "function-after") from the path
        loc = [str(p) for p in err["loc"]]
        loc = [p for p in loc if not p.startswith(("constrained-", "function-"))]
        field = ".".join(loc) or "__root__"
        details.setdefault(field, error_message(err))
    return details


def validate(model: type[T], data: Any, **context: Any) -> T:
    """Validate ``data`` against ``model`` or raise ``ValidationFailed`` naming each field."""
    if not isinstance(data, dict):
        raise ValidationFailed(
            _("The request body must be a JSON object."), {"__root__": _("expected an object")}
        )
    try:
        return model.model_validate(data, context=context)  # type: ignore[attr-defined]
    except ValidationError as exc:
        details = error_details(exc)
        raise ValidationFailed(_("Some fields are not valid."), details) from None

