"""The policy fails closed: an action or a record type it has no rule for is denied to every
role; a plugin's own actions (``crm_policy_actions``) answer for the roles it declared."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pluggy
import pytest

from realty_crm import hookimpl
from realty_crm.models import AgencyPlugin, ApiToken, Role
from realty_crm.plugin_host import PluginHost
from realty_crm.policy import Action, can

from .test_policy_matrix import ALBA, BRUNO, ROLES, A, person, records

# a record of the agency whose type the core has no rule for: a plugin's row, or anything else
UNKNOWN_RECORDS = [AgencyPlugin(id=1, agency_id=A, name="x"), SimpleNamespace(id=1, agency_id=A)]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ["fly", "manage_marketing", "marketing_forms.manage", ""])
def test_an_unknown_action_is_denied_to_every_role_with_or_without_a_record(role, action):
    user = person(role)

    assert can(user, action) is False
    for name, record in records().items():
        assert can(user, action, record) is False, name


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", [Action.VIEW, Action.CREATE, Action.EDIT])
@pytest.mark.parametrize("record", UNKNOWN_RECORDS, ids=["plugin row", "any object"])
def test_a_record_of_an_unknown_type_is_denied_to_every_role(role, action, record):
    assert can(person(role), action, record) is False


@pytest.mark.parametrize("role", ROLES)
def test_role_actions_still_answer_by_role_whatever_the_record(role):
    for record in UNKNOWN_RECORDS:
        assert can(person(role), Action.ASSIGN, record) is (role in {Role.ADMIN, Role.MANAGER})


def test_an_agent_edits_their_own_user_and_token_only():
    alba = person(Role.AGENT)
    bruno = person(Role.AGENT, ident=BRUNO, home=alba.agency)

    assert can(alba, Action.EDIT, alba) and not can(alba, Action.EDIT, bruno)
    assert can(alba, Action.EDIT, ApiToken(agency_id=A, user_id=ALBA))
    assert not can(alba, Action.EDIT, ApiToken(agency_id=A, user_id=BRUNO))
    assert can(person(Role.ADMIN, ident=1, home=alba.agency), Action.EDIT, bruno)


# --- actions declared by plugins ------------------------------------------------------------


class Approvals:
    """A plugin with its own permission: approving offers, for managers and admins."""

    @hookimpl
    def crm_policy_actions(self) -> dict[str, Any]:
        return {"approvals.approve": {Role.ADMIN, Role.MANAGER}, "approvals.read": ["agent"]}


@pytest.fixture
def approvals_app(app_factory):
    app = app_factory(EXTRA_PLUGINS=[(Approvals(), "approvals")], PLUGINS_AUTOLOAD=False)
    with app.app_context():
        yield app


@pytest.mark.parametrize(
    ("role", "approve", "read"),
    [(Role.ADMIN, True, False), (Role.MANAGER, True, False), (Role.AGENT, False, True)],
)
def test_a_plugins_action_is_allowed_to_the_roles_it_declared_and_refused_to_the_others(
    approvals_app, role, approve, read
):
    user = person(role)

    assert can(user, "approvals.approve") is approve
    assert can(user, "approvals.read") is read
    assert can(user, "approvals.approve", UNKNOWN_RECORDS[0]) is approve
    assert can(person(role, active=False), "approvals.approve") is False
    assert can(user, "approvals.delete") is False  # not declared


def test_a_plugins_action_never_reaches_another_agencys_records(approvals_app):
    admin = person(Role.ADMIN)

    assert can(admin, "approvals.approve", records(A + 1)["property"]) is False


class Squatter:
    """Declares an action in the core's (or another plugin's) name."""

    def __init__(self, action: str, roles: Any = ("admin",)) -> None:
        self.action, self.roles = action, roles

    @hookimpl
    def crm_policy_actions(self) -> dict[str, Any]:
        return {self.action: self.roles}


@pytest.mark.parametrize(
    ("action", "roles", "words"),
    [
        ("assign", ("admin",), "must be named 'squatter.<action>'"),  # a core action
        ("approvals.approve", ("admin",), "must be named 'squatter.<action>'"),  # another plugin's
        ("squatter.", ("admin",), "must be named 'squatter.<action>'"),
        ("squatter.go", ("owner",), "names a role other than admin, manager, agent"),
        ("squatter.go", "admin", "names a role other than"),  # a string, not a collection of roles
    ],
)
def test_a_plugin_declaring_an_action_outside_its_own_name_is_refused_at_start_up(action, roles, words):
    host = PluginHost()
    host.register(Approvals(), "approvals")

    with pytest.raises(pluggy.PluginValidationError, match=words):
        host.register(Squatter(action, roles), "squatter")

    assert not host.pm.has_plugin("squatter") and "squatter" not in host.infos
    assert host.actions == {
        "approvals.approve": {Role.ADMIN, Role.MANAGER}, "approvals.read": {Role.AGENT},
    }


def test_the_app_refuses_to_start_with_a_plugin_claiming_a_core_action(app_factory):
    with pytest.raises(pluggy.PluginValidationError):
        app_factory(EXTRA_PLUGINS=[(Squatter("erase"), "squatter")], PLUGINS_AUTOLOAD=False)
