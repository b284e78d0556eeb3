"""Errors of the whole API: the SPEC §4 shape, 400/401/404/405/413/422/429, tenancy on every id route,
and no 500 for any bad input."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest

from realty_crm import tenancy
from realty_crm.api.spec import REGISTRY
from realty_crm.models import utcnow
from realty_crm.services import accounts, visits

RULE_PARAM = re.compile(r"<(?:[a-z]+(?:\([^)]*\))?:)?([a-z_]+)>")
_NEXT_MONTH = (utcnow() + timedelta(days=30)).replace(minute=0, second=0, microsecond=0)


def assert_error(response, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert isinstance(body["error"]["details"], dict)
    if code is not None:
        assert body["error"]["code"] == code
    return body["error"]


# --- 401 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [None, "", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer rcrm_not-a-real-token", "Bearer rcrm_",
     "Token rcrm_x", "Bearer ünïcödé"],
)
def test_missing_or_invalid_token_is_401(client, header):
    headers = {"Authorization": header} if header is not None else {}
    response = client.get("/api/v1/prospects", headers=headers)
    assert_error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_revoked_token_stops_working(client, team):
    token, secret = accounts.create_token(team.manager, "script")
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    accounts.revoke_token(team.manager, token)
    assert_error(client.get("/api/v1/me", headers=headers), 401, "unauthorized")
    assert_error(client.post("/api/v1/prospects", headers=headers, json={"first_name": "X"}), 401)


def test_token_of_a_deactivated_user_stops_working(client, team):
    _token, secret = accounts.create_token(team.agent)
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    accounts.update_user(team.admin, team.agent, {"active": False})
    assert_error(client.get("/api/v1/me", headers=headers), 401)


def test_unauthenticated_write_changes_nothing(client, api, team):
    assert_error(client.post("/api/v1/prospects", json={"first_name": "Sneaky"}), 401)
    assert api(team.manager).get("/api/v1/prospects").get_json()["total"] == 0


# --- 400 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        ('{"first_name": "A",}', "application/json"),
        ("{first_name: 'A'}", "application/json"),
        ("", "application/json"),
        ("null", "application/json"),
        (b'{"first_name": "\xff\xfe"}', "application/json"),
        ("[" * 100_000 + "]" * 100_000, "application/json"),
        ('{"first_name": "\\ud800"}', "application/json"),
        ('{"first_name": "A"}', "text/plain"),
        ("first_name=A", "application/x-www-form-urlencoded"),
        ('{"first_name": "A"}', None),
    ],
)
def test_malformed_or_non_json_body_is_400(api, team, data, content_type):
    client = api(team.manager)
    headers = {"Content-Type": content_type} if content_type else {}
    response = client.post("/api/v1/prospects", data=data, headers=headers)
    assert_error(response, 400, "bad_request")
    assert client.get("/api/v1/prospects").get_json()["total"] == 0


@pytest.mark.parametrize("payload", [[], [{"first_name": "A"}], "A", 42, True])
def test_json_that_is_not_an_object_is_422(api, team, payload):
    response = api(team.manager).post("/api/v1/prospects", json=payload)
    assert_error(response, 422, "validation_error")


def test_json_content_type_with_charset_is_accepted(api, team):
    response = api(team.manager).post(
        "/api/v1/prospects",
        data=json.dumps({"first_name": "Charset"}),
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    assert response.status_code == 201


# --- 404 and 405 -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/api/v1/nothing-here", "/api/v1/prospects/abc", "/api/v1/prospects/-1", "/api/v1/prospects/0",
     "/api/v1/prospects/1.5", "/api/v1/prospects/99999999999999999999999999", "/api/v1/prospects/2147483648",
     "/api/v1/prospects/2147483000", "/api/v1/properties/2147483000", "/api/v1/calls/2147483000",
     "/api/v1/follow-ups/2147483000", "/api/v1/prospects/2147483000/timeline"],
)
def test_unknown_or_non_integer_ids_are_404(api, team, path):
    assert_error(api(team.manager).get(path), 404, "not_found")


@pytest.mark.parametrize(
    ("method", "path"),
    [("PUT", "/api/v1/prospects"), ("DELETE", "/api/v1/prospects"), ("POST", "/api/v1/agents"),
     ("DELETE", "/api/v1/agency"), ("PUT", "/api/v1/calls/1"), ("DELETE", "/api/v1/follow-ups/1"),
     ("PATCH", "/api/v1/me")],
)
def test_wrong_method_is_405_in_json(api, team, method, path):
    client = api(team.manager)
    assert_error(client._call(method, path, json={}), 405, "method_not_allowed")


# --- 413 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/prospects", "/api/v1/properties", "/api/v1/calls"])
def test_body_over_the_limit_is_413_in_json(app, api, team, path):
    client = api(team.manager)
    huge = json.dumps({"first_name": "x" * app.config["MAX_CONTENT_LENGTH"]})
    response = client.post(path, data=huge, headers={"Content-Type": "application/json"})
    assert_error(response, 413, "too_large")
    assert client.get("/api/v1/prospects").get_json()["total"] == 0


def test_large_body_of_another_type_is_413_too(app, api, team):
    too_much = "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    client = api(team.manager)
    response = client.post("/api/v1/prospects", data=too_much, headers={"Content-Type": "text/plain"})
    assert_error(response, 413, "too_large")


def test_patch_over_the_limit_is_413(app, api, make, team):
    prospect = make.prospect(team.manager)
    huge = json.dumps({"last_name": "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)})
    response = api(team.manager).patch(
        f"/api/v1/prospects/{prospect.id}", data=huge, headers={"Content-Type": "application/json"}
    )
    assert_error(response, 413)


# --- 429 ---------------------------------------------------------------------------------------


def test_rate_limit_answers_429_in_json(app_factory, make, team):
    limited = app_factory(API_RATE_LIMIT="3 per minute")
    headers = {"Authorization": f"Bearer {make.token(team.agent)}"}
    client = limited.test_client()
    statuses = [client.get("/api/v1/me", headers=headers).status_code for _ in range(4)]
    assert statuses[:3] == [200, 200, 200]
    assert_error(client.get("/api/v1/me", headers=headers), 429, "rate_limited")


def test_rate_limit_counts_each_token_user_apart(app_factory, make, team):
    limited = app_factory(API_RATE_LIMIT="2 per minute")
    client = limited.test_client()
    agent = {"Authorization": f"Bearer {make.token(team.agent)}"}
    manager = {"Authorization": f"Bearer {make.token(team.manager)}"}
    assert [client.get("/api/v1/me", headers=agent).status_code for _ in range(3)] == [200, 200, 429]
    assert client.get("/api/v1/me", headers=manager).status_code == 200


# --- tenancy on every route with an id ----------------------------------------------------------


def id_operations() -> list[tuple[str, str]]:
    return sorted({(op.method, op.rule) for op in REGISTRY if RULE_PARAM.search(op.rule)})


@pytest.mark.parametrize(("method", "rule"), id_operations())
def test_every_id_route_answers_404_for_another_agencys_record(api, team, foreign, method, rule):
    ids = foreign.ids()
    missing = set(RULE_PARAM.findall(rule)) - set(ids)
    assert not missing, f"add a foreign record for {missing} to the Foreign fixture"
    path = _path(rule, ids)
    for user in (team.admin, team.manager, team.agent):
        client = api(user)
        response = client._call(method, path, json={} if method in {"POST", "PATCH", "PUT"} else None)
        assert_error(response, 404, "not_found")
    theirs = api(foreign.manager)
    assert theirs.get(f"/api/v1/prospects/{foreign.prospect.id}").status_code == 200
    assert theirs.get(f"/api/v1/properties/{foreign.property.id}").status_code == 200


# --- never a 500 -------------------------------------------------------------------------------

NASTY_VALUES: list[Any] = [
    None, "", "x" * 20_000, -1, 10**40, 1.5, True, [], {"nested": {"deeper": [1, "two"]}}, "😀🏠",
    "\u202eRTL override", "\u0000", "2024-01-01T10:00:00", "NaN",
]
NASTY_QUERY_VALUES = [
    "abc", "-1", "0", "1.5", "1e400", "NaN", "Infinity", "%00", "x" * 5000, "2024-13-45T99:99:99Z",
    "true", "none", "😀", "' OR 1=1 --", "%25", "[]", "\x00", "a\x01b",
]


@pytest.fixture
def own_ids(make, team) -> dict[str, int]:
    prospect = make.prospect(team.manager, email="own@example.com")
    prop = make.property(team.manager)
    with tenancy.scope(team.agency.id):
        visit = visits.schedule_visit(
            team.manager,
            {"property_id": prop.id, "prospect_id": prospect.id, "starts_at": _NEXT_MONTH.isoformat()},
        )
    return {
        "prospect_id": prospect.id,
        "property_id": prop.id,
        "call_id": make.call(team.manager, prospect).id,
        "follow_up_id": make.follow_up(team.manager, prospect).id,
        "visit_id": visit.id,
        "user_id": team.colleague.id,
    }


def _path(rule: str, ids: dict[str, int]) -> str:
    return "/api/v1" + RULE_PARAM.sub(lambda m: str(ids[m.group(1)]), rule)


def valid_body(model: str, ids: dict[str, int], n: int) -> dict[str, Any]:
    """A body the route would accept, so that one nasty field at a time reaches the service."""
    bodies: dict[str, dict[str, Any]] = {
        "ProspectCreate": {"first_name": f"Fuzz {n}"},
        "AssignIn": {"agent_id": None},
        "NoteCreate": {"body": "note"},
        "PropertyCreate": {"reference": f"FUZZ-{n}", "title": "Flat", "operation": "sale",
                           "property_type": "flat", "price": 1000},
        "CallCreate": {"prospect_id": ids["prospect_id"], "direction": "outbound", "outcome": "answered"},
        "FollowUpCreate": {"prospect_id": ids["prospect_id"], "due_at": "2031-01-01T10:00:00Z", "title": "x"},
        # a different hour each time, so that a booking is not just refused as a clash
        "VisitCreate": {"property_id": ids["property_id"], "prospect_id": ids["prospect_id"],
                        "starts_at": (_NEXT_MONTH + timedelta(hours=n)).isoformat(), "duration_minutes": 30},
    }
    return dict(bodies.get(model, {}))


@pytest.mark.parametrize(
    "op", [op for op in REGISTRY if op.body is not None], ids=lambda op: f"{op.method} {op.rule}"
)
def test_no_body_field_value_causes_a_500(api, team, own_ids, op):
    client = api(team.admin)
    path = _path(op.rule, own_ids)
    fields = list(op.body.model_fields) + ["unknown_field"]
    n = 0
    for field in fields:
        for value in NASTY_VALUES:
            n += 1
            body = {**valid_body(op.body.__name__, own_ids, n), field: value}
            response = client._call(op.method, path, json=body)
            assert response.status_code < 500, (op.method, path, field, value, response.get_json())
            if response.status_code >= 400:
                assert_error(response, response.status_code)


@pytest.mark.parametrize(
    "op", [op for op in REGISTRY if op.query is not None], ids=lambda op: f"{op.method} {op.rule}"
)
def test_no_query_parameter_value_causes_a_500(api, team, own_ids, op):
    client = api(team.admin)
    path = _path(op.rule, own_ids)
    params = list(op.query.model_json_schema(by_alias=True)["properties"]) + ["unknown"]
    for name in params:
        for value in NASTY_QUERY_VALUES:
            response = client.get(path, query_string={name: value})
            assert response.status_code in (200, 403, 422), (path, name, value, response.get_json())
            if response.status_code == 422:
                assert name in assert_error(response, 422)["details"]
