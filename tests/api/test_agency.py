"""/api/v1/agency: reading the caller's agency, and changing its settings (admins only)."""

from __future__ import annotations

import pytest

AGENCY_FIELDS = {
    "id", "name", "slug", "timezone", "locale", "currency", "assignment_rule", "agents_see_unassigned",
    "default_visit_minutes",
}


@pytest.mark.parametrize("role", ["admin", "manager", "agent"])
def test_every_role_reads_its_agency(api, team, role):
    body = api(getattr(team, role)).get("/api/v1/agency").get_json()
    assert set(body) == AGENCY_FIELDS
    assert body["id"] == team.agency.id
    assert body["name"] == "Pisos Sol"
    assert body["timezone"] == "Europe/Madrid"


def test_admin_changes_the_settings(api, team, foreign):
    client = api(team.admin)
    change = {
        "name": "Pisos Sol & Mar ☀️",
        "timezone": "America/Mexico_City",
        "locale": "es",
        "currency": "mxn",
        "assignment_rule": "round_robin",
        "agents_see_unassigned": True,
        "default_visit_minutes": 60,
    }
    response = client.patch("/api/v1/agency", json=change)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert {k: body[k] for k in change} == {**change, "currency": "MXN"}
    assert client.get("/api/v1/agency").get_json() == body
    assert api(foreign.manager).get("/api/v1/agency").get_json()["name"] == "Casas Luna"


def test_patch_changes_only_the_fields_sent(api, team):
    client = api(team.admin)
    before = client.get("/api/v1/agency").get_json()
    after = client.patch("/api/v1/agency", json={"locale": "es"}).get_json()
    assert after == {**before, "locale": "es"}


@pytest.mark.parametrize("role", ["manager", "agent"])
def test_only_an_admin_changes_the_agency(api, team, role):
    client = api(getattr(team, role))
    response = client.patch("/api/v1/agency", json={"name": "Mine now"})
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"
    assert client.get("/api/v1/agency").get_json()["name"] == "Pisos Sol"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": None}, "name"),
        ({"name": "n" * 201}, "name"),
        ({"name": 5}, "name"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"timezone": None}, "timezone"),
        ({"timezone": "Factory"}, "timezone"),
        ({"timezone": "localtime"}, "timezone"),
        ({"timezone": "W-SU"}, "timezone"),
        ({"timezone": "Etc/UTC"}, "timezone"),
        ({"timezone": "Europe/Madrid\u0000"}, "timezone"),
        ({"locale": "fr"}, "locale"),
        ({"currency": "EURO"}, "currency"),
        ({"currency": "€€€"}, "currency"),
        ({"assignment_rule": "lottery"}, "assignment_rule"),
        ({"agents_see_unassigned": "sometimes"}, "agents_see_unassigned"),
        ({"default_visit_minutes": 0}, "default_visit_minutes"),
        ({"default_visit_minutes": 481}, "default_visit_minutes"),
        ({"default_visit_minutes": "long"}, "default_visit_minutes"),
        ({"slug": "new-slug"}, "slug"),
        ({"id": 99}, "id"),
    ],
)
def test_bad_settings_are_refused(api, team, change, field):
    client = api(team.admin)
    before = client.get("/api/v1/agency").get_json()
    response = client.patch("/api/v1/agency", json=change)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["details"]
    assert client.get("/api/v1/agency").get_json() == before
