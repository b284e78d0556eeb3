"""The OpenAPI document shows the accepted date range on every date the API takes, so clients
(and the schemathesis fuzz run) know it: ``formatMinimum``/``formatMaximum`` and a description."""

from __future__ import annotations

import os
from typing import Any

import pytest

from realty_crm.testing.fixtures import TEST_DB_ENV

pytestmark = pytest.mark.skipif(
    bool(os.environ.get(TEST_DB_ENV)), reason="the document does not depend on the database"
)


def _dates(node: Any, doc: dict, seen: set[str]) -> list[dict]:
    """Every date or date-time schema under ``node``, following ``$ref``s."""
    if isinstance(node, list):
        return [found for item in node for found in _dates(item, doc, seen)]
    if not isinstance(node, dict):
        return []
    if "$ref" in node and node["$ref"] not in seen:
        seen.add(node["$ref"])
        name = node["$ref"].rsplit("/", 1)[-1]
        return _dates(doc["components"]["schemas"][name], doc, seen)
    found = [node] if node.get("format") in ("date", "date-time") else []
    return found + [item for value in node.values() for item in _dates(value, doc, seen)]


def _inputs(doc: dict) -> list[tuple[str, dict]]:
    inputs = []
    for path, methods in doc["paths"].items():
        for method, op in methods.items():
            where = f"{method.upper()} {path}"
            for schema in _dates(op.get("parameters", []), doc, set()):
                inputs.append((where, schema))
            for schema in _dates(op.get("requestBody", {}), doc, set()):
                inputs.append((where, schema))
    return inputs


def test_every_date_the_api_takes_shows_its_bounds(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    inputs = _inputs(doc)
    where = {w for w, _ in inputs}
    assert {"POST /api/v1/calls", "PATCH /api/v1/calls/{call_id}", "GET /api/v1/visits",
            "GET /api/v1/reports/agents"} <= where, sorted(where)
    for route, schema in inputs:
        if schema["format"] == "date-time":
            assert (schema.get("formatMinimum"), schema.get("formatMaximum")) == (
                "1900-01-01T00:00:00Z", "2199-12-31T23:59:59Z"), (route, schema)
        else:
            assert (schema.get("formatMinimum"), schema.get("formatMaximum")) == (
                "1900-01-01", "2199-12-31"), (route, schema)


def test_the_calls_routes_to_correct_and_delete_are_documented(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"get", "patch", "delete"} <= set(paths["/api/v1/calls/{call_id}"])
