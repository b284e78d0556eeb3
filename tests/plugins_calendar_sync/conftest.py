"""Fixtures for the calendar_sync plugin's tests (plugins/calendar_sync, installed as a package).

``sol`` (plugin enabled) and ``luna`` (installed but off) come from realty-crm's plugin test
fixtures, each with people, a flat with an address and a prospect with a phone; this suite adds
feeds and a way to read them as a calendar app does.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from icalendar import Calendar
from realty_crm_calendar_sync import feeds

from realty_crm.plugin_api import User, Visit, visits
from realty_crm.testing.plugin_fixtures import AgencyStaff, PluginAgency

PLUGIN = "calendar_sync"


class Branch(PluginAgency):
    """An agency of the calendar's tests: its visits change, its people get feeds."""

    def update(self, visit: Visit, change: dict[str, Any]) -> Visit:
        """Change a visit through the service, as the manager."""
        with self.scope():
            return visits.update_visit(self.manager, visit, change)

    def feed(self, user: User | None = None, kind: str = "agent") -> str:
        """A new feed secret of ``user`` (the agent by default)."""
        with self.scope():
            return feeds.create_feed(user or self.agent, kind)[1]


@pytest.fixture
def plugin_name() -> str:
    """The plugin under test."""
    return PLUGIN


@pytest.fixture
def agency_kind() -> type[AgencyStaff]:
    """``sol`` and ``luna`` carry this suite's helpers."""
    return Branch


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
