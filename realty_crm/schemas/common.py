"""Field types and helpers shared by every API and settings schema."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Generic, TypeVar

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
)

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
    except EmailNotValidError as exc:
        raise ValueError(f"not a valid e-mail address: {exc}") from None
    return result.normalized.lower()


def normalise_phone(value: str, region: str = DEFAULT_PHONE_REGION) -> str:
    """A phone number in E.164 (``+34600111222``); raises ValueError when it is not one."""
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        raise ValueError("not a phone number") from None
    if not phonenumbers.is_possible_number(number) or not phonenumbers.is_valid_number(number):
        raise ValueError("not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _phone_validator(value: str, info: ValidationInfo) -> str:
    region = (info.context or {}).get("phone_region", DEFAULT_PHONE_REGION)
    return normalise_phone(value, region)


def _reject_controls(value: str) -> str:
    if any(ord(ch) < 32 and ch not in "\n\r\t" for ch in value):
        raise ValueError("contains control characters")
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


def error_details(exc: ValidationError) -> dict[str, str]:
    """Map pydantic's errors to ``{"field.path": "message"}``."""
    details: dict[str, str] = {}
    for err in exc.errors():
        loc = [str(p) for p in err["loc"] if not str(p).startswith("function-")]
        # drop pydantic's type tags (e.g. "constrained-str") from the path
        loc = [p for p in loc if not p.startswith(("constrained-", "function-"))]
        field = ".".join(loc) or "__root__"
        message = err["msg"]
        if err["type"] == "extra_forbidden":
            message = "unknown field"
        elif message.startswith("Value error, "):
            message = message.removeprefix("Value error, ")
        details.setdefault(field, message)
    return details


def validate(model: type[T], data: Any, **context: Any) -> T:
    """Validate ``data`` against ``model`` or raise ``ValidationFailed`` naming each field."""
    if not isinstance(data, dict):
        raise ValidationFailed("The request body must be a JSON object.", {"__root__": "expected an object"})
    try:
        return model.model_validate(data, context=context)  # type: ignore[attr-defined]
    except ValidationError as exc:
        details = error_details(exc)
        raise ValidationFailed("Some fields are not valid.", details) from None

