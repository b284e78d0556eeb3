"""pydantic's error types become messages in the user's language, with the bounds filled in."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from ipaddress import IPv4Address
from typing import Any

import pytest
from pydantic import AwareDatetime, Field, Json, ValidationError, field_validator

from realty_crm.errors import ValidationFailed
from realty_crm.schemas.agency import UserCreate, UserUpdate
from realty_crm.schemas.common import MESSAGES, InputModel, error_details, text, validate
from realty_crm.schemas.prospect import Requirements


class Colour(StrEnum):
    RED = "red"
    GREEN = "green"
    BLUE = "blue"


class Sample(InputModel):
    """One field per kind of check the schemas use."""

    name: text(100, 2) = "ok"  # type: ignore[valid-type]
    count: int = Field(default=1, ge=1, le=2_147_483_647)
    price: Decimal = Field(default=Decimal(1), ge=0, max_digits=14, decimal_places=2)
    colour: Colour = Colour.RED
    active: bool = True
    at: AwareDatetime | None = None
    tags: list[str] = Field(default_factory=list, max_length=3)
    payload: Json[dict[str, Any]] | None = None
    nickname: str | None = None

    @field_validator("nickname")
    @classmethod
    def _no_admin(cls, value: str | None) -> str | None:
        if value == "admin":
            raise ValueError("reserved")
        return value


# field -> (bad input, Spanish message, English message)
CASES: dict[str, tuple[Any, str, str]] = {
    "name": ("x" * 101, "Debe tener como máximo 100 caracteres", "String should have at most 100 characters"),
    "count": ("many", "Debe ser un número entero válido", "Input should be a valid integer"),
    "price": ("cheap", "Debe ser un número decimal válido", "Input should be a valid decimal number"),
    "colour": (
        "pink",
        "Debe ser 'red', 'green' o 'blue'",
        "Input should be 'red', 'green', or 'blue'",
    ),
    "active": ("maybe", "Debe ser verdadero o falso", "Input should be true or false"),
    "at": (
        "next tuesday",
        "Debe ser una fecha y hora válidas, p. ej. 2025-03-01T10:00:00+01:00",
        "Input should be a valid date and time, e.g. 2025-03-01T10:00:00+01:00",
    ),
    "tags": ("a,b", "Debe ser una lista válida", "Input should be a valid list"),
    "payload": (
        "{oops",
        "JSON no válido en la línea 1, columna 2",
        "Invalid JSON at line 1, column 2",
    ),
    "nickname": ("admin", "reserved", "reserved"),
    "surprise": (1, "campo desconocido", "unknown field"),
}


def _details(data: dict[str, Any], model: type[InputModel] = Sample) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(data)
    return error_details(caught.value)


def test_each_kind_of_error_is_spanish_for_a_spanish_visitor(speaking):
    with speaking("es"):
        details = _details({field: bad for field, (bad, _es, _en) in CASES.items()})
    assert details == {field: es for field, (_bad, es, _en) in CASES.items()}


def test_each_kind_of_error_is_english_for_an_english_visitor(speaking):
    with speaking("en"):
        details = _details({field: bad for field, (bad, _es, _en) in CASES.items()})
    assert details == {field: en for field, (_bad, _es, en) in CASES.items()}


@pytest.mark.parametrize(
    ("data", "field", "spanish"),
    [
        ({"name": "x"}, "name", "Debe tener al menos 2 caracteres"),
        ({"count": 0}, "count", "Debe ser mayor o igual que 1"),
        ({"count": 2_147_483_648}, "count", "Debe ser menor o igual que 2.147.483.647"),
        ({"count": 1.5}, "count", "Debe ser un número entero, sin decimales"),
        ({"count": "1" * 5000}, "count", "Debe ser un número entero válido"),
        ({"price": "-0.01"}, "price", "Debe ser mayor o igual que 0"),
        ({"price": "1.001"}, "price", "Debe tener como máximo 2 decimales"),
        ({"price": "1" * 15}, "price", "Debe tener como máximo 14 dígitos en total"),
        ({"price": "1234567890123.5"}, "price", "Debe tener como máximo 12 dígitos antes de la coma decimal"),
        ({"price": "NaN"}, "price", "Debe ser un número finito"),
        ({"at": "2025-03-01T10:00:00"}, "at",
         "Debe incluir la diferencia con UTC, p. ej. 2025-03-01T10:00:00+01:00"),
        ({"tags": ["a", "b", "c", "d"]}, "tags", "Debe tener como máximo 3 elementos"),
        ({"tags": [1]}, "tags.0", "Debe ser un texto válido"),
        ({"payload": "[1]"}, "payload", "Debe ser un objeto"),
        ({"colour": None}, "colour", "Debe ser 'red', 'green' o 'blue'"),
    ],
)
def test_bounds_are_filled_in_and_written_the_spanish_way(speaking, data, field, spanish):
    with speaking("es"):
        assert _details(data)[field] == spanish


def test_missing_fields_are_named_in_spanish(speaking):
    with speaking("es"), pytest.raises(ValidationFailed) as caught:
        validate(UserCreate, {"role": "agent"})
    assert caught.value.message == "Algunos campos no son válidos."
    assert caught.value.details == {"email": "Campo obligatorio", "name": "Campo obligatorio"}


def test_a_body_that_is_not_an_object_is_refused_in_spanish(speaking):
    with speaking("es"), pytest.raises(ValidationFailed) as caught:
        validate(Sample, ["not", "an", "object"])
    assert caught.value.details == {"__root__": "se esperaba un objeto"}


@pytest.mark.parametrize(
    ("data", "field", "spanish"),
    [
        ({"min_price": "500000", "max_price": "100000"}, "__root__", "el precio mínimo (min_price)"),
        ({"operation": "steal"}, "operation", "Debe ser 'buy' o 'rent'"),
    ],
)
def test_our_own_validators_speak_spanish(speaking, data, field, spanish):
    with speaking("es"):
        assert _details(data, Requirements)[field].startswith(spanish)


@pytest.mark.parametrize(
    ("data", "field", "spanish", "english"),
    [
        ({"locale": "fr"}, "locale", "debe ser uno de estos valores: en, es", "must be one of en, es"),
        ({"timezone": "Mars/Base"}, "timezone", "no es una zona horaria IANA", "not an IANA time zone"),
        ({"phone": "12"}, "phone", "no es un número de teléfono válido", "not a valid phone number"),
        ({"phone": "hello"}, "phone", "no es un número de teléfono", "not a phone number"),
        ({"name": "Ana\x00"}, "name", "contiene caracteres de control", "contains control characters"),
        ({"away_from": "2025-03-01T10:00"}, "away_from", "Debe incluir la diferencia", "Input should"),
        ({"missing_field": "x"}, "missing_field", "campo desconocido", "unknown field"),
    ],
)
def test_user_fields_are_refused_in_each_language(speaking, data, field, spanish, english):
    with speaking("es"):
        assert _details(data, UserUpdate)[field].startswith(spanish)
    with speaking("en"):
        assert _details(data, UserUpdate)[field].startswith(english)


def test_messages_are_english_outside_any_request():
    """CLI commands and jobs validate too: they get the English source text."""
    details = _details({"name": "x" * 101, "surprise": 1, "colour": "pink"})
    assert details["name"] == "String should have at most 100 characters"
    assert details["surprise"] == "unknown field"
    assert details["colour"] == "Input should be 'red', 'green', or 'blue'"


def test_the_error_types_the_api_promises_have_messages():
    promised = {
        "missing", "string_too_short", "string_too_long", "int_parsing", "int_type", "decimal_parsing",
        "greater_than_equal", "less_than_equal", "enum", "bool_parsing", "datetime_parsing",
        "timezone_aware", "extra_forbidden", "list_type", "too_long", "json_invalid", "value_error",
    }
    assert promised <= set(MESSAGES)


def test_a_type_without_a_message_keeps_pydantics_text(speaking):
    class Odd(InputModel):
        address: IPv4Address | None = None
        code: str = Field(default="A1", pattern=r"^[A-Z]\d$")

    with speaking("es"):
        details = _details({"address": "300.1.1.1", "code": "zz"}, Odd)
    assert details["address"] == "Input is not a valid IPv4 address"
    assert details["code"] == "No tiene el formato esperado"
