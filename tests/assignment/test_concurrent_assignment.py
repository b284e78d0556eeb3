"""Leads arriving at the same moment are dealt out fairly, on SQLite and on PostgreSQL: each
thread creates its lead with its own app context and session, all released at once."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select

from realty_crm.extensions import db
from realty_crm.models import Agency, Prospect
from realty_crm.services import prospects
from realty_crm.testing.concurrency import race

LEADS = 8


def _create_at_once(app, agency_id: int, actor_id: int, count: int) -> list[str]:
    """Create ``count`` leads at once: "done" per lead created."""
    leads = [{"first_name": f"Lead {n}", "email": f"lead{n}@example.com"} for n in range(count)]
    return race(app, agency_id, actor_id,
                [lambda actor, data=data: prospects.create_prospect(actor, data) for data in leads])


def _leads_per_agent() -> Counter[int | None]:
    return Counter(db.session.scalars(select(Prospect.assigned_agent_id)))


@pytest.mark.parametrize("rule", ["round_robin", "least_loaded"])
def test_simultaneous_leads_go_two_to_each_of_four_agents(app, office, rule):
    office.use(rule)
    outcomes = _create_at_once(app, office.agency.id, office.manager.id, LEADS)
    assert outcomes == ["done"] * LEADS
    assert _leads_per_agent() == {agent.id: 2 for agent in office.agents}


def test_simultaneous_round_robin_leads_leave_the_turn_where_a_sequence_would(app, office, holder):
    office.use("round_robin")
    assert _create_at_once(app, office.agency.id, office.manager.id, LEADS - 1) == ["done"] * (LEADS - 1)
    # seven leads dealt in id order from the start: Ana, Ben, Cruz, Dora, Ana, Ben, Cruz
    assert db.session.get(Agency, office.agency.id).round_robin_agent_id == office.cruz.id
    assert holder(office.lead().id) == office.dora.id
    assert _leads_per_agent() == {agent.id: 2 for agent in office.agents}


def test_simultaneous_leads_with_no_agent_available_all_wait_unassigned(app, office):
    office.use("round_robin")
    for agent in office.agents:
        office.update(agent, active=False)
    outcomes = _create_at_once(app, office.agency.id, office.manager.id, 4)
    assert outcomes == ["done"] * 4
    assert _leads_per_agent() == {None: 4}
