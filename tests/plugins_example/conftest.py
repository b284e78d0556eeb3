"""Fixtures for the example plugin's tests (docs/example-plugin, installed as a package).

Two agencies: "Pisos Sol" has the plugin enabled, "Casas Luna" has it installed but not
enabled. Each has an admin, a manager and agents, a property and a prospect, so a test can
do the same thing in both and see the plugin act in one only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from realty_crm_visit_notes.models import VisitDebrief
from sqlalchemy import select

from realty_crm import tenancy
from realty_crm.extensions import db
from realty_crm.models import Agency, Call, Property, Prospect, Role, User, Visit, utcnow
from realty_crm.services import plugins, visits
from realty_crm.testing.factories import Factory

PLUGIN = "visit_notes"


@dataclass
class Branch:
    """One agency with its people and one property and prospect to visit."""

    agency: Agency
    admin: User
    manager: User
    agent: User
    colleague: User
    flat: Property
    prospect: Prospect
    make: Factory

    def visit_done_days_ago(self, days: int = 1, agent: User | None = None, **fields: Any) -> Visit:
        """A visit logged after it happened (booked as done): fires ``crm_visit_scheduled``."""
        agent = agent or self.agent
        start = (utcnow() - timedelta(days=days)).replace(microsecond=0)
        data = {
            "property_id": self.flat.id,
            "prospect_id": self.prospect.id,
            "agent_id": agent.id,
            "starts_at": start.isoformat(),
            "duration_minutes": 30,
            "status": "done",
            **fields,
        }
        with tenancy.scope(self.agency.id):
            return visits.schedule_visit(self.manager, data)

    def visit_just_done(self, feedback: str | None = None) -> Visit:
        """A visit that began a few minutes ago, then marked done: fires ``crm_visit_completed``."""
        start = (utcnow() - timedelta(minutes=10)).replace(microsecond=0)
        data = {
            "property_id": self.flat.id,
            "prospect_id": self.prospect.id,
            "starts_at": start.isoformat(),
            "duration_minutes": 30,
        }
        change: dict[str, Any] = {"status": "done"}
        if feedback is not None:
            change["feedback"] = feedback
        with tenancy.scope(self.agency.id):
            visit = visits.schedule_visit(self.agent, data)
            return visits.update_visit(self.agent, visit, change)

    def call(self, outcome: str = "answered", occurred_at: datetime | None = None) -> Call:
        """A call of the agent with the prospect (now, unless ``occurred_at``)."""
        fields: dict[str, Any] = {"outcome": outcome}
        if occurred_at is not None:
            fields["occurred_at"] = occurred_at.isoformat()
        return self.make.call(self.agent, self.prospect, **fields)


def _branch(make: Factory, name: str, prospect_name: str) -> Branch:
    agency = make.agency(name)
    manager = make.user(agency, Role.MANAGER)
    agent = make.user(agency, Role.AGENT, name=f"Agent of {name}")
    return Branch(
        agency=agency,
        admin=make.user(agency, Role.ADMIN),
        manager=manager,
        agent=agent,
        colleague=make.user(agency, Role.AGENT),
        flat=make.property(manager, reference=f"{name[:3].upper()}-1", title=f"Flat of {name}"),
        prospect=make.prospect(
            manager, first_name=prospect_name, last_name="Test", assigned_agent_id=agent.id
        ),
        make=make,
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
def debriefs() -> Any:
    """``debriefs(agency=None)``: the debrief rows in the database (of one agency, or all)."""

    def rows(agency: Agency | None = None) -> list[VisitDebrief]:
        db.session.expire_all()
        stmt = select(VisitDebrief).order_by(VisitDebrief.id).execution_options(**tenancy.unscoped())
        if agency is not None:
            stmt = stmt.where(VisitDebrief.agency_id == agency.id)
        return list(db.session.scalars(stmt))

    return rows
