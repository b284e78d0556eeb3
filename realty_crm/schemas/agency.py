"""Request and response shapes of users, agents and the agency."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from flask_babel import gettext as _
from pydantic import AfterValidator, Field

from ..models import AssignmentRule, Role
from ..timezones import is_canonical
from .common import Email, InputModel, Instant, Name, OutputModel, Phone, blank_none, text

SUPPORTED_LOCALES = ("en", "es")


def _valid_timezone(value: str) -> str:
    if not is_canonical(value):
        raise ValueError(_("not an IANA time zone, e.g. Europe/Madrid"))
    return value


def _valid_locale(value: str) -> str:
    if value not in SUPPORTED_LOCALES:
        raise ValueError(_("must be one of %(choices)s", choices=", ".join(SUPPORTED_LOCALES)))
    return value


def _valid_currency(value: str) -> str:
    if len(value) != 3 or not value.isalpha():
        raise ValueError(_("must be a three-letter ISO 4217 code, e.g. EUR"))
    return value.upper()


TimeZone = Annotated[str, AfterValidator(_valid_timezone)]
Locale = Annotated[str, AfterValidator(_valid_locale)]
Currency = Annotated[str, AfterValidator(_valid_currency)]
AreaList = list[text(100, 1)]  # type: ignore[valid-type]


class AgencyOut(OutputModel):
    id: int
    name: str
    slug: str
    timezone: str
    locale: str
    currency: str
    assignment_rule: AssignmentRule
    agents_see_unassigned: bool
    default_visit_minutes: int


class AgencyUpdate(InputModel):
    name: text(200, 1) = None  # type: ignore[valid-type]
    timezone: TimeZone = None  # type: ignore[assignment]
    locale: Locale = None  # type: ignore[assignment]
    currency: Currency = None  # type: ignore[assignment]
    assignment_rule: AssignmentRule = None  # type: ignore[assignment]
    agents_see_unassigned: bool = None  # type: ignore[assignment]
    default_visit_minutes: int = Field(default=None, ge=5, le=480)  # type: ignore[assignment]


class UserOut(OutputModel):
    id: int
    email: str
    name: str
    phone: str | None
    role: Role
    active: bool
    areas: list[str]
    languages: list[str]
    # an absence: the assignment rules skip the user from ``away_from`` until ``away_until``
    away_from: datetime | None = None
    away_until: datetime | None = None


class AgentOut(UserOut):
    open_prospects: int = 0
    visits_this_week: int = 0
    overdue_follow_ups: int = 0
    # the latest call logged, visit held or follow-up completed
    last_activity_at: datetime | None = None


class MeOut(UserOut):
    agency: AgencyOut
    locale: str | None
    timezone: str | None


class UserCreate(InputModel):
    email: Email
    name: Name  # type: ignore[valid-type]
    role: Role = Role.AGENT
    phone: blank_none(Phone) = None
    password: text(200, 8) = None  # type: ignore[valid-type]
    areas: AreaList = Field(default_factory=list, max_length=30)
    languages: list[text(10, 2)] = Field(default_factory=list, max_length=10)  # type: ignore[valid-type]


class UserUpdate(InputModel):
    name: Name = None  # type: ignore[valid-type,assignment]
    phone: blank_none(Phone) = None
    role: Role = None  # type: ignore[assignment]
    active: bool = None  # type: ignore[assignment]
    areas: AreaList = Field(default=None, max_length=30)  # type: ignore[assignment]
    languages: list[text(10, 2)] = Field(default=None, max_length=10)  # type: ignore[valid-type,assignment]
    locale: blank_none(Locale) = None
    timezone: blank_none(TimeZone) = None
    away_from: Instant | None = None
    away_until: Instant | None = None
