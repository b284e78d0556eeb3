"""Fixtures of the policy tests: an agency with two agents and a manager, and their records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from realty_crm import tenancy
from realty_crm.extensions import db
from realty_crm.models import Agency, Call, FollowUp, Prospect, Role, User, Visit
from realty_crm.testing.factories import Factory


@dataclass
class Office:
    """Agency A's people and records (each agent holds one prospect, one is unassigned),
    and agency B's admin."""

    agency: Agency
    admin: User
    manager: User
    alba: User
    bruno: User
    albas_prospect: Prospect
    brunos_prospect: Prospect
    pool_prospect: Prospect
    albas_call: Call
    brunos_call: Call
    albas_visit: Visit
    brunos_visit: Visit
    albas_follow_up: FollowUp
    brunos_follow_up: FollowUp
    other_admin: User


@pytest.fixture
def office(make: Factory) -> Office:
    """Agency A with its records, agency A in scope; B has an admin and a prospect."""
    agency = make.agency("Pisos Sol")
    other = make.agency("Casas Luna")
    admin = make.user(agency, Role.ADMIN)
    manager = make.user(agency, Role.MANAGER)
    alba = make.user(agency, Role.AGENT, name="Alba")
    bruno = make.user(agency, Role.AGENT, name="Bruno")
    other_admin = make.user(other, Role.ADMIN)
    make.prospect(other_admin, first_name="Elsewhere")
    albas = make.prospect(alba, first_name="Alba's lead")
    brunos = make.prospect(bruno, first_name="Bruno's lead")
    pool = make.prospect(manager, first_name="Pool lead")
    prop = make.property(manager)
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    visits = [
        Visit(agency_id=agency.id, property_id=prop.id, prospect_id=p.id, agent_id=agent.id,
              starts_at=start + timedelta(hours=n), ends_at=start + timedelta(hours=n, minutes=45))
        for n, (p, agent) in enumerate([(albas, alba), (brunos, bruno)])
    ]
    db.session.add_all(visits)
    db.session.commit()
    office = Office(
        agency=agency, admin=admin, manager=manager, alba=alba, bruno=bruno,
        albas_prospect=albas, brunos_prospect=brunos, pool_prospect=pool,
        albas_call=make.call(alba, albas), brunos_call=make.call(bruno, brunos),
        albas_visit=visits[0], brunos_visit=visits[1],
        albas_follow_up=make.follow_up(alba, albas), brunos_follow_up=make.follow_up(bruno, brunos),
        other_admin=other_admin,
    )
    tenancy.enter(agency.id)
    return office
