"""The role matrix of SPEC §2, in one place: "may this user do this (to this record)?"

Beyond the matrix: an agent may read (``VIEW``) a prospect held by someone else while they are
the agent of one of its visits (not cancelled), e.g. one left with them by a reassignment;
every other action on it (``EDIT``: details, calls, notes, follow-ups, booking) stays with
those who see it by the matrix.

Views, API routes and services ask ``can``/``require``; list queries ask
``visible_prospects`` and friends, so a role's visibility is written once.

It fails closed: an action it does not know, or a record of a type it has no rule for, is
denied to every role. Plugins add their own actions (``crm_policy_actions``), named
``<plugin>.<action>``, each with the roles allowed whatever the record.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from enum import StrEnum
from typing import Any

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, false, or_, select
from sqlalchemy.orm import object_session

from .errors import Forbidden
from .models import (
    Agency,
    ApiToken,
    Call,
    FollowUp,
    Property,
    Prospect,
    Role,
    User,
    Visit,
    VisitStatus,
)


class Action(StrEnum):
    """What a user may try to do; ``can`` and ``require`` answer whether their role allows it."""

    VIEW = "view"
    CREATE = "create"
    EDIT = "edit"
    ASSIGN = "assign"
    DELETE = "delete"
    RESTORE = "restore"
    ERASE = "erase"
    MANAGE_USERS = "manage_users"
    MANAGE_AGENCY = "manage_agency"
    MANAGE_PLUGINS = "manage_plugins"
    VIEW_ALL_REPORTS = "view_all_reports"
    IMPORT = "import"  # load prospects from a file (it creates, merges and assigns in bulk)


STAFF = {Role.ADMIN, Role.MANAGER}

# actions that depend on the role alone, whatever the record
_ROLE_ACTIONS: dict[Action, set[Role]] = {
    Action.ASSIGN: STAFF,
    Action.DELETE: STAFF,
    Action.RESTORE: STAFF,
    Action.ERASE: {Role.ADMIN},
    Action.MANAGE_USERS: {Role.ADMIN},
    Action.MANAGE_AGENCY: {Role.ADMIN},
    Action.MANAGE_PLUGINS: {Role.ADMIN},
    Action.VIEW_ALL_REPORTS: STAFF,
    Action.IMPORT: STAFF,
}

# actions whose answer depends on the record: the rules below, by record type
_RECORD_ACTIONS = frozenset({Action.VIEW, Action.CREATE, Action.EDIT})


def is_staff(user: User) -> bool:
    """Admins and managers see and manage everything in their agency."""
    return user.role in STAFF


def can_see_prospect(user: User, prospect: Prospect) -> bool:
    """An agent sees the prospects assigned to them (and the unassigned pool if allowed)."""
    if is_staff(user):
        return True
    if prospect.assigned_agent_id == user.id:
        return True
    return prospect.assigned_agent_id is None and user.agency.agents_see_unassigned


def holds_visit_of(user: User, prospect: Prospect) -> bool:
    """Whether ``user`` is the agent of a visit (not cancelled) of ``prospect``."""
    session = object_session(prospect)
    if session is None:  # a record never stored has no visits
        return False
    return session.scalar(
        select(Visit.id).where(Visit.prospect_id == prospect.id, Visit.agent_id == user.id,
                               Visit.status != VisitStatus.CANCELLED).limit(1)
    ) is not None


def _agency_of(record: Any) -> int | None:
    """The agency a record belongs to (an agency is its own), or None when it has none."""
    if isinstance(record, Agency):
        return record.id
    return getattr(record, "agency_id", None)


def _action_roles(action: str) -> Collection[Role] | None:
    """The roles allowed ``action`` whatever the record (a core one or a plugin's), or None."""
    roles = _ROLE_ACTIONS.get(action)  # type: ignore[call-overload]
    if roles is None and has_app_context():
        return current_app.extensions["plugin_host"].actions.get(action)
    return roles


def _prospect_rule(user: User, action: str, prospect: Prospect) -> bool:
    # the agent of one of its visits may read it (the page, the API) to prepare the visit,
    # whoever holds it; working on it (edit, calls, notes, follow-ups, booking) is the holder's
    return can_see_prospect(user, prospect) or (action == Action.VIEW and holds_visit_of(user, prospect))


def _follow_up_rule(user: User, action: str, follow_up: FollowUp) -> bool:
    return follow_up.assignee_id == user.id or (
        follow_up.prospect is not None and can_see_prospect(user, follow_up.prospect)
    )


# what an agent may do to a record, by its type (staff may do it to any of these types);
# a record of any other type is denied to every role
_RECORD_RULES: dict[type, Callable[[User, str, Any], bool]] = {
    Prospect: _prospect_rule,
    Visit: lambda user, action, visit: visit.agent_id == user.id,
    Call: lambda user, action, call: call.agent_id == user.id,
    FollowUp: _follow_up_rule,
    Property: lambda user, action, prop: True,  # every role sees and edits the agency's properties
    User: lambda user, action, other: other.id == user.id,  # their own preferences
    ApiToken: lambda user, action, token: token.user_id == user.id,
}


def can(user: User, action: Action | str, record: Any = None) -> bool:
    """Whether ``user`` may do ``action`` (to ``record``, when the answer depends on it).

    A record of another agency is out of reach whatever the role; an unknown action, or a
    record of a type without a rule here, is denied.
    """
    if not user.active:
        return False
    if record is not None and _agency_of(record) not in (None, user.agency_id):
        return False
    roles = _action_roles(action)
    if roles is not None:
        return user.role in roles
    if action not in _RECORD_ACTIONS:
        return False
    if record is None:
        return True
    rule = _RECORD_RULES.get(type(record))
    return rule is not None and (is_staff(user) or rule(user, action, record))


def require(user: User, action: Action | str, record: Any = None) -> None:
    """Raise ``Forbidden`` unless ``can(user, action, record)``."""
    if not can(user, action, record):
        raise Forbidden(str(_l("You do not have permission to do that.")))


def _restrict(stmt: Select, user: User, own: ColumnElement[bool]) -> Select:
    """Staff see all; an agent what ``own`` selects; an inactive user nothing."""
    if not user.active:
        return stmt.where(false())
    return stmt if is_staff(user) else stmt.where(own)


def visible_prospects(stmt: Select, user: User) -> Select:
    """Restrict a prospect query to what ``user`` may see."""
    if not user.active:
        return stmt.where(false())
    if is_staff(user):
        return stmt
    if user.agency.agents_see_unassigned:
        return stmt.where(
            or_(Prospect.assigned_agent_id == user.id, Prospect.assigned_agent_id.is_(None))
        )
    return stmt.where(Prospect.assigned_agent_id == user.id)


def visible_visits(stmt: Select, user: User) -> Select:
    """Restrict a visit query to what ``user`` may see (an agent: their own)."""
    return _restrict(stmt, user, Visit.agent_id == user.id)


def visible_calls(stmt: Select, user: User) -> Select:
    """Restrict a call query to what ``user`` may see (an agent: their own)."""
    return _restrict(stmt, user, Call.agent_id == user.id)


def visible_follow_ups(stmt: Select, user: User) -> Select:
    """Restrict a follow-up query to what ``user`` may see (an agent: their own)."""
    return _restrict(stmt, user, FollowUp.assignee_id == user.id)
