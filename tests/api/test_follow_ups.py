"""/api/v1/follow-ups: planning, completing, filters (open, overdue), roles, tenancy, bad input."""

from __future__ import annotations

from datetime import timedelta

import pytest

from realty_crm.models import utcnow


def soon(**delta: float) -> str:
    return (utcnow() + timedelta(**delta)).isoformat()


def ids(response) -> list[int]:
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.get_json()["items"]]


def test_agent_plans_a_follow_up_for_their_prospect(api, make, team):
    prospect = make.prospect(team.manager, assigned_agent_id=team.agent.id)
    client = api(team.agent)
    response = client.post(
        "/api/v1/follow-ups",
        json={"prospect_id": prospect.id, "due_at": "2030-03-29T09:00:00+01:00", "title": "Enviar fotos 📸"},
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert response.headers["Location"] == f"/api/v1/follow-ups/{body['id']}"
    assert set(body) >= {"id", "prospect_id", "assignee_id", "due_at", "title", "done_at"}
    assert body["assignee_id"] == team.agent.id
    assert body["due_at"] in ("2030-03-29T08:00:00Z", "2030-03-29T08:00:00+00:00")
    assert body["done_at"] is None
    assert client.get(response.headers["Location"]).get_json() == body
    assert client.get(f"/api/v1/prospects/{prospect.id}").get_json()["next_follow_up_at"] == body["due_at"]


def test_manager_plans_for_an_agent_and_reassigns(api, make, team):
    prospect = make.prospect(team.manager)
    client = api(team.manager)
    response = client.post(
        "/api/v1/follow-ups",
        json={"prospect_id": prospect.id, "due_at": soon(days=1), "title": "Call",
              "assignee_id": team.agent.id},
    )
    assert response.get_json()["assignee_id"] == team.agent.id
    follow_up_id = response.get_json()["id"]
    response = client.patch(f"/api/v1/follow-ups/{follow_up_id}", json={"assignee_id": team.colleague.id})
    assert response.status_code == 200
    assert response.get_json()["assignee_id"] == team.colleague.id


def test_done_and_reopen(api, make, team):
    prospect = make.prospect(team.manager, assigned_agent_id=team.agent.id)
    follow_up = make.follow_up(team.agent, prospect)
    client = api(team.agent)
    response = client.patch(f"/api/v1/follow-ups/{follow_up.id}", json={"done": True})
    assert response.status_code == 200
    assert response.get_json()["done_at"] is not None
    assert client.get(f"/api/v1/prospects/{prospect.id}").get_json()["next_follow_up_at"] is None
    response = client.patch(f"/api/v1/follow-ups/{follow_up.id}", json={"done": False})
    assert response.get_json()["done_at"] is None


def test_patch_moves_and_renames(api, make, team):
    prospect = make.prospect(team.manager, assigned_agent_id=team.agent.id)
    follow_up = make.follow_up(team.agent, prospect)
    response = api(team.agent).patch(
        f"/api/v1/follow-ups/{follow_up.id}", json={"due_at": "2031-01-01T12:00:00-05:00", "title": "Visit"}
    )
    body = response.get_json()
    assert body["title"] == "Visit"
    assert body["due_at"] in ("2031-01-01T17:00:00Z", "2031-01-01T17:00:00+00:00")


def test_agent_sees_only_their_own_follow_ups(api, make, team):
    mine = make.follow_up(team.agent, make.prospect(team.manager, assigned_agent_id=team.agent.id))
    theirs = make.follow_up(team.colleague, make.prospect(team.manager, assigned_agent_id=team.colleague.id))
    client = api(team.agent)
    assert ids(client.get("/api/v1/follow-ups")) == [mine.id]
    assert ids(client.get(f"/api/v1/follow-ups?assignee_id={team.colleague.id}")) == []
    assert client.get(f"/api/v1/follow-ups/{theirs.id}").status_code == 403
    assert client.patch(f"/api/v1/follow-ups/{theirs.id}", json={"done": True}).status_code == 403
    assert set(ids(api(team.manager).get("/api/v1/follow-ups"))) == {mine.id, theirs.id}


def test_agent_cannot_plan_for_a_colleague(api, make, team):
    prospect = make.prospect(team.manager, assigned_agent_id=team.agent.id)
    follow_up = make.follow_up(team.agent, prospect)
    client = api(team.agent)
    response = client.post(
        "/api/v1/follow-ups",
        json={"prospect_id": prospect.id, "due_at": soon(days=1), "title": "x",
              "assignee_id": team.colleague.id},
    )
    assert response.status_code == 422
    response = client.patch(f"/api/v1/follow-ups/{follow_up.id}", json={"assignee_id": team.colleague.id})
    assert response.status_code == 422
    theirs = make.prospect(team.manager, assigned_agent_id=team.colleague.id)
    response = client.post(
        "/api/v1/follow-ups", json={"prospect_id": theirs.id, "due_at": soon(days=1), "title": "x"}
    )
    assert response.status_code == 403


def test_open_and_overdue_filters(api, make, team):
    prospect = make.prospect(team.manager)
    late = make.follow_up(team.manager, prospect, due_at=soon(days=-2), title="Late")
    upcoming = make.follow_up(team.manager, prospect, due_at=soon(days=3), title="Upcoming")
    done = make.follow_up(team.manager, prospect, due_at=soon(days=-5), title="Done")
    client = api(team.manager)
    client.patch(f"/api/v1/follow-ups/{done.id}", json={"done": True})
    assert ids(client.get("/api/v1/follow-ups")) == [done.id, late.id, upcoming.id]  # by due time
    assert ids(client.get("/api/v1/follow-ups?open=true")) == [late.id, upcoming.id]
    assert ids(client.get("/api/v1/follow-ups?open=false")) == [done.id]
    assert ids(client.get("/api/v1/follow-ups?overdue=true")) == [late.id]
    assert ids(client.get("/api/v1/follow-ups?overdue=false")) == [done.id, upcoming.id]
    assert ids(client.get(f"/api/v1/follow-ups?prospect_id={prospect.id}&overdue=true")) == [late.id]
    first_open = client.get(f"/api/v1/follow-ups?assignee_id={team.manager.id}&open=true&per_page=1")
    assert ids(first_open) == [late.id]


@pytest.mark.parametrize(
    ("query", "field"),
    [("open=perhaps", "open"), ("overdue=2", "overdue"), ("assignee_id=me", "assignee_id"),
     ("prospect_id=1.5", "prospect_id"), ("page=-1", "page")],
)
def test_bad_follow_up_filters_are_422(api, team, query, field):
    response = api(team.manager).get(f"/api/v1/follow-ups?{query}")
    assert response.status_code == 422
    assert field in response.get_json()["error"]["details"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "t" * 201}, "title"),
        ({"title": None}, "title"),
        ({"due_at": "tomorrow"}, "due_at"),
        ({"due_at": "2030-01-01T10:00:00"}, "due_at"),
        ({"prospect_id": 2147483000}, "prospect_id"),
        ({"assignee_id": 2147483000}, "assignee_id"),
        ({"priority": "high"}, "priority"),
    ],
)
def test_create_refuses_bad_input(api, make, team, change, field):
    prospect = make.prospect(team.manager)
    payload = {"prospect_id": prospect.id, "due_at": soon(days=1), "title": "Call", **change}
    response = api(team.manager).post("/api/v1/follow-ups", json=payload)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["details"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"done": "perhaps"}, "done"),
        ({"done": None}, "done"),
        ({"due_at": None}, "due_at"),
        ({"due_at": "2030-01-01 10:00"}, "due_at"),
        ({"title": "   "}, "title"),
        ({"assignee_id": None}, "assignee_id"),
        ({"prospect_id": 1}, "prospect_id"),
    ],
)
def test_patch_refuses_bad_input(api, make, team, change, field):
    follow_up = make.follow_up(team.manager, make.prospect(team.manager))
    response = api(team.manager).patch(f"/api/v1/follow-ups/{follow_up.id}", json=change)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["details"]


@pytest.mark.parametrize(("method", "body"), [("GET", None), ("PATCH", {"done": True})])
def test_other_agencys_follow_up_is_404(api, team, foreign, method, body):
    admin = api(team.admin)
    response = admin.client.open(
        f"/api/v1/follow-ups/{foreign.follow_up.id}", method=method, json=body, headers=admin.headers
    )
    assert response.status_code == 404
    theirs = api(foreign.manager).get(f"/api/v1/follow-ups/{foreign.follow_up.id}").get_json()
    assert theirs["done_at"] is None
    assert admin.get("/api/v1/follow-ups").get_json()["total"] == 0


def test_follow_up_for_other_agencys_prospect_is_refused(api, team, foreign):
    response = api(team.admin).post(
        "/api/v1/follow-ups", json={"prospect_id": foreign.prospect.id, "due_at": soon(days=1), "title": "x"}
    )
    assert response.status_code == 422
