"""A NUL byte anywhere in an API request is a 422 naming the field, on SQLite and PostgreSQL alike,
and nothing is stored (PostgreSQL cannot store one: it was a 500; SQLite stored it silently)."""

from __future__ import annotations

from typing import Any

import pytest

from realty_crm import tenancy
from realty_crm.extensions import db
from realty_crm.models import Prospect

from .test_errors import assert_error

REASON = "must not contain a NUL character (\\0)"


def _prospect_names(agency_id: int) -> list[str]:
    db.session.expire_all()
    with tenancy.scope(agency_id):
        return sorted(p.first_name for p in db.session.query(Prospect).all())


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"first_name": "Ana", "email": "ana\x00@example.com"}, "email"),
        ({"first_name": "Ana", "last_name": "\x00"}, "last_name"),
        ({"first_name": "Ana", "tags": ["ok", "vip\x00"]}, "tags.1"),
        ({"first_name": "Ana", "requirements": {"areas": ["Centro", "\x00Sur"]}}, "requirements.areas.1"),
        ({"first_name": "Ana", "first\x00name": "x"}, "first\\x00name"),
    ],
)
def test_a_nul_in_a_json_body_is_422_naming_the_field_and_nothing_is_stored(
    api, team, body: dict[str, Any], field: str
):
    error = assert_error(api(team.manager).post("/api/v1/prospects", json=body), 422, "validation_error")

    assert error["details"] == {field: REASON}
    assert _prospect_names(team.agency.id) == []


def test_a_nul_in_a_change_leaves_the_record_as_it_was(api, team, make):
    prospect = make.prospect(team.manager, first_name="Ana", email="ana@example.com")

    response = api(team.manager).patch(
        f"/api/v1/prospects/{prospect.id}", json={"first_name": "Eva", "phone": "+34 600\x00111222"}
    )

    assert assert_error(response, 422)["details"] == {"phone": REASON}
    assert _prospect_names(team.agency.id) == ["Ana"]


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/v1/prospects?q=ana%00", "q"),
        ("/api/v1/prospects?status=new%00", "status"),
        ("/api/v1/properties?city=%00", "city"),
        ("/api/v1/visits?from=2030-01-01T00:00:00Z%00", "from"),
        ("/api/v1/prospects?a%00b=1", "a\\x00b"),
    ],
)
def test_a_nul_in_the_query_string_is_422_naming_the_parameter(api, client, team, path: str, field: str):
    error = assert_error(api(team.manager).get(path), 422, "validation_error")

    assert error["details"] == {field: REASON}
    assert_error(client.get(path), 401, "unauthorized")  # a stranger learns nothing: 401 comes first


def test_the_refusal_speaks_the_callers_language(api, team):
    team.manager.locale = "es"
    db.session.commit()

    error = assert_error(api(team.manager).post("/api/v1/prospects", json={"first_name": "A\x00"}), 422)

    assert error["message"] == "Algunos campos no son válidos."
    assert error["details"] == {"first_name": "no debe contener un carácter NUL (\\0)"}

