"""Agents: ``/api/v1/agents``, the users of the agency with their workload (SPEC §4)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask import jsonify
from flask_babel import gettext as _
from pydantic import Field
from sqlalchemy import func, select

from ...collation import collated
from ...errors import Forbidden
from ...models import Role, User
from ...policy import is_staff
from ...schemas.agency import AgentOut, UserUpdate
from ...schemas.common import Page
from ...services import accounts, search
from ...services.workload import Workload, workload_for
from ...tenancy import get_or_404
from .. import blueprint
from ..spec import operation
from .common import ListQuery, QueryText, caller, where_equal


class AgentQuery(ListQuery):
    """Filters of the user list."""

    q: QueryText | None = Field(default=None, description="Words found in the name or e-mail")
    role: Role | None = None
    active: bool | None = None


@blueprint.get("/agents")
@operation("/agents", "GET", summary="Users of the agency with their workload", tag="agents",
           query=AgentQuery, response=Page[AgentOut])
def list_agents(query: AgentQuery) -> Any:
    """Admins and managers see every user; an agent sees their own entry (their own figures).

    ``open_prospects``, ``overdue_follow_ups`` and ``visits_this_week`` (Monday to Sunday in the
    agency's time zone, cancelled visits left out) are counted for the whole page at once;
    ``last_activity_at`` is the latest call logged, visit held or follow-up completed.
    """
    actor = caller()
    stmt = select(User)
    if not is_staff(actor):
        stmt = stmt.where(User.id == actor.id)
    stmt = where_equal(stmt, User, query, ("role",))
    if query.active is not None:
        stmt = stmt.where(User.active.is_(query.active))
    stmt = search.text_filter(stmt, func.lower(User.name + " " + User.email), query.q)
    stmt = stmt.order_by(collated(User.name).asc(), User.id.asc())
    results = search.paginate(stmt, query.page, query.capped_per_page)
    workloads = workload_for(actor.agency, [user.id for user in results.items])
    return jsonify(
        items=[_out(user, workloads[user.id]) for user in results.items],
        page=results.page,
        per_page=results.per_page,
        total=results.total,
    )


def _out(user: User, workload: Workload) -> dict[str, Any]:
    return AgentOut.model_validate(user).model_copy(update=asdict(workload)).model_dump(mode="json")


def _one(actor: User, user_id: int) -> User:
    """A user of the agency: staff may see anyone, an agent only themself."""
    user = get_or_404(User, user_id)
    if not is_staff(actor) and user.id != actor.id:
        raise Forbidden(_("You do not have permission to do that."))
    return user


@blueprint.get("/agents/<int:user_id>")
@operation("/agents/<int:user_id>", "GET", summary="One user of the agency with their workload",
           tag="agents", response=AgentOut)
def get_agent(user_id: int) -> Any:
    """Admins and managers see anyone; an agent their own entry."""
    actor = caller()
    user = _one(actor, user_id)
    return jsonify(_out(user, workload_for(actor.agency, [user.id])[user.id]))


@blueprint.patch("/agents/<int:user_id>")
@operation("/agents/<int:user_id>", "PATCH", summary="Change a user (admins; anyone their own preferences)",
           tag="agents", body=UserUpdate, response=AgentOut)
def update_agent(user_id: int, body: dict[str, Any]) -> Any:
    """Only the fields sent change. Admins change anyone's role, state, areas and absence
    (``away_from``/``away_until``: the assignment rules skip a user while away); every user may
    change their own name, phone, languages, locale and time zone."""
    actor = caller()
    user = accounts.update_user(actor, _one(actor, user_id), body)
    return jsonify(_out(user, workload_for(actor.agency, [user.id])[user.id]))
