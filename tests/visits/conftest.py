"""Fixtures for visit tests: an agency in Madrid with a manager, two agents, a property and a prospect."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from realty_crm import tenancy
from realty_crm.models import Property, Prospect, Role, User, Visit, utcnow
from realty_crm.services import visits

MADRID = ZoneInfo("Europe/Madrid")


@dataclass
class Office:
    manager: User
    ana: User
    ben: User
    flat: Property
    house: Property
    carla: Prospect
    dan: Prospect

    def book(self, actor: User | None = None, **fields) -> Visit:
        actor = actor or self.ana
        data = {
            "property_id": self.flat.id,
            "prospect_id": self.carla.id,
            "starts_at": tomorrow_at(10).isoformat(),
            "duration_minutes": 60,
        }
        data.update(fields)
        with tenancy.scope(actor.agency_id):
            return visits.schedule_visit(actor, data)


def tomorrow_at(hour: int, minute: int = 0) -> datetime:
    """Tomorrow at this Madrid wall-clock time, as an aware datetime."""
    day = (utcnow() + timedelta(days=1)).astimezone(MADRID).date()
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=MADRID)


@pytest.fixture
def at():
    """``at(hour, minute=0)``: tomorrow at that Madrid wall-clock time."""
    return tomorrow_at


@pytest.fixture
def office(make) -> Office:
    agency = make.agency(timezone="Europe/Madrid")
    manager = make.user(agency, Role.MANAGER, name="Marta Manager")
    ana = make.user(agency, Role.AGENT, name="Ana Agent")
    ben = make.user(agency, Role.AGENT, name="Ben Agent")
    flat = make.property(manager, reference="MAD-001", title="Flat in Chamberí")
    house = make.property(manager, reference="MAD-002", title="House in Pozuelo", property_type="house")
    carla = make.prospect(manager, first_name="Carla", assigned_agent_id=ana.id)
    dan = make.prospect(manager, first_name="Dan", assigned_agent_id=ben.id)
    return Office(manager, ana, ben, flat, house, carla, dan)
