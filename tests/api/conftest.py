"""Shared people and records for the API tests: one agency's team, and another agency's data."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest

from realty_crm import tenancy
from realty_crm.models import Agency, Call, FollowUp, Property, Prospect, Role, User, Visit, utcnow
from realty_crm.services import accounts, visits
from realty_crm.testing.factories import Factory


def _staff(agency: Agency, role: Role, name: str) -> User:
    email = f"{name.split()[0].lower()}.{role.value}@{agency.slug}.example.com"
    return accounts.create_user(agency, {"email": email, "name": name, "role": role.value})


@pytest.fixture
def staff(app) -> Callable[[Agency, Role, str], User]:
    """``staff(agency, role, name)``: a user without a password (API tests use tokens; hashing is slow)."""
    return _staff


@dataclass
class Team:
    """An agency with an admin, a manager and two agents."""

    agency: Agency
    admin: User
    manager: User
    agent: User
    colleague: User


@dataclass
class Foreign:
    """Another agency's manager and one record of each kind."""

    agency: Agency
    manager: User
    prospect: Prospect
    property: Property
    call: Call
    follow_up: FollowUp
    visit: Visit

    def ids(self) -> dict[str, int]:
        """Path parameter name → the foreign record's id."""
        return {
            "prospect_id": self.prospect.id,
            "property_id": self.property.id,
            "call_id": self.call.id,
            "follow_up_id": self.follow_up.id,
            "visit_id": self.visit.id,
            "user_id": self.manager.id,
        }


@pytest.fixture
def team(make: Factory) -> Team:
    agency = make.agency("Pisos Sol")
    return Team(
        agency=agency,
        admin=_staff(agency, Role.ADMIN, "Ana Admin"),
        manager=_staff(agency, Role.MANAGER, "Marta Manager"),
        agent=_staff(agency, Role.AGENT, "Alberto Agent"),
        colleague=_staff(agency, Role.AGENT, "Carla Colleague"),
    )


@pytest.fixture
def foreign(make: Factory) -> Foreign:
    agency = make.agency("Casas Luna")
    manager = _staff(agency, Role.MANAGER, "Fernando Foreign")
    prospect = make.prospect(manager, email="foreign@example.com", assigned_agent_id=manager.id)
    prop = make.property(manager, reference="FOREIGN-1")
    with tenancy.scope(agency.id):
        visit = visits.schedule_visit(
            manager,
            {"property_id": prop.id, "prospect_id": prospect.id,
             "starts_at": (utcnow() + timedelta(days=3)).isoformat()},
        )
    return Foreign(
        agency=agency,
        manager=manager,
        prospect=prospect,
        property=prop,
        call=make.call(manager, prospect),
        follow_up=make.follow_up(manager, prospect),
        visit=visit,
    )
