"""Fixtures for the calendar_sync plugin's tests (plugins/calendar_sync, installed as a package).

Two agencies: "Pisos Sol" has the plugin enabled, "Casas Luna" has it installed but not
enabled. Each has an admin, a manager, two agents, a property with an address and a prospect
with a phone, so a test can book visits in both and check which ones a feed shows.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from icalendar import Calendar
from realty_crm_calendar_sync import feeds

from realty_crm import tenancy
from realty_crm.models import Agency, Property, Prospect, Role, User, Visit, utcnow
from realty_crm.services import plugins, visits
from realty_crm.testing.factories import Factory

PLUGIN = "calendar_sync"


@dataclass
class Branch:
    """One agency with its people, a property and a prospect to visit."""

    agency: Agency
    admin: User
    manager: User
    agent: User
    colleague: User
    flat: Property
    prospect: Prospect

    def visit(self, days: float, agent: User | None = None, **fields: Any) -> Visit:
        """A visit starting ``days`` from now (negative: in the past, logged as done)."""
        agent = agent or self.agent
        start = (utcnow() + timedelta(days=days)).replace(microsecond=0)
        data = {
            "property_id": self.flat.id,
            "prospect_id": self.prospect.id,
            "agent_id": agent.id,
            "starts_at": start.isoformat(),
            "duration_minutes": 45,
            **({"status": "done"} if days < 0 else {}),
            **fields,
        }
        with tenancy.scope(self.agency.id):
            return visits.schedule_visit(self.manager, data)

    def update(self, visit: Visit, change: dict[str, Any]) -> Visit:
        """Change a visit through the service, as the manager."""
        with tenancy.scope(self.agency.id):
            return visits.update_visit(self.manager, visit, change)

    def feed(self, user: User | None = None, kind: str = "agent") -> str:
        """A new feed secret of ``user`` (the agent by default)."""
        user = user or self.agent
        with tenancy.scope(self.agency.id):
            return feeds.create_feed(user, kind)[1]


def _branch(make: Factory, name: str, prospect_name: str) -> Branch:
    agency = make.agency(name)
    manager = make.user(agency, Role.MANAGER)
    agent = make.user(agency, Role.AGENT, name=f"Agent of {name}")
    return Branch(
        agency=agency,
        admin=make.user(agency, Role.ADMIN),
        manager=manager,
        agent=agent,
        colleague=make.user(agency, Role.AGENT, name=f"Colleague of {name}"),
        flat=make.property(
            manager, reference=f"{name[:3].upper()}-1", title=f"Flat of {name}",
            address="Calle Mayor 1", city="Málaga",
        ),
        prospect=make.prospect(
            manager, first_name=prospect_name, last_name="Test", phone="+34600111222",
            assigned_agent_id=agent.id,
        ),
    )


@pytest.fixture
def sol(make: Factory) -> Branch:
    """The agency where the plugin is enabled."""
    branch = _branch(make, "Pisos Sol", "Lucía")
    plugins.set_enabled(None, branch.agency, PLUGIN, True)
    return branch


@pytest.fixture
def luna(make: Factory) -> Branch:
    """An agency where the plugin is installed but not enabled."""
    return _branch(make, "Casas Luna", "Marco")


@pytest.fixture
def fetch(client: FlaskClient) -> Callable[[str], Any]:
    """``fetch(secret)``: GET the feed anonymously, as a calendar app does."""

    def get(secret: str) -> Any:
        return client.get(f"/calendar/{secret}.ics")

    return get


@pytest.fixture
def events(fetch: Callable[[str], Any]) -> Callable[[str], dict[str, Any]]:
    """``events(secret)``: the feed parsed back with icalendar, as {UID: VEVENT}."""

    def parse(secret: str) -> dict[str, Any]:
        response = fetch(secret)
        assert response.status_code == 200, response.status_code
        calendar = Calendar.from_ical(response.get_data())
        return {str(e["UID"]): e for e in calendar.walk("VEVENT")}

    return parse


@pytest.fixture
def secret_in() -> Callable[[str], str]:
    """``secret_in(html)``: the feed secret in the URL a page shows once."""

    def find(html: str) -> str:
        match = re.search(r"/calendar/([A-Za-z0-9_-]+)\.ics", html)
        assert match, "no feed URL on the page"
        return match.group(1)

    return find
