"""An agency whose records hold the far ends of the calendar, written by SQL past every check."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import text

from realty_crm import tenancy
from realty_crm.extensions import db
from realty_crm.models import Agency, Call, FollowUp, Property, Prospect, Role, User, Visit, utcnow
from realty_crm.services import visits
from realty_crm.testing.factories import Factory

# the calendar's ends as each database writes a UTC time
FAR_PAST = {"sqlite": "0001-01-01 00:00:00.000000", "postgresql": "0001-01-01 00:00:00+00"}
FAR_FUTURE = {"sqlite": "9999-12-31 23:59:59.000000", "postgresql": "9999-12-31 23:59:59+00"}


def store_raw(table: str, column: str, row_id: int, when: dict[str, str]) -> None:
    """Write a time straight into a row with SQL, as a bug or a hand edit would."""
    value = when[db.engine.dialect.name]
    db.session.execute(text(f"UPDATE {table} SET {column} = :value WHERE id = :id"),
                       {"value": value, "id": row_id})
    db.session.commit()


@dataclass
class Office:
    """An agency (Madrid time) with a manager, an agent, and the agent's prospect and property."""

    agency: Agency
    manager: User
    agent: User
    colleague: User
    prospect: Prospect
    property: Property


@pytest.fixture
def office(make: Factory) -> Office:
    agency = make.agency("Pisos Sol", timezone="Europe/Madrid")
    manager = make.user(agency, Role.MANAGER, name="Marta Manager")
    agent = make.user(agency, Role.AGENT, name="Alberto Agent")
    colleague = make.user(agency, Role.AGENT, name="Carla Colleague")
    prospect = make.prospect(manager, assigned_agent_id=agent.id, email="lucia@example.com")
    prop = make.property(manager, reference="SOL-1")
    return Office(agency, manager, agent, colleague, prospect, prop)


@dataclass
class BadRows:
    """The records whose times were overwritten with the calendar's ends."""

    calls: list[Call]
    follow_up: FollowUp
    visits: list[Visit]


@pytest.fixture
def bad_rows(make: Factory, office: Office) -> BadRows:
    """Calls, a follow-up, visits, the prospect's dates and a timeline entry at year 1 and 9999."""
    first = make.call(office.agent, office.prospect, summary="Dialled in year one")
    last = make.call(office.agent, office.prospect, summary="Dialled in 9999")
    follow_up = make.follow_up(office.agent, office.prospect, title="Call back in year one")
    booked = []
    with tenancy.scope(office.agency.id):
        for days in (2, 3):
            booked.append(visits.schedule_visit(
                office.agent,
                {"property_id": office.property.id, "prospect_id": office.prospect.id,
                 "starts_at": (utcnow() + timedelta(days=days)).isoformat()},
            ))
    store_raw("calls", "occurred_at", first.id, FAR_PAST)
    store_raw("calls", "occurred_at", last.id, FAR_FUTURE)
    store_raw("follow_ups", "due_at", follow_up.id, FAR_PAST)
    store_raw("prospects", "next_follow_up_at", office.prospect.id, FAR_PAST)
    store_raw("prospects", "last_contacted_at", office.prospect.id, FAR_FUTURE)
    store_raw("visits", "starts_at", booked[0].id, FAR_PAST)
    store_raw("visits", "ends_at", booked[1].id, FAR_FUTURE)
    entry_id = db.session.scalar(text("SELECT max(id) FROM activities"))
    store_raw("activities", "occurred_at", entry_id, FAR_PAST)
    db.session.expire_all()
    return BadRows([first, last], follow_up, booked)
