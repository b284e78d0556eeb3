"""GET /api/v1/openapi.json: generated from the route declarations, complete and well-formed."""

from __future__ import annotations

import re
from typing import Any

import pytest

HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
RULE_PARAM = re.compile(r"<(?:[a-z]+(?:\([^)]*\))?:)?([a-z_]+)>")


@pytest.fixture
def document(client) -> dict[str, Any]:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.get_json()


def operations(document: dict[str, Any]):
    for path, item in document["paths"].items():
        for method, op in item.items():
            if method in HTTP_METHODS:
                yield path, method, op


def test_document_needs_no_token_and_is_openapi_3(document):
    assert document["openapi"].startswith("3.")
    assert document["info"]["title"] and document["info"]["version"]
    assert document["paths"]
    assert isinstance(document["components"]["schemas"], dict)
    assert document["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer"}


def test_every_api_route_of_the_app_is_documented_and_nothing_else(app, document):
    routes = {
        (RULE_PARAM.sub(r"{\1}", rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    documented = {(path, method) for path, method, _op in operations(document)}
    assert routes - documented == set(), "routes without an @operation declaration"
    assert documented - routes == set(), "declarations without a route"


def test_spec_routes_are_present(document):
    expected = {
        ("/api/v1/prospects", "get"), ("/api/v1/prospects", "post"),
        ("/api/v1/prospects/{prospect_id}", "get"), ("/api/v1/prospects/{prospect_id}", "patch"),
        ("/api/v1/prospects/{prospect_id}", "delete"), ("/api/v1/prospects/{prospect_id}/assign", "post"),
        ("/api/v1/prospects/{prospect_id}/timeline", "get"), ("/api/v1/properties", "get"),
        ("/api/v1/properties", "post"), ("/api/v1/properties/{property_id}", "get"),
        ("/api/v1/properties/{property_id}", "patch"), ("/api/v1/properties/{property_id}", "delete"),
        ("/api/v1/calls", "get"), ("/api/v1/calls", "post"), ("/api/v1/calls/{call_id}", "get"),
        ("/api/v1/follow-ups", "get"), ("/api/v1/follow-ups", "post"),
        ("/api/v1/follow-ups/{follow_up_id}", "patch"), ("/api/v1/agents", "get"), ("/api/v1/me", "get"),
        ("/api/v1/agency", "get"), ("/api/v1/agency", "patch"), ("/api/v1/openapi.json", "get"),
    }
    assert expected <= {(path, method) for path, method, _op in operations(document)}


def _refs(node: Any):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_every_reference_resolves(document):
    refs = set(_refs(document))
    assert refs
    for ref in refs:
        assert ref.startswith("#/components/schemas/"), ref
        assert ref.removeprefix("#/components/schemas/") in document["components"]["schemas"], ref


def test_operations_are_well_formed(document):
    seen_ids = set()
    for path, method, op in operations(document):
        where = f"{method.upper()} {path}"
        assert op["summary"], where
        assert op["operationId"] not in seen_ids, where
        seen_ids.add(op["operationId"])
        assert any(code.startswith("2") for code in op["responses"]), where
        for code, response in op["responses"].items():
            assert re.fullmatch(r"[1-5]\d\d", code), where
            assert response["description"], where
        declared = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
        assert declared == set(re.findall(r"{([a-z_]+)}", path)), where
        for param in op.get("parameters", []):
            assert param["in"] in {"path", "query"}, where
            assert isinstance(param["schema"], dict), where
            if param["in"] == "path":
                assert param["required"] is True, where
        if method in {"post", "patch"} and "requestBody" in op:
            assert "$ref" in op["requestBody"]["content"]["application/json"]["schema"], where


def test_errors_are_documented_with_the_error_shape(document):
    error_schema = document["components"]["schemas"]["ErrorOut"]
    assert "error" in error_schema["properties"]
    op = document["paths"]["/api/v1/prospects"]["post"]
    assert {"400", "401", "403", "409", "413", "422"} <= set(op["responses"])
    assert op["responses"]["409"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorOut"
    }
    assert "404" in document["paths"]["/api/v1/prospects/{prospect_id}"]["get"]["responses"]
    assert document["paths"]["/api/v1/openapi.json"]["get"]["security"] == []


def test_list_filters_and_bodies_are_documented(document):
    def query_names(path: str) -> set[str]:
        params = document["paths"][path]["get"]["parameters"]
        return {p["name"] for p in params if p["in"] == "query"}

    assert {"page", "per_page", "q", "status", "assigned_agent_id", "source", "unassigned"} <= query_names(
        "/api/v1/prospects"
    )
    assert {"q", "operation", "property_type", "status", "city", "area", "min_price", "max_price",
            "min_bedrooms"} <= query_names("/api/v1/properties")
    assert {"prospect_id", "agent_id", "from", "to"} <= query_names("/api/v1/calls")
    assert {"assignee_id", "prospect_id", "open", "overdue"} <= query_names("/api/v1/follow-ups")
    create = document["paths"]["/api/v1/prospects"]["post"]
    ref = create["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    body = document["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert "first_name" in body["required"]
    listing = document["paths"]["/api/v1/prospects"]["get"]["responses"]["200"]
    page_ref = listing["content"]["application/json"]["schema"]["$ref"]
    page = document["components"]["schemas"][page_ref.rsplit("/", 1)[1]]
    assert set(page["properties"]) == {"items", "page", "per_page", "total"}


def test_documented_status_of_creation_is_201_and_of_deletion_204(document):
    assert "201" in document["paths"]["/api/v1/prospects"]["post"]["responses"]
    assert "204" in document["paths"]["/api/v1/prospects/{prospect_id}"]["delete"]["responses"]
