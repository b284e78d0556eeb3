"""What each role's lists contain: prospects, calls, visits and follow-ups."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from realty_crm.extensions import db
from realty_crm.models import Call, FollowUp, Prospect, Visit
from realty_crm.policy import (
    visible_calls,
    visible_follow_ups,
    visible_prospects,
    visible_visits,
)
from realty_crm.services import accounts

LISTS = {
    "prospects": (Prospect, visible_prospects),
    "calls": (Call, visible_calls),
    "visits": (Visit, visible_visits),
    "follow_ups": (FollowUp, visible_follow_ups),
}


def seen(kind: str, user) -> set[int]:
    model, restrict = LISTS[kind]
    return set(db.session.scalars(restrict(select(model.id), user)))


def ids(*records) -> set[int]:
    return {r.id for r in records}


@pytest.mark.parametrize("role", ["admin", "manager"])
def test_staff_see_every_prospect_of_the_agency_and_none_of_the_other(office, role):
    assert seen("prospects", getattr(office, role)) == ids(
        office.albas_prospect, office.brunos_prospect, office.pool_prospect
    )


def test_agent_sees_only_the_prospects_assigned_to_them(office):
    assert seen("prospects", office.alba) == ids(office.albas_prospect)
    assert seen("prospects", office.bruno) == ids(office.brunos_prospect)


def test_agent_sees_the_unassigned_pool_when_the_agency_allows(office):
    accounts.update_agency(office.admin, {"agents_see_unassigned": True})
    assert seen("prospects", office.alba) == ids(office.albas_prospect, office.pool_prospect)


@pytest.mark.parametrize(
    ("kind", "albas", "brunos"),
    [
        ("calls", "albas_call", "brunos_call"),
        ("visits", "albas_visit", "brunos_visit"),
        ("follow_ups", "albas_follow_up", "brunos_follow_up"),
    ],
)
def test_agent_sees_their_own_calls_visits_and_follow_ups(office, kind, albas, brunos):
    both = ids(getattr(office, albas), getattr(office, brunos))
    assert seen(kind, office.alba) == ids(getattr(office, albas))
    assert seen(kind, office.bruno) == ids(getattr(office, brunos))
    assert seen(kind, office.manager) == both
    assert seen(kind, office.admin) == both


@pytest.mark.parametrize("kind", list(LISTS))
@pytest.mark.parametrize("role", ["admin", "manager", "alba"])
def test_inactive_user_sees_nothing(office, kind, role):
    user = getattr(office, role)
    user.active = False
    db.session.commit()
    assert seen(kind, user) == set()
