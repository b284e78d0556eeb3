"""Agents: ``/api/v1/agents``, the users of the agency with their workload (SPEC §4)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask import jsonify
from pydantic import Field
from sqlalchemy import func, select

from ...models import Role, User
from ...policy import is_staff
from ...schemas.agency import AgentOut
from ...schemas.common import Page
from ...services import search
from ...services.workload import workload_for
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
    stmt = stmt.order_by(User.name.asc(), User.id.asc())
    results = search.paginate(stmt, query.page, query.capped_per_page)
    workloads = workload_for(actor.agency, [user.id for user in results.items])
    return jsonify(
        items=[
            AgentOut.model_validate(user).model_copy(update=asdict(workloads[user.id])).model_dump(mode="json")
            for user in results.items
        ],
        page=results.page,
        per_page=results.per_page,
        total=results.total,
    )
