"""/api/v1/agents: the agency's users with workload counts, visibility by role, no N+1."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event

from realty_crm import tenancy
from realty_crm.extensions import db
from realty_crm.models import Role, utcnow
from realty_crm.services import prospects as prospect_service
from realty_crm.services import visits
from realty_crm.services.workload import week_bounds


def by_name(response) -> dict[str, dict]:
    assert response.status_code == 200, response.get_json()
    return {item["name"]: item for item in response.get_json()["items"]}


def book(actor, agent, prospect, prop, starts_at, **fields):
    """A visit through the booking service (a done one when it lies in the past)."""
    data = {
        "property_id": prop.id,
        "prospect_id": prospect.id,
        "agent_id": agent.id,
        "starts_at": starts_at.isoformat(),
        "duration_minutes": 30,
        **fields,
    }
    with tenancy.scope(actor.agency_id):
        return visits.schedule_visit(actor, data)


def a_slot_this_week(timezone: str) -> tuple:
    """A start time inside the current week, and the status a booking then needs."""
    now = utcnow()
    start, end = week_bounds(timezone, now)
    if now + timedelta(hours=2) < end:
        return now + timedelta(hours=1), "scheduled"
    return max(start, now - timedelta(hours=3)), "done"


def test_manager_sees_every_user_with_workload_counts(api, make, team):
    agent = team.agent
    make.prospect(team.manager, assigned_agent_id=agent.id)
    make.prospect(team.manager, assigned_agent_id=agent.id, status="qualified")
    make.prospect(team.manager, assigned_agent_id=agent.id, status="won")
    gone = make.prospect(team.manager, assigned_agent_id=agent.id)
    with tenancy.scope(team.agency.id):
        prospect_service.delete_prospect(team.manager, gone)
    client_prospect = make.prospect(team.manager, assigned_agent_id=agent.id, first_name="Client")
    yesterday = (utcnow() - timedelta(days=1)).isoformat()
    make.follow_up(team.manager, client_prospect, assignee_id=agent.id, due_at=yesterday)
    make.follow_up(team.manager, client_prospect, assignee_id=agent.id)
    prop = make.property(team.manager)
    starts_at, status = a_slot_this_week(team.agency.timezone)
    book(team.manager, agent, client_prospect, prop, starts_at, status=status)
    _, week_end = week_bounds(team.agency.timezone)
    book(team.manager, agent, client_prospect, prop, week_end + timedelta(days=1))
    cancelled = book(team.manager, agent, client_prospect, prop, week_end + timedelta(days=2))
    with tenancy.scope(team.agency.id):
        visits.update_visit(team.manager, cancelled, {"status": "cancelled", "cancel_reason": "ill"})

    users = by_name(api(team.manager).get("/api/v1/agents"))
    assert set(users) == {"Ana Admin", "Marta Manager", "Alberto Agent", "Carla Colleague"}
    mine = users["Alberto Agent"]
    assert mine["id"] == agent.id and mine["role"] == "agent" and mine["active"] is True
    assert (mine["open_prospects"], mine["overdue_follow_ups"], mine["visits_this_week"]) == (3, 1, 1)
    colleague = users["Carla Colleague"]
    assert (colleague["open_prospects"], colleague["overdue_follow_ups"], colleague["visits_this_week"]) == (
        0, 0, 0,
    )
    assert "password_hash" not in mine


def test_agent_sees_only_their_own_entry(api, make, team):
    make.prospect(team.manager, assigned_agent_id=team.colleague.id)
    body = api(team.agent).get("/api/v1/agents").get_json()
    assert [item["id"] for item in body["items"]] == [team.agent.id]
    assert body["total"] == 1


def test_other_agencys_users_are_never_listed(api, team, foreign):
    ids = {item["id"] for item in api(team.admin).get("/api/v1/agents?per_page=200").get_json()["items"]}
    assert foreign.manager.id not in ids
    assert len(ids) == 4


def test_filters_by_role_activity_and_name(api, make, team):
    make.user(team.agency, Role.AGENT, name="Retired Rita", active=False)
    client = api(team.manager)
    assert set(by_name(client.get("/api/v1/agents?role=agent"))) == {
        "Alberto Agent", "Carla Colleague", "Retired Rita",
    }
    assert set(by_name(client.get("/api/v1/agents?active=false"))) == {"Retired Rita"}
    assert set(by_name(client.get("/api/v1/agents?role=agent&active=true&q=carla"))) == {"Carla Colleague"}
    assert set(by_name(client.get("/api/v1/agents?q=marta.manager%40"))) == {"Marta Manager"}


@pytest.mark.parametrize(
    ("query", "field"), [("role=boss", "role"), ("active=sometimes", "active"), ("per_page=-1", "per_page")]
)
def test_bad_agent_filters_are_422(api, team, query, field):
    response = api(team.manager).get(f"/api/v1/agents?{query}")
    assert response.status_code == 422
    assert field in response.get_json()["error"]["details"]


def test_workload_is_counted_with_the_same_number_of_queries_for_any_team_size(api, make, team, staff):
    client = api(team.manager)

    def queries_for_listing() -> int:
        statements: list[str] = []

        def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert client.get("/api/v1/agents?per_page=200").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(statements)

    small = queries_for_listing()
    for n in range(6):
        agent = staff(team.agency, Role.AGENT, f"Extra{n} Agent")
        make.prospect(team.manager, assigned_agent_id=agent.id)
    assert queries_for_listing() == small
