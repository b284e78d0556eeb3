"""/api/v1/me: who the token acts as."""

from __future__ import annotations


def test_me_names_the_tokens_user_and_agency(api, team):
    body = api(team.agent).get("/api/v1/me").get_json()
    assert body["id"] == team.agent.id
    assert body["role"] == "agent"
    assert body["email"] == team.agent.email
    assert body["agency"]["id"] == team.agency.id
    assert "password_hash" not in body


def test_each_token_acts_as_its_own_user(api, team, foreign):
    assert api(foreign.manager).get("/api/v1/me").get_json()["agency"]["name"] == "Casas Luna"
    assert api(team.admin).get("/api/v1/me").get_json()["role"] == "admin"


def test_me_needs_a_token(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
