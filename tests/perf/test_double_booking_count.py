"""The load run's double-booking count (``bench/load.py``): overlapping non-cancelled visits of the
same agent, or of the same property, with at least one of the pair booked during the run. The
visits are written straight to the table, as a faulty booking would leave them."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from realty_crm import tenancy
from realty_crm.extensions import db
from realty_crm.models import Role, Visit, VisitStatus
from realty_crm.testing.fixtures import TEST_DB_ENV

NINE = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
ON_POSTGRES = bool(os.environ.get(TEST_DB_ENV))


@pytest.fixture
def agency(app, make):
    """An agency with two agents, a prospect and two properties; the id of its last visit (none)."""
    manager = make.user(role=Role.MANAGER)
    agents = [make.user(manager.agency), make.user(manager.agency)]
    return {
        "agency_id": manager.agency_id,
        "agents": [a.id for a in agents],
        "prospect": make.prospect(manager).id,
        "properties": [make.property(manager).id, make.property(manager).id],
    }


def book(agency, agent: int, prop: int, start: datetime, minutes: int = 45,
         status: VisitStatus = VisitStatus.SCHEDULED) -> int:
    with tenancy.scope(agency["agency_id"]):
        visit = Visit(agency_id=agency["agency_id"], agent_id=agency["agents"][agent],
                      property_id=agency["properties"][prop], prospect_id=agency["prospect"],
                      starts_at=start, ends_at=start + timedelta(minutes=minutes), status=status)
        db.session.add(visit)
        db.session.commit()
        return visit.id


@pytest.fixture
def count(app, bench_load):
    """The run's double bookings, given the last visit id before it."""
    return lambda before=0: bench_load.double_bookings(app, before)


@pytest.mark.skipif(ON_POSTGRES, reason="PostgreSQL's exclusion constraints refuse the pair itself")
def test_overlapping_visits_of_one_agent_count_once(agency, count):
    book(agency, 0, 0, NINE)
    book(agency, 0, 1, NINE + timedelta(minutes=30))
    assert count() == {"same_agent": 1, "same_property": 0, "booked_during_run": 2}


@pytest.mark.skipif(ON_POSTGRES, reason="PostgreSQL's exclusion constraints refuse the pair itself")
def test_overlapping_visits_of_one_property_count_once(agency, count):
    book(agency, 0, 0, NINE)
    book(agency, 1, 0, NINE + timedelta(minutes=44))
    assert count() == {"same_agent": 0, "same_property": 1, "booked_during_run": 2}


@pytest.mark.skipif(ON_POSTGRES, reason="PostgreSQL's exclusion constraints refuse the pair itself")
def test_an_overlap_left_before_the_run_is_not_the_runs(agency, count):
    book(agency, 0, 0, NINE)
    before = book(agency, 0, 0, NINE + timedelta(minutes=15))
    book(agency, 1, 1, NINE)
    assert count(before) == {"same_agent": 0, "same_property": 0, "booked_during_run": 1}


def test_back_to_back_and_cancelled_visits_are_no_double_booking(app, agency, count):
    book(agency, 0, 0, NINE)
    book(agency, 0, 0, NINE + timedelta(minutes=45))  # starts as the first ends
    book(agency, 0, 0, NINE + timedelta(minutes=10), status=VisitStatus.CANCELLED)
    assert count() == {"same_agent": 0, "same_property": 0, "booked_during_run": 3}
    with app.app_context(), tenancy.scope(agency["agency_id"]):
        assert db.session.scalar(select(func.count()).select_from(Visit)) == 3
