"""pytest fixtures for a plugin's own test suite: the same agencies in every plugin's tests.

Two agencies: ``sol`` ("Pisos Sol") has the plugin under test enabled, ``luna`` ("Casas Luna")
has it installed but off, so a test can do the same thing in both and see the plugin act in one
only. Each has an admin, a manager, two agents, a property and a prospect. For a plugin's
Alembic branch, ``fresh_app`` is an app on an empty database of the kind the suite runs on.

Loaded with the core fixtures (``realty_crm.testing.fixtures``, a ``pytest11`` entry point), so
a plugin's suite gets them by installing realty-crm. The suite's conftest names its plugin::

    @pytest.fixture
    def plugin_name() -> str:
        return "visit_notes"

and, to add helpers of its own to the agencies, a subclass of :class:`PluginAgency` (or of
:class:`AgencyStaff`, for a suite that wants no property or prospect made)::

    @pytest.fixture
    def agency_kind() -> type[AgencyStaff]:
        return Branch
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy import create_engine, make_url, text

from .. import tenancy
from ..models import Agency, Property, Prospect, Role, User, Visit, utcnow
from ..services import plugins, visits
from .factories import Factory
from .fixtures import TEST_DB_ENV

Kind = TypeVar("Kind", bound="AgencyStaff")


@dataclass(frozen=True)
class Profile:
    """What tells the two sample agencies apart: the agency's name, its prospect's first name."""

    name: str
    prospect_first_name: str


SOL = Profile("Pisos Sol", "Lucía")
LUNA = Profile("Casas Luna", "Marco")


@dataclass
class AgencyStaff:
    """One agency and its people: an admin, a manager, an agent covering the area "Centro"
    (named "Agent of <agency>") and a second agent, the colleague."""

    agency: Agency
    admin: User
    manager: User
    agent: User
    colleague: User
    make: Factory

    @classmethod
    def create(cls: type[Kind], make: Factory, profile: Profile) -> Kind:
        """The agency of ``profile`` and its people, made through the services."""
        return cls(**_people(make, profile.name))

    def scope(self) -> AbstractContextManager[None]:
        """``with sol.scope():`` run the block as a request of this agency would."""
        return tenancy.scope(self.agency.id)


@dataclass
class PluginAgency(AgencyStaff):
    """An agency with its people, a flat with an address and a prospect with a phone,
    assigned to the agent: what a visit needs."""

    flat: Property
    prospect: Prospect

    @classmethod
    def create(cls: type[Kind], make: Factory, profile: Profile) -> Kind:
        """The agency of ``profile``, its people, its flat and its prospect."""
        people = _people(make, profile.name)
        manager, agent = people["manager"], people["agent"]
        return cls(
            **people,
            flat=make.property(
                manager, reference=f"{profile.name[:3].upper()}-1", title=f"Flat of {profile.name}",
                address="Calle Mayor 1", city="Málaga",
            ),
            prospect=make.prospect(
                manager, first_name=profile.prospect_first_name, last_name="Test",
                phone="+34600111222", assigned_agent_id=agent.id,
            ),
        )

    def visit(self, days: float, agent: User | None = None, **fields: Any) -> Visit:
        """A 45-minute visit of the flat with the prospect, booked by the manager for ``agent``
        (the agent by default), starting ``days`` from now (negative: in the past, logged as
        done); ``fields`` change any of the visit's fields."""
        start = (utcnow() + timedelta(days=days)).replace(microsecond=0)
        data = {
            "property_id": self.flat.id,
            "prospect_id": self.prospect.id,
            "agent_id": (agent or self.agent).id,
            "starts_at": start.isoformat(),
            "duration_minutes": 45,
            **({"status": "done"} if days < 0 else {}),
            **fields,
        }
        with self.scope():
            return visits.schedule_visit(self.manager, data)


def _people(make: Factory, name: str) -> dict[str, Any]:
    agency = make.agency(name)
    return {
        "agency": agency,
        "admin": make.user(agency, Role.ADMIN),
        "manager": make.user(agency, Role.MANAGER),
        "agent": make.user(agency, Role.AGENT, name=f"Agent of {name}", areas=["Centro"]),
        "colleague": make.user(agency, Role.AGENT, name=f"Colleague of {name}"),
        "make": make,
    }


@pytest.fixture
def plugin_name() -> str:
    """The plugin under test, by its entry-point name: the suite's conftest overrides this."""
    pytest.fail("define a `plugin_name` fixture in your conftest.py (the plugin's entry-point name)",
                pytrace=False)


@pytest.fixture
def agency_kind() -> type[AgencyStaff]:
    """The class ``sol`` and ``luna`` are made as: :class:`PluginAgency` unless the conftest
    overrides it with a subclass carrying the suite's own helpers."""
    return PluginAgency


@pytest.fixture
def plugin_agency(make: Factory, plugin_name: str) -> Callable[..., AgencyStaff]:
    """``plugin_agency(profile, kind=PluginAgency, enabled=True)``: a new agency of ``profile``
    made as ``kind``, with the plugin under test enabled or installed but off."""

    def build(profile: Profile, kind: type[AgencyStaff] = PluginAgency, enabled: bool = True) -> AgencyStaff:
        made = kind.create(make, profile)
        if enabled:
            plugins.set_enabled(None, made.agency, plugin_name, True)
        return made

    return build


@pytest.fixture
def sol(plugin_agency: Callable[..., AgencyStaff], agency_kind: type[AgencyStaff]) -> AgencyStaff:
    """"Pisos Sol": the agency where the plugin is enabled (prospect Lucía Test)."""
    return plugin_agency(SOL, agency_kind, enabled=True)


@pytest.fixture
def luna(plugin_agency: Callable[..., AgencyStaff], agency_kind: type[AgencyStaff]) -> AgencyStaff:
    """"Casas Luna": an agency where the plugin is installed but not enabled (prospect Marco Test)."""
    return plugin_agency(LUNA, agency_kind, enabled=False)


@pytest.fixture
def fresh_database_url(tmp_path: Path) -> Iterator[str]:
    """An empty database: a new SQLite file, or a new PostgreSQL database beside the suite's
    (dropped afterwards)."""
    suite_url = os.environ.get(TEST_DB_ENV)
    if not suite_url:
        yield f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
        return
    url = make_url(suite_url)
    name = f"{url.database}_fresh_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def fresh_app(fresh_database_url: str, app_factory: Callable[..., Flask]) -> Flask:
    """An app on ``fresh_database_url``, nothing created yet: ``realty-crm init`` is the test's
    to run (``fresh_app.test_cli_runner().invoke(args=["init"])``)."""
    return app_factory(DATABASE_URL=fresh_database_url)


@pytest.fixture
def migration_script(app: Flask) -> ScriptDirectory:
    """The Alembic revisions the app runs, the core's and every installed plugin's branch:
    ``migration_script.get_revision("visit_notes_0001")``."""
    return ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
