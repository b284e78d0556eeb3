"""/api/v1/agents/<id>: one user with their workload, and changes to them: admins change
anyone (role, state, areas, absence), every user their own preferences; bad input changes
nothing."""

from __future__ import annotations

import pytest

from realty_crm.extensions import db
from realty_crm.models import User


def fresh(user: User) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def test_staff_read_anyone_and_an_agent_only_themself(api, team):
    assert api(team.manager).get(f"/api/v1/agents/{team.agent.id}").get_json()["name"] == "Alberto Agent"
    mine = api(team.agent).get(f"/api/v1/agents/{team.agent.id}")
    assert mine.status_code == 200 and mine.get_json()["open_prospects"] == 0
    assert api(team.agent).get(f"/api/v1/agents/{team.colleague.id}").status_code == 403


def test_an_admin_marks_an_agent_away_and_the_rules_then_skip_them(api, make, team):
    team.agency.assignment_rule = "round_robin"
    db.session.commit()
    absence = {"away_from": "2020-01-01T00:00:00+01:00", "away_until": "2099-01-01T00:00:00+01:00",
               "areas": ["Chamberí"]}

    response = api(team.admin).patch(f"/api/v1/agents/{team.agent.id}", json=absence)

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["away_until"].startswith("2098-12-31T23:00:00") and body["areas"] == ["Chamberí"]
    for n in range(3):
        lead = make.prospect(team.manager, first_name=f"Lead{n}")
        assert lead.assigned_agent_id == team.colleague.id


def test_a_user_changes_their_own_preferences_but_not_their_role(api, team):
    client = api(team.agent)
    assert client.patch(f"/api/v1/agents/{team.agent.id}", json={"name": "Alberto A."}).status_code == 200
    assert fresh(team.agent).name == "Alberto A."
    refused = client.patch(f"/api/v1/agents/{team.agent.id}", json={"role": "admin"})
    assert refused.status_code == 403
    assert fresh(team.agent).role == "agent"


def test_a_manager_may_not_change_another_user(api, team):
    response = api(team.manager).patch(f"/api/v1/agents/{team.agent.id}", json={"active": False})
    assert response.status_code == 403
    assert fresh(team.agent).active is True


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"away_from": "2026-08-10T00:00:00+02:00", "away_until": "2026-08-01T00:00:00+02:00"}, "away_until"),
        ({"away_from": "next monday"}, "away_from"),
        ({"away_from": "2026-08-10T00:00:00"}, "away_from"),  # no offset: which zone?
        ({"role": "boss"}, "role"),
        ({"name": ""}, "name"),
        ({"nickname": "Al"}, "nickname"),
    ],
)
def test_bad_changes_are_422_and_change_nothing(api, team, changes, field):
    before = (fresh(team.agent).name, fresh(team.agent).away_from, fresh(team.agent).role)

    response = api(team.admin).patch(f"/api/v1/agents/{team.agent.id}", json=changes)

    assert response.status_code == 422
    assert field in response.get_json()["error"]["details"]
    after = fresh(team.agent)
    assert (after.name, after.away_from, after.role) == before


def test_another_agencys_user_is_not_found(api, team, foreign):
    client = api(team.admin)
    assert client.get(f"/api/v1/agents/{foreign.manager.id}").status_code == 404
    assert client.patch(f"/api/v1/agents/{foreign.manager.id}", json={"name": "X"}).status_code == 404
