"""No list runs a query per row: each list page and API list sends as many queries for twelve
rows as for two (related agents, prospects and properties are loaded in bulk)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event

from realty_crm import tenancy
from realty_crm.extensions import db
from realty_crm.models import Agency, Role, User, utcnow
from realty_crm.services import prospects as prospect_service
from realty_crm.services import reassign, visits
from realty_crm.testing.factories import ApiClient, Factory, login

WEB_PAGES = [
    ("manager", "/prospects"),
    ("manager", "/properties"),
    ("manager", "/visits"),
    ("manager", "/trash"),
    ("manager", "/"),
    ("agent", "/"),
    ("agent", "/prospects"),
    ("manager", "/calendar?view=week&date={day}"),
    ("manager", "/calendar?view=day&date={day}&agent=all"),
    ("admin", "/users"),
    ("manager", "/distribution"),
    ("manager", "/distribution/workload"),
    ("manager", "/reports"),
    ("agent", "/reports"),
    ("manager", "/imports"),
]
API_LISTS = ["/api/v1/prospects", "/api/v1/properties", "/api/v1/visits", "/api/v1/calls",
             "/api/v1/follow-ups", "/api/v1/agents"]


@contextmanager
def counting() -> Iterator[list[str]]:
    """The SQL statements sent while the block runs."""
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


@dataclass
class Agency360:
    """An agency whose records are added in rounds, each with agents, calls, follow-ups and visits."""

    make: Factory
    agency: Agency
    admin: User
    manager: User
    agents: list[User]
    day: datetime
    added: int = 0

    def add(self, count: int) -> None:
        """``count`` more prospects, each with a call, a follow-up, a property, a visit on ``day``
        and a deleted twin in the trash; two in three held by an agent."""
        for _ in range(count):
            n = self.added
            self.added += 1
            agent = self.agents[n % len(self.agents)]
            holder = agent.id if n % 3 else None  # every third one waits in the unassigned pool
            prospect = self.make.prospect(self.manager, assigned_agent_id=holder,
                                          email=f"p{n}@example.com",
                                          requirements={"operation": "buy", "areas": ["Chamberí"]})
            caller = agent if holder else self.manager  # an agent may not touch the unassigned pool
            self.make.call(caller, prospect)
            self.make.follow_up(caller, prospect, assignee_id=agent.id,
                                due_at=(utcnow() - timedelta(hours=n + 1)).isoformat())
            prop = self.make.property(self.manager, listing_agent_id=agent.id, reference=f"R-{n}")
            with tenancy.scope(self.agency.id):
                visits.schedule_visit(self.manager, {
                    "property_id": prop.id, "prospect_id": prospect.id, "agent_id": agent.id,
                    "starts_at": (self.day + timedelta(minutes=40 * n)).isoformat(), "duration_minutes": 30,
                })
                twin = self.make.prospect(self.manager, assigned_agent_id=agent.id)
                prospect_service.delete_prospect(self.manager, twin)


@pytest.fixture
def office(make: Factory) -> Agency360:
    agency = make.agency("Pisos Sol")
    zone = ZoneInfo(agency.timezone)
    day = datetime.combine(utcnow().astimezone(zone).date() + timedelta(days=3), time(9), tzinfo=zone)
    agents = [make.user(agency, Role.AGENT, name=f"Agent {i}") for i in range(3)]
    return Agency360(make, agency, make.user(agency, Role.ADMIN), make.user(agency, Role.MANAGER),
                     agents, day)


def queries_for(client, path: str) -> int:  # type: ignore[no-untyped-def]
    with counting() as statements:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(statements)


@pytest.mark.parametrize(("who", "path"), WEB_PAGES)
def test_a_list_page_sends_as_many_queries_for_twelve_rows_as_for_two(app, client, office, who, path):
    user = {"manager": office.manager, "agent": office.agents[0], "admin": office.admin}[who]
    login(client, user)
    path = path.format(day=office.day.date().isoformat())
    office.add(2)
    few = queries_for(client, path)
    office.add(10)
    assert queries_for(client, path) == few


@pytest.mark.parametrize("path", API_LISTS)
def test_an_api_list_sends_as_many_queries_for_a_page_of_twelve_as_for_a_page_of_two(
    app, client, office, path
):
    office.add(12)
    api = ApiClient(client, office.make.token(office.manager))
    with counting() as small:
        assert api.get(f"{path}?per_page=2").status_code == 200
    with counting() as large:
        response = api.get(f"{path}?per_page=12")
    assert response.status_code == 200
    assert len(response.get_json()["items"]) >= 3
    assert len(large) == len(small)


def test_a_prospects_timeline_reads_with_as_many_queries_for_forty_entries_as_for_four(app, client, office):
    office.add(1)
    prospect = office.make.prospect(office.manager, first_name="Ana", assigned_agent_id=office.agents[0].id)
    page, timeline = f"/prospects/{prospect.id}", f"/api/v1/prospects/{prospect.id}/timeline?per_page=50"
    api = ApiClient(app.test_client(), office.make.token(office.manager))
    login(client, office.manager)
    few = queries_for(client, page)
    with counting() as few_api:
        assert len(api.get(timeline).get_json()["items"]) == 2
    with tenancy.scope(office.agency.id):
        for n in range(6):  # assignments by several people, status changes, changed fields, notes
            agent = office.agents[n % len(office.agents)]
            reassign.reassign(office.manager, [prospect.id], agent.id)
            prospect_service.update_prospect(agent, prospect, {"status": ("contacted", "qualified")[n % 2],
                                                               "requirements": {"max_price": str(1000 + n)}})
            prospect_service.add_note(agent, prospect, f"Note {n}")
            office.make.call(agent, prospect)
            office.make.follow_up(agent, prospect, assignee_id=agent.id)
    with counting() as many_api:
        assert len(api.get(timeline).get_json()["items"]) > 30
    assert queries_for(client, page) == few
    assert len(many_api) == len(few_api)
