"""The role matrix of SPEC §2, as a table: who may do what, to whose records."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from realty_crm.errors import Forbidden
from realty_crm.models import Agency, Call, FollowUp, Property, Prospect, Role, User, Visit
from realty_crm.policy import Action, can, require

A, B = 10, 20
ALBA, BRUNO = 101, 102  # the agent whose records they are, and a colleague

# action with no record: admin, manager, agent
ROLE_MATRIX = [
    (Action.VIEW, True, True, True),
    (Action.CREATE, True, True, True),
    (Action.EDIT, True, True, True),
    (Action.ASSIGN, True, True, False),
    (Action.DELETE, True, True, False),
    (Action.RESTORE, True, True, False),
    (Action.ERASE, True, False, False),
    (Action.MANAGE_USERS, True, False, False),
    (Action.MANAGE_AGENCY, True, False, False),
    (Action.MANAGE_PLUGINS, True, False, False),
    (Action.VIEW_ALL_REPORTS, True, True, False),
]

# action on a record; the agent asking is Alba: admin, manager, agent
RECORD_MATRIX = [
    (Action.VIEW, "albas_prospect", True, True, True),
    (Action.EDIT, "albas_prospect", True, True, True),
    (Action.VIEW, "brunos_prospect", True, True, False),
    (Action.EDIT, "brunos_prospect", True, True, False),
    (Action.VIEW, "pool_prospect", True, True, False),
    (Action.ASSIGN, "albas_prospect", True, True, False),
    (Action.DELETE, "albas_prospect", True, True, False),
    (Action.RESTORE, "albas_prospect", True, True, False),
    (Action.ERASE, "albas_prospect", True, False, False),
    (Action.VIEW, "property", True, True, True),
    (Action.EDIT, "property", True, True, True),
    (Action.DELETE, "property", True, True, False),
    (Action.VIEW, "albas_call", True, True, True),
    (Action.VIEW, "brunos_call", True, True, False),
    (Action.VIEW, "albas_visit", True, True, True),
    (Action.EDIT, "albas_visit", True, True, True),
    (Action.VIEW, "brunos_visit", True, True, False),
    (Action.EDIT, "brunos_visit", True, True, False),
    (Action.VIEW, "albas_follow_up", True, True, True),
    (Action.EDIT, "albas_follow_up", True, True, True),
    (Action.VIEW, "brunos_follow_up", True, True, False),
    (Action.EDIT, "brunos_follow_up", True, True, False),
    (Action.EDIT, "follow_up_for_alba_on_brunos_prospect", True, True, True),
]

ROLES = [Role.ADMIN, Role.MANAGER, Role.AGENT]


def agency(ident: int = A, *, pool: bool = False) -> Agency:
    return Agency(id=ident, name=f"Agency {ident}", slug=f"agency-{ident}", agents_see_unassigned=pool)


def person(role: Role, *, ident: int = ALBA, home: Agency | None = None, active: bool = True) -> User:
    home = home or agency()
    return User(
        id=ident, agency_id=home.id, agency=home, role=role, active=active, email=f"{ident}@x.es", name="U"
    )


def records(agency_id: int = A) -> dict[str, object]:
    """Unsaved records of one agency; whose they are is in the name."""
    now = datetime.now(UTC)
    albas = Prospect(id=1, agency_id=agency_id, first_name="A", assigned_agent_id=ALBA)
    brunos = Prospect(id=2, agency_id=agency_id, first_name="B", assigned_agent_id=BRUNO)
    return {
        "albas_prospect": albas,
        "brunos_prospect": brunos,
        "pool_prospect": Prospect(id=3, agency_id=agency_id, first_name="P", assigned_agent_id=None),
        "property": Property(id=1, agency_id=agency_id, reference="R", listing_agent_id=BRUNO),
        "albas_call": Call(id=1, agency_id=agency_id, prospect_id=1, agent_id=ALBA),
        "brunos_call": Call(id=2, agency_id=agency_id, prospect_id=2, agent_id=BRUNO),
        "albas_visit": Visit(id=1, agency_id=agency_id, agent_id=ALBA, starts_at=now, ends_at=now),
        "brunos_visit": Visit(id=2, agency_id=agency_id, agent_id=BRUNO, starts_at=now, ends_at=now),
        "albas_follow_up": FollowUp(id=1, agency_id=agency_id, assignee_id=ALBA, prospect=albas),
        "brunos_follow_up": FollowUp(id=2, agency_id=agency_id, assignee_id=BRUNO, prospect=brunos),
        "follow_up_for_alba_on_brunos_prospect": FollowUp(
            id=3, agency_id=agency_id, assignee_id=ALBA, prospect=brunos
        ),
    }


def expand(matrix: list[tuple]) -> list[tuple]:
    """One case per role from each row of a table."""
    return [
        (*row[:-3], role, allowed) for row in matrix for role, allowed in zip(ROLES, row[-3:], strict=True)
    ]


@pytest.mark.parametrize(("action", "role", "allowed"), expand(ROLE_MATRIX))
def test_role_matrix(action, role, allowed):
    assert can(person(role), action) is allowed


@pytest.mark.parametrize(("action", "record", "role", "allowed"), expand(RECORD_MATRIX))
def test_record_matrix(action, record, role, allowed):
    assert can(person(role), action, records()[record]) is allowed


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("role", ROLES)
def test_inactive_user_can_do_nothing(action, role):
    user = person(role, active=False)
    assert can(user, action) is False
    for record in records().values():
        assert can(user, action, record) is False


@pytest.mark.parametrize("action", list(Action))
def test_admin_can_do_nothing_to_another_agencys_records(action):
    admin = person(Role.ADMIN)
    for name, record in records(B).items():
        assert can(admin, action, record) is False, name
    assert can(admin, action, agency(B)) is False
    assert can(admin, action, person(Role.AGENT, ident=999, home=agency(B))) is False


def test_admin_manages_their_own_agency_and_its_users():
    admin = person(Role.ADMIN)
    assert can(admin, Action.MANAGE_AGENCY, admin.agency)
    assert can(admin, Action.MANAGE_USERS, person(Role.AGENT, ident=5, home=admin.agency))


def test_agent_sees_the_unassigned_pool_only_when_the_agency_allows():
    closed = person(Role.AGENT, home=agency(pool=False))
    open_pool = person(Role.AGENT, home=agency(pool=True))
    pool_prospect = records()["pool_prospect"]
    assert can(closed, Action.VIEW, pool_prospect) is False
    assert can(open_pool, Action.VIEW, pool_prospect) is True
    assert can(open_pool, Action.EDIT, pool_prospect) is True
    assert can(open_pool, Action.VIEW, records()["brunos_prospect"]) is False


def test_require_raises_forbidden_with_403(app):
    with pytest.raises(Forbidden) as exc:
        require(person(Role.AGENT), Action.ASSIGN)
    assert exc.value.status == 403
    assert exc.value.message
    require(person(Role.MANAGER), Action.ASSIGN)
