"""Fixtures of the model and tenancy tests: two agencies, each with staff and records."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from realty_crm.models import Agency, Call, FollowUp, Property, Prospect, Role, User
from realty_crm.testing.factories import Factory


@dataclass
class Tenant:
    """One agency with a manager, an agent, a prospect, a property, a call and a follow-up."""

    agency: Agency
    manager: User
    agent: User
    prospect: Prospect
    property: Property
    call: Call
    follow_up: FollowUp

    def ids(self, model: Any) -> set[int]:
        """The ids of this tenant's records of ``model`` built by the fixture."""
        by_model: dict[Any, set[int]] = {
            Prospect: {self.prospect.id},
            Property: {self.property.id},
            Call: {self.call.id},
            FollowUp: {self.follow_up.id},
            User: {self.manager.id, self.agent.id},
        }
        return by_model[model]


def build_tenant(make: Factory, name: str) -> Tenant:
    """An agency and its records, all written through the services."""
    agency = make.agency(name)
    manager = make.user(agency, Role.MANAGER)
    agent = make.user(agency, Role.AGENT)
    prospect = make.prospect(agent, first_name=f"Lead of {name}", email="same@example.com")
    prop = make.property(agent, reference="SAME-REF")
    call = make.call(agent, prospect)
    follow_up = make.follow_up(agent, prospect)
    return Tenant(agency, manager, agent, prospect, prop, call, follow_up)


@pytest.fixture
def tenants(make: Factory) -> tuple[Tenant, Tenant]:
    """Agencies A and B with look-alike records (same e-mail, same property reference)."""
    return build_tenant(make, "Alfa"), build_tenant(make, "Beta")
