"""Schemathesis over the API's own OpenAPI document (#14 point 8): every operation, fed generated
input (valid and invalid, any Unicode including NUL bytes) as a signed-in manager of a seeded agency,
never answers 5xx and answers as the document says. Then explicit cases read off the document:
every date and date-time field set to the extremes of the calendar and of UTC offsets (and every
list, page and export read back afterwards), and every body field and query parameter given a
NUL byte.

Deterministic (a fixed seed, derandomized, no example database) and bounded, so that it runs in
the suite on SQLite and on PostgreSQL alike (``REALTY_CRM_TEST_DATABASE_URL``)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from realty_crm import tenancy
from realty_crm.api.spec import openapi_document
from realty_crm.models import Role, utcnow
from realty_crm.services import visits

from .test_nul_bytes import REASON

SEED = 14
EXAMPLES_PER_OPERATION = 10
# the explicit cases of #14: the calendar's ends at the widest UTC offsets
EXTREME_DATE_TIMES = ["0001-01-01T00:00:00Z", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"]
EXTREME_DATES = ["0001-01-01", "9999-12-31"]
CONTRACT = [not_a_server_error, status_code_conformance, content_type_conformance,
            response_schema_conformance]


def _sane_date_times() -> st.SearchStrategy[str]:
    """Generated date-times stay within a century of now at any offset: the extremes are the
    explicit cases below, one per field, so that a failure there names its field."""
    offsets = st.integers(-14 * 60, 14 * 60).map(lambda minutes: timezone(timedelta(minutes=minutes)))
    moments = st.datetimes(datetime(1971, 1, 1), datetime(2070, 12, 31), timezones=offsets)
    return moments.map(lambda moment: moment.isoformat())


schemathesis.openapi.format("date-time", _sane_date_times())


def _config() -> schemathesis.Config:
    """Generation settings, written here rather than found in a schemathesis.toml."""
    return schemathesis.Config.from_dict({
        "seed": SEED,
        "generation": {
            "max-examples": EXAMPLES_PER_OPERATION,
            "deterministic": True,
            "database": "none",
            "allow-x00": True,
            "codec": "utf-8",
        },
        "phases": {"stateful": {"enabled": False}},
    })


@pytest.fixture
def seeded(make, app) -> dict[str, Any]:
    """A manager's agency with one record of each kind, and the manager's API token."""
    agency = make.agency("Fuzz Homes")
    manager = make.user(agency, Role.MANAGER, name="Fuzz Manager")
    agent = make.user(agency, Role.AGENT, name="Fuzz Agent")
    prospect = make.prospect(manager, email="fuzz@example.com", assigned_agent_id=agent.id)
    prop = make.property(manager)
    call = make.call(manager, prospect)
    follow_up = make.follow_up(manager, prospect)
    with tenancy.scope(agency.id):
        visit = visits.schedule_visit(
            manager, {"property_id": prop.id, "prospect_id": prospect.id,
                      "starts_at": (utcnow() + timedelta(days=30)).replace(microsecond=0).isoformat(),
                      "duration_minutes": 30},
        )
    return {
        "headers": {"Authorization": f"Bearer {make.token(manager)}"},
        "ids": {"prospect_id": prospect.id, "property_id": prop.id, "call_id": call.id,
                "follow_up_id": follow_up.id, "visit_id": visit.id, "user_id": agent.id},
    }


DOCUMENT = openapi_document("realty-crm API", "fuzz", "/api/v1")
schema = schemathesis.openapi.from_dict(DOCUMENT, config=_config())


@schema.parametrize()
@settings(derandomize=True, database=None, deadline=None, max_examples=EXAMPLES_PER_OPERATION,
          suppress_health_check=list(HealthCheck))
def test_no_operation_answers_5xx_or_breaks_the_document(app, seeded, case):
    # ids in the address name the seeded records, so that generated bodies reach real ones
    case.path_parameters = {name: seeded["ids"][name] for name in case.path_parameters or {}}
    case.call_and_validate(app=app, headers=seeded["headers"], checks=CONTRACT)


# --- explicit cases, read off the document ------------------------------------------------------


def _format(field_schema: dict[str, Any]) -> str | None:
    """``date-time`` or ``date`` when the field (or one branch of its ``anyOf``) has that format."""
    for branch in [field_schema, *field_schema.get("anyOf", [])]:
        if branch.get("format") in {"date-time", "date"}:
            return branch["format"]
    return None


def _body_schema(operation: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    ref = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    if ref is None:
        return None
    name = ref["$ref"].rsplit("/", 1)[1]
    return name, DOCUMENT["components"]["schemas"][name]


def _operations() -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in DOCUMENT["paths"].items():
        for method, operation in item.items():
            if method in {"get", "post", "patch", "put", "delete"}:
                yield method.upper(), path, operation


def _date_fields() -> Iterator[Any]:
    """One case per date or date-time field of the document: a query parameter or a body property."""
    for method, path, operation in _operations():
        for param in operation.get("parameters", []):
            if param["in"] == "query" and (fmt := _format(param["schema"])):
                name = param["name"]
                yield pytest.param(method, path, "query", name, fmt,
                                   id=f"{method} {path} ?{name}")
        if (body := _body_schema(operation)) is not None:
            for name, prop in body[1].get("properties", {}).items():
                if fmt := _format(prop):
                    yield pytest.param(method, path, body[0], name, fmt,
                                       id=f"{method} {path} {name}")


# Reads that must keep answering once a bad date is stored: lists, pages and streamed exports.
READS = ["/api/v1/prospects", "/api/v1/prospects/{prospect_id}", "/api/v1/prospects/{prospect_id}/timeline",
         "/api/v1/calls", "/api/v1/follow-ups", "/api/v1/visits", "/api/v1/agents", "/api/v1/me",
         "/api/v1/exports/prospects.csv", "/api/v1/exports/calls.csv", "/api/v1/exports/visits.csv",
         "/api/v1/exports/calls.xlsx", "/api/v1/reports/agents"]

def _baseline(body: str, ids: dict[str, int]) -> dict[str, Any]:
    """A body the operation would accept, so that the one extreme field is what reaches the service."""
    soon = (utcnow() + timedelta(days=40)).replace(microsecond=0)
    return {
        "CallCreate": {"prospect_id": ids["prospect_id"], "direction": "outbound", "outcome": "answered"},
        "FollowUpCreate": {"prospect_id": ids["prospect_id"], "due_at": soon.isoformat(), "title": "Call"},
        "CallUpdate": {},
        "FollowUpUpdate": {},
        "ProspectCreate": {"first_name": "Edge"},
        "ProspectUpdate": {},
        "UserUpdate": {},
        "VisitCreate": {"property_id": ids["property_id"], "prospect_id": ids["prospect_id"],
                        "starts_at": soon.isoformat(), "duration_minutes": 30},
        "VisitUpdate": {},
    }[body]


def _call(app, seeded, method: str, path: str, **parts: Any) -> Any:
    operation = schema[path][method]
    ids = seeded["ids"]
    case = operation.Case(path_parameters={name: ids[name] for name in _path_names(path)}, **parts)
    return case.call_and_validate(app=app, headers=seeded["headers"], checks=CONTRACT)


def _path_names(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{")]


@pytest.mark.parametrize(("method", "path", "where", "field", "fmt"), list(_date_fields()))
def test_extreme_dates_are_a_422_naming_the_field(app, seeded, method, path, where, field, fmt):
    values = EXTREME_DATE_TIMES if fmt == "date-time" else EXTREME_DATES
    for value in values:
        if where == "query":
            response = _call(app, seeded, method, path, query={field: value})
        else:
            body = {**_baseline(where, seeded["ids"]), field: value}
            response = _call(app, seeded, method, path, body=body)
        assert response.status_code == 422, (value, response.text[:300])
        assert field in response.json()["error"]["details"], value
    for read in READS:
        # whatever was stored, every read still answers, and a streamed export is read to its end
        _call(app, seeded, "GET", read)


def _nul_cases() -> Iterator[Any]:
    """One case per operation that takes input: each of its query parameters and body properties."""
    for method, path, operation in _operations():
        query = [param["name"] for param in operation.get("parameters", []) if param["in"] == "query"]
        body = _body_schema(operation)
        props = list(body[1].get("properties", {})) if body is not None else []
        if query or props:
            yield pytest.param(method, path, query, props, id=f"{method} {path}")


@pytest.mark.parametrize(("method", "path", "query", "props"), list(_nul_cases()))
def test_a_nul_in_any_field_is_a_422_naming_it(app, seeded, method, path, query, props):
    for name in query:
        response = _call(app, seeded, method, path, query={name: "1\x00"})
        assert (response.status_code, response.json()["error"]["details"]) == (422, {name: REASON}), name
    for name in props:
        response = _call(app, seeded, method, path, body={name: "a\x00"})
        assert (response.status_code, response.json()["error"]["details"]) == (422, {name: REASON}), name
