"""A team to distribute work in, two listings to visit, visits booked through the service, and a
small plugin that hears the events and reports busy time (installed, enabled per test)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask

from realty_crm import hookimpl, tenancy
from realty_crm.extensions import db
from realty_crm.models import Agency, Property, Prospect, Role, User, Visit, utcnow
from realty_crm.plugin_host import PluginInfo
from realty_crm.services import plugins, visits
from realty_crm.testing.factories import Factory

MADRID = ZoneInfo("Europe/Madrid")


class Listener:
    """Notes the assignment and visit events it hears, and reports ``busy`` as busy time."""

    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []
        self.busy: list[tuple[datetime, datetime, str]] = []

    def heard(self, hook: str) -> list[dict[str, Any]]:
        return [kwargs for name, kwargs in self.events if name == hook]

    @hookimpl
    def crm_plugin_info(self) -> PluginInfo:
        return PluginInfo(name="listener", title="Listener", description="Hears events.")

    @hookimpl
    def crm_prospect_assigned(self, prospect: Any, agent: Any, previous_agent: Any) -> None:
        self.events.append(("crm_prospect_assigned", {
            "prospect_id": prospect.id,
            "agent_id": agent.id if agent else None,
            "previous_agent_id": previous_agent.id if previous_agent else None,
        }))

    @hookimpl
    def crm_visit_rescheduled(self, visit: Any, old_starts_at: datetime) -> None:
        self.events.append(("crm_visit_rescheduled", {"visit_id": visit.id, "agent_id": visit.agent_id}))

    @hookimpl
    def crm_busy_intervals(self, agent: Any, starts_at: datetime, ends_at: datetime) -> list[Any]:
        return list(self.busy)


@pytest.fixture
def listener() -> Listener:
    return Listener()


@pytest.fixture
def app(app_factory: Callable[..., Flask], listener: Listener) -> Iterator[Flask]:
    """The application with the listener installed (enabled in no agency until a test says so)."""
    application = app_factory(EXTRA_PLUGINS=[(listener, "listener")], PLUGINS_AUTOLOAD=False)
    with application.app_context():
        yield application
        db.session.remove()


@pytest.fixture
def enable_listener(app: Flask) -> Callable[[Agency], None]:
    """``enable_listener(agency)``: turn the listener on in the agency, as an admin would."""

    def switch_on(agency: Agency) -> None:
        with tenancy.scope(agency.id):
            plugins.set_enabled(None, agency, "listener", True)

    return switch_on


@dataclass
class Team:
    """Agency "Pisos Sol": an admin, a manager, two agents and a retired one, two properties;
    agency "Casas Luna": its admin and one prospect of theirs."""

    agency: Agency
    admin: User
    manager: User
    agent: User
    colleague: User
    retired: User
    flat: Property
    house: Property
    other_agency: Agency
    outsider: User
    foreign_prospect: Prospect


@pytest.fixture
def team(make: Factory) -> Team:
    """The team; agency "Pisos Sol" stays in scope for the test's direct service calls."""
    agency = make.agency("Pisos Sol")
    other = make.agency("Casas Luna")
    manager = make.user(agency, Role.MANAGER, name="Manu Manager")
    outsider = make.user(other, Role.ADMIN, name="Otto Outsider")
    t = Team(
        agency=agency,
        admin=make.user(agency, Role.ADMIN, name="Ada Admin"),
        manager=manager,
        agent=make.user(agency, Role.AGENT, name="Alba Agent"),
        colleague=make.user(agency, Role.AGENT, name="Carlos Colleague"),
        retired=make.user(agency, Role.AGENT, name="Rita Retired", active=False),
        flat=make.property(manager, reference="MAD-001", title="Flat in Chamberí"),
        house=make.property(manager, reference="MAD-002", title="House in Pozuelo", property_type="house"),
        other_agency=other,
        outsider=outsider,
        foreign_prospect=make.prospect(outsider, first_name="Foreign", email="foreign@example.com"),
    )
    tenancy.enter(agency.id)
    return t


def tomorrow_at(hour: int, minute: int = 0) -> datetime:
    """Tomorrow at this Madrid wall-clock time (the team's zone), as an aware datetime."""
    day = (utcnow() + timedelta(days=1)).astimezone(MADRID).date()
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=MADRID)


@pytest.fixture
def at() -> Callable[..., datetime]:
    """``at(hour, minute=0)``: tomorrow at that Madrid wall-clock time."""
    return tomorrow_at


@pytest.fixture
def book(app: Flask) -> Callable[..., Visit]:
    """``book(actor, prop, prospect, starts_at, agent=None, minutes=60, **fields)``: a visit booked
    by the service (a start in the past needs ``status="done"``)."""

    def _book(actor: User, prop: Property, prospect: Prospect, starts_at: datetime,
              agent: User | None = None, minutes: int = 60, **fields: Any) -> Visit:
        data = {
            "property_id": prop.id,
            "prospect_id": prospect.id,
            "agent_id": (agent or actor).id,
            "starts_at": starts_at.isoformat(),
            "duration_minutes": minutes,
            **fields,
        }
        with tenancy.scope(actor.agency_id):
            return visits.schedule_visit(actor, data)

    return _book
