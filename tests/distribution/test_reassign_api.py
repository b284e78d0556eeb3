"""POST /api/v1/prospects/reassign, and last_activity_at on GET /api/v1/agents."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from realty_crm.extensions import db
from realty_crm.models import Prospect, Visit, utcnow

URL = "/api/v1/prospects/reassign"


def holder(prospect: Prospect) -> int | None:
    db.session.expire_all()
    return db.session.get(Prospect, prospect.id).assigned_agent_id


def test_a_manager_reassigns_in_bulk_and_hears_what_moved(api, team, make, book, at):
    carla = make.prospect(team.manager, first_name="Carla", assigned_agent_id=team.agent.id)
    dan = make.prospect(team.manager, first_name="Dan")
    held = make.prospect(team.manager, first_name="Held", assigned_agent_id=team.colleague.id)
    visit = book(team.manager, team.flat, carla, at(10), agent=team.agent)
    make.follow_up(team.manager, carla, assignee_id=team.agent.id)

    response = api(team.manager).post(URL, json={"prospect_ids": [carla.id, dan.id, held.id],
                                                 "agent_id": team.colleague.id})

    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {
        "agent_id": team.colleague.id,
        "prospect_ids": [carla.id, dan.id, held.id],
        "reassigned": 2,
        "unchanged": 1,
        "visits_moved": 1,
        "follow_ups_moved": 1,
    }
    assert {holder(carla), holder(dan), holder(held)} == {team.colleague.id}
    assert db.session.get(Visit, visit.id).agent_id == team.colleague.id


def test_null_puts_them_back_in_the_pool_and_visits_can_stay(api, team, make, book, at):
    carla = make.prospect(team.manager, first_name="Carla", assigned_agent_id=team.agent.id)
    dan = make.prospect(team.manager, first_name="Dan", assigned_agent_id=team.agent.id)
    visit = book(team.manager, team.flat, dan, at(10), agent=team.agent)
    client = api(team.admin)

    response = client.post(URL, json={"prospect_ids": [carla.id], "agent_id": None})
    assert response.status_code == 200
    assert response.get_json()["reassigned"] == 1
    assert holder(carla) is None

    response = client.post(URL, json={"prospect_ids": [dan.id], "agent_id": team.colleague.id,
                                      "move_visits": False})
    assert response.get_json()["visits_moved"] == 0
    assert db.session.get(Visit, visit.id).agent_id == team.agent.id


def test_an_agent_hears_403_whatever_they_send(api, team, make):
    mine = make.prospect(team.agent, first_name="Mine")
    client = api(team.agent)
    for body in ({"prospect_ids": [mine.id], "agent_id": team.colleague.id}, {}, {"junk": 1}):
        response = client.post(URL, json=body)
        assert response.status_code == 403
        assert response.get_json()["error"]["code"] == "forbidden"
    assert holder(mine) == team.agent.id


def test_without_a_token_it_is_401(client):
    assert client.post(URL, json={"prospect_ids": [1], "agent_id": None}).status_code == 401


def test_a_clash_is_409_listing_the_visits_and_nothing_changes(api, team, make, book, at):
    carla = make.prospect(team.manager, first_name="Carla", assigned_agent_id=team.agent.id)
    dan = make.prospect(team.manager, first_name="Dan")
    theirs = make.prospect(team.manager, first_name="Eva", assigned_agent_id=team.colleague.id)
    moving = book(team.manager, team.flat, carla, at(10), agent=team.agent)
    blocking = book(team.manager, team.house, theirs, at(10, 15), agent=team.colleague)

    response = api(team.manager).post(URL, json={"prospect_ids": [dan.id, carla.id],
                                                 "agent_id": team.colleague.id})

    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "conflict"
    [clash] = error["details"]["clashes"]
    assert (clash["visit_id"], clash["clashing_visit_id"]) == (moving.id, blocking.id)
    assert clash["prospect_id"] == carla.id
    assert clash["starts_at"] == moving.starts_at.isoformat()
    assert (holder(carla), holder(dan)) == (team.agent.id, None)
    assert db.session.get(Visit, moving.id).agent_id == team.agent.id


def test_another_agencys_prospect_is_refused_and_stays_theirs(api, team, make):
    ours = make.prospect(team.manager, first_name="Ours")
    response = api(team.manager).post(URL, json={"prospect_ids": [ours.id, team.foreign_prospect.id],
                                                 "agent_id": team.agent.id})
    assert response.status_code == 422
    assert str(team.foreign_prospect.id) in response.get_json()["error"]["details"]["prospect_ids"]
    assert holder(ours) is None
    assert holder(team.foreign_prospect) is None


@pytest.mark.parametrize("who", ["retired", "outsider"])
def test_an_inactive_or_foreign_agent_is_refused(api, team, make, who):
    lead = make.prospect(team.manager, first_name="Lead")
    response = api(team.manager).post(URL, json={"prospect_ids": [lead.id],
                                                 "agent_id": getattr(team, who).id})
    assert response.status_code == 422
    assert "agent_id" in response.get_json()["error"]["details"]
    assert holder(lead) is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "prospect_ids"),
        ({"agent_id": 1}, "prospect_ids"),
        ({"prospect_ids": [1]}, "agent_id"),
        ({"prospect_ids": [], "agent_id": 1}, "prospect_ids"),
        ({"prospect_ids": "1,2", "agent_id": 1}, "prospect_ids"),
        ({"prospect_ids": [1, "x"], "agent_id": 1}, "prospect_ids.1"),
        ({"prospect_ids": [0], "agent_id": 1}, "prospect_ids.0"),
        ({"prospect_ids": [10**12], "agent_id": 1}, "prospect_ids.0"),
        ({"prospect_ids": list(range(1, 502)), "agent_id": 1}, "prospect_ids"),
        ({"prospect_ids": [1], "agent_id": "me"}, "agent_id"),
        ({"prospect_ids": [1], "agent_id": 1.5}, "agent_id"),
        ({"prospect_ids": [1], "agent_id": 1, "move_visits": "perhaps"}, "move_visits"),
        ({"prospect_ids": [1], "agent_id": 1, "extra": True}, "extra"),
    ],
)
def test_bad_bodies_are_422_naming_the_field(api, team, body, field):
    response = api(team.manager).post(URL, json=body)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_error"
    assert field in error["details"]


def test_a_body_that_is_not_an_object_or_not_json_is_refused(api, team):
    client = api(team.manager)
    assert client.post(URL, json=[1, 2]).status_code == 422
    assert client.post(URL, data="{nope", headers={"Content-Type": "application/json"}).status_code == 400


def test_agents_list_says_when_each_user_last_did_something(api, team, make, book):
    lead = make.prospect(team.manager, first_name="Lead", assigned_agent_id=team.agent.id)
    make.call(team.agent, lead)
    done_at = utcnow() - timedelta(days=2)
    book(team.manager, team.flat, lead, done_at, agent=team.colleague, status="done")

    items = {u["id"]: u for u in api(team.manager).get("/api/v1/agents").get_json()["items"]}

    agent_last = datetime.fromisoformat(items[team.agent.id]["last_activity_at"])
    assert abs((agent_last - utcnow()).total_seconds()) < 60
    colleague_last = datetime.fromisoformat(items[team.colleague.id]["last_activity_at"])
    assert abs((colleague_last - done_at).total_seconds()) < 1
    assert items[team.admin.id]["last_activity_at"] is None
    assert {"open_prospects", "visits_this_week", "overdue_follow_ups"} <= set(items[team.agent.id])
