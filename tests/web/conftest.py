"""Helpers for the web tests: a team in two agencies, listings to visit, browser-like form posts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask.testing import FlaskClient

from realty_crm import tenancy
from realty_crm.models import Agency, Property, Prospect, Role, User, Visit, utcnow
from realty_crm.services import visits
from realty_crm.testing.factories import Factory, form_token

MADRID = ZoneInfo("Europe/Madrid")


@dataclass
class Team:
    """An agency with one user per role (and a second agent), plus another agency and its admin."""

    agency: Agency
    admin: User
    manager: User
    agent: User
    colleague: User
    other_agency: Agency
    outsider: User


@pytest.fixture
def team(make: Factory) -> Team:
    agency = make.agency("Pisos Sol")
    other = make.agency("Casas Luna")
    return Team(
        agency=agency,
        admin=make.user(agency, Role.ADMIN, name="Ada Admin"),
        manager=make.user(agency, Role.MANAGER, name="Manu Manager"),
        agent=make.user(agency, Role.AGENT, name="Alba Agent"),
        colleague=make.user(agency, Role.AGENT, name="Carlos Colleague"),
        other_agency=other,
        outsider=make.user(other, Role.ADMIN, name="Otto Outsider"),
    )


def _post(client: FlaskClient, path: str, data: dict[str, Any] | None = None, page: str | None = None) -> Any:
    token = getattr(client, "csrf_token_value", None)
    if token is None:
        token = form_token(client, page or path)
        client.csrf_token_value = token  # type: ignore[attr-defined]
    return client.post(path, data={**(data or {}), "csrf_token": token})


@pytest.fixture
def post() -> Any:
    """``post(client, path, data, page=None)``: submit a form as a browser does, with the CSRF token
    read from the page that shows the form (``page``, else ``path``; kept for the session afterwards)."""
    return _post


@dataclass
class Listing:
    """Two properties and two prospects of the team: Carla is the agent's, Dan the colleague's."""

    flat: Property
    house: Property
    carla: Prospect
    dan: Prospect


@pytest.fixture
def listing(team: Team, make: Factory) -> Listing:
    manager = team.manager
    return Listing(
        flat=make.property(manager, reference="MAD-001", title="Flat in Chamberí"),
        house=make.property(manager, reference="MAD-002", title="House in Pozuelo", property_type="house"),
        carla=make.prospect(manager, first_name="Carla", last_name="Cruz", assigned_agent_id=team.agent.id),
        dan=make.prospect(manager, first_name="Dan", last_name="Diaz", assigned_agent_id=team.colleague.id),
    )


def tomorrow_at(hour: int, minute: int = 0) -> datetime:
    """Tomorrow at this Madrid wall-clock time (the team's zone), as an aware datetime."""
    day = (utcnow() + timedelta(days=1)).astimezone(MADRID).date()
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=MADRID)


@pytest.fixture
def at() -> Callable[..., datetime]:
    """``at(hour, minute=0)``: tomorrow at that Madrid wall-clock time."""
    return tomorrow_at


@pytest.fixture
def book() -> Callable[..., Visit]:
    """``book(actor, prop, prospect, starts_at, minutes=60, **fields)``: a visit booked by the service."""

    def _book(actor: User, prop: Property, prospect: Prospect, starts_at: datetime, minutes: int = 60,
              **fields: Any) -> Visit:
        data = {
            "property_id": prop.id,
            "prospect_id": prospect.id,
            "starts_at": starts_at.isoformat(),
            "duration_minutes": minutes,
            **fields,
        }
        with tenancy.scope(actor.agency_id):
            return visits.schedule_visit(actor, data)

    return _book
