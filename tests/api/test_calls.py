"""/api/v1/calls: logging and reading calls, an agent's own log, time filters, tenancy, bad input."""

from __future__ import annotations

from datetime import timedelta

import pytest

from realty_crm.models import utcnow


def ids(response) -> list[int]:
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.get_json()["items"]]


def test_agent_logs_a_call_with_their_prospect(api, make, team):
    prospect = make.prospect(team.manager, assigned_agent_id=team.agent.id)
    client = api(team.agent)
    response = client.post(
        "/api/v1/calls",
        json={
            "prospect_id": prospect.id,
            "direction": "outbound",
            "outcome": "answered",
            "duration_seconds": 95,
            "summary": "Quiere ver pisos en Retiro 🏡",
            "occurred_at": "2024-03-31T01:30:00+01:00",
        },
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert response.headers["Location"] == f"/api/v1/calls/{body['id']}"
    assert set(body) >= {"id", "prospect_id", "agent_id", "direction", "occurred_at", "duration_seconds",
                         "outcome", "summary"}
    assert body["agent_id"] == team.agent.id
    assert body["occurred_at"] in ("2024-03-31T00:30:00Z", "2024-03-31T00:30:00+00:00")
    assert client.get(response.headers["Location"]).get_json() == body
    updated = client.get(f"/api/v1/prospects/{prospect.id}").get_json()
    assert updated["status"] == "contacted"
    assert updated["last_contacted_at"] is not None


def test_call_with_follow_up_plans_it(api, make, team):
    prospect = make.prospect(team.manager, assigned_agent_id=team.agent.id)
    client = api(team.agent)
    due = (utcnow() + timedelta(days=2)).isoformat()
    response = client.post(
        "/api/v1/calls",
        json={"prospect_id": prospect.id, "direction": "inbound", "outcome": "voicemail",
              "follow_up_at": due},
    )
    assert response.status_code == 201
    follow_ups = client.get(f"/api/v1/follow-ups?prospect_id={prospect.id}").get_json()["items"]
    assert len(follow_ups) == 1 and follow_ups[0]["assignee_id"] == team.agent.id


def test_manager_logs_a_call_for_an_agent(api, make, team):
    prospect = make.prospect(team.manager)
    response = api(team.manager).post(
        "/api/v1/calls",
        json={"prospect_id": prospect.id, "direction": "outbound", "outcome": "busy",
              "agent_id": team.agent.id},
    )
    assert response.status_code == 201
    assert response.get_json()["agent_id"] == team.agent.id


def test_agent_sees_only_their_own_calls(api, make, team):
    mine = make.prospect(team.manager, assigned_agent_id=team.agent.id)
    theirs = make.prospect(team.manager, assigned_agent_id=team.colleague.id)
    my_call = make.call(team.agent, mine)
    their_call = make.call(team.colleague, theirs)
    agent = api(team.agent)
    assert ids(agent.get("/api/v1/calls")) == [my_call.id]
    assert ids(agent.get(f"/api/v1/calls?agent_id={team.colleague.id}")) == []
    assert agent.get(f"/api/v1/calls/{their_call.id}").status_code == 403
    assert set(ids(api(team.manager).get("/api/v1/calls"))) == {my_call.id, their_call.id}


def test_agent_cannot_log_calls_for_others_or_with_colleagues_prospects(api, make, team):
    theirs = make.prospect(team.manager, assigned_agent_id=team.colleague.id)
    mine = make.prospect(team.manager, assigned_agent_id=team.agent.id)
    client = api(team.agent)
    response = client.post(
        "/api/v1/calls", json={"prospect_id": theirs.id, "direction": "outbound", "outcome": "answered"}
    )
    assert response.status_code == 403
    response = client.post(
        "/api/v1/calls",
        json={"prospect_id": mine.id, "direction": "outbound", "outcome": "answered",
              "agent_id": team.colleague.id},
    )
    assert response.status_code == 422
    assert "agent_id" in response.get_json()["error"]["details"]


def test_filters_by_prospect_agent_and_time(api, make, team):
    a = make.prospect(team.manager)
    b = make.prospect(team.manager)
    old = make.call(team.manager, a, occurred_at="2024-01-10T10:00:00+00:00")
    new = make.call(team.manager, a, occurred_at="2024-02-10T10:00:00+00:00")
    agent_call = make.call(team.manager, b, agent_id=team.agent.id, occurred_at="2024-02-11T10:00:00+00:00")
    client = api(team.manager)
    assert ids(client.get(f"/api/v1/calls?prospect_id={a.id}")) == [new.id, old.id]
    assert ids(client.get(f"/api/v1/calls?agent_id={team.agent.id}")) == [agent_call.id]
    assert ids(client.get("/api/v1/calls?from=2024-02-01T00:00:00Z")) == [agent_call.id, new.id]
    assert ids(client.get("/api/v1/calls?to=2024-02-10T10:00:00%2B00:00")) == [old.id]
    # an unencoded "+" in the offset arrives as a space and is still understood
    assert ids(client.get("/api/v1/calls?from=2024-02-10T11:00:00+01:00&to=2024-02-11T00:00:00Z")) == [new.id]
    answered = ids(client.get("/api/v1/calls?direction=outbound&outcome=answered"))
    assert answered == [agent_call.id, new.id, old.id]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=notadate", "from"),
        ("from=2024-02-01T00:00:00", "from"),
        ("to=2024-02-01", "to"),
        ("from=2024-02-02T00:00:00Z&to=2024-02-01T00:00:00Z", "to"),
        ("prospect_id=abc", "prospect_id"),
        ("agent_id=-3", "agent_id"),
        ("agent_id=99999999999999999999999", "agent_id"),
        ("outcome=hung_up", "outcome"),
        ("per_page=0", "per_page"),
    ],
)
def test_bad_call_filters_are_422(api, team, query, field):
    response = api(team.manager).get(f"/api/v1/calls?{query}")
    assert response.status_code == 422
    assert field in response.get_json()["error"]["details"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"prospect_id": None}, "prospect_id"),
        ({"prospect_id": "one"}, "prospect_id"),
        ({"prospect_id": 2147483000}, "prospect_id"),
        ({"prospect_id": 10**25}, "prospect_id"),
        ({"direction": "sideways"}, "direction"),
        ({"outcome": ""}, "outcome"),
        ({"duration_seconds": -1}, "duration_seconds"),
        ({"duration_seconds": 10**9}, "duration_seconds"),
        ({"duration_seconds": "long"}, "duration_seconds"),
        ({"summary": "s" * 5001}, "summary"),
        ({"occurred_at": "2024-02-01T10:00:00"}, "occurred_at"),
        ({"occurred_at": "yesterday"}, "occurred_at"),
        ({"occurred_at": "2999-01-01T00:00:00Z"}, "occurred_at"),
        ({"follow_up_at": "2030-01-01T00:00:00"}, "follow_up_at"),
        ({"mood": "happy"}, "mood"),
    ],
)
def test_log_call_refuses_bad_input(api, make, team, change, field):
    prospect = make.prospect(team.manager)
    client = api(team.manager)
    payload = {"prospect_id": prospect.id, "direction": "outbound", "outcome": "answered", **change}
    response = client.post("/api/v1/calls", json=payload)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["details"]
    assert client.get("/api/v1/calls").get_json()["total"] == 0


def test_other_agencys_call_is_404_and_never_listed(api, team, foreign):
    client = api(team.admin)
    assert client.get(f"/api/v1/calls/{foreign.call.id}").status_code == 404
    assert client.get("/api/v1/calls").get_json()["total"] == 0
    assert client.get(f"/api/v1/calls?prospect_id={foreign.prospect.id}").get_json()["items"] == []


def test_call_with_other_agencys_prospect_is_refused(api, team, foreign):
    response = api(team.admin).post(
        "/api/v1/calls",
        json={"prospect_id": foreign.prospect.id, "direction": "outbound", "outcome": "answered"},
    )
    assert response.status_code == 422
    assert "prospect_id" in response.get_json()["error"]["details"]
    assert api(foreign.manager).get("/api/v1/calls").get_json()["total"] == 1


def test_call_pagination(api, make, team):
    prospect = make.prospect(team.manager)
    for _ in range(3):
        make.call(team.manager, prospect)
    page = api(team.manager).get("/api/v1/calls?per_page=2&page=2").get_json()
    assert (page["total"], page["page"], page["per_page"], len(page["items"])) == (3, 2, 2, 1)
