"""Follow-ups: ``/api/v1/follow-ups`` (SPEC §4)."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from pydantic import Field
from sqlalchemy import or_, select

from ...models import FollowUp, utcnow
from ...policy import visible_follow_ups
from ...schemas.activity import FollowUpCreate, FollowUpOut, FollowUpUpdate
from ...schemas.common import Id, Page
from ...services import calls, search
from .. import blueprint
from ..spec import operation
from .common import ListQuery, caller, created, dump, page_json, where_equal


class FollowUpQuery(ListQuery):
    """Filters of the follow-up list; an agent only sees their own follow-ups."""

    assignee_id: Id | None = None
    prospect_id: Id | None = None
    open: bool | None = Field(default=None, description="true: not done yet; false: done")
    overdue: bool | None = Field(default=None, description="true: open and past due; false: the others")


@blueprint.get("/follow-ups")
@operation(
    "/follow-ups", "GET", summary="List follow-ups", tag="follow-ups",
    query=FollowUpQuery, response=Page[FollowUpOut],
)
def list_follow_ups(query: FollowUpQuery) -> Any:
    """Follow-ups by due time, soonest first."""
    stmt = visible_follow_ups(select(FollowUp), caller())
    stmt = where_equal(stmt, FollowUp, query, ("assignee_id", "prospect_id"))
    if query.open is not None:
        stmt = stmt.where(FollowUp.done_at.is_(None) if query.open else FollowUp.done_at.is_not(None))
    if query.overdue is not None:
        now = utcnow()
        if query.overdue:
            stmt = stmt.where(FollowUp.done_at.is_(None), FollowUp.due_at < now)
        else:
            stmt = stmt.where(or_(FollowUp.done_at.is_not(None), FollowUp.due_at >= now))
    stmt = stmt.order_by(FollowUp.due_at.asc(), FollowUp.id.asc())
    return page_json(FollowUpOut, search.paginate(stmt, query.page, query.capped_per_page))


@blueprint.post("/follow-ups")
@operation(
    "/follow-ups", "POST", summary="Plan a follow-up", tag="follow-ups",
    body=FollowUpCreate, response=FollowUpOut, status=201,
)
def create_follow_up(body: dict[str, Any]) -> Any:
    """Agents plan their own follow-ups; admins and managers may name another ``assignee_id``."""
    follow_up = calls.create_follow_up(caller(), body)
    return created(FollowUpOut, follow_up, "api.get_follow_up", follow_up_id=follow_up.id)


@blueprint.get("/follow-ups/<int:follow_up_id>")
@operation(
    "/follow-ups/<int:follow_up_id>", "GET", summary="One follow-up", tag="follow-ups", response=FollowUpOut
)
def get_follow_up(follow_up_id: int) -> Any:
    """A follow-up the caller may see."""
    return jsonify(dump(FollowUpOut, calls.get_follow_up(caller(), follow_up_id)))


@blueprint.patch("/follow-ups/<int:follow_up_id>")
@operation(
    "/follow-ups/<int:follow_up_id>", "PATCH", summary="Change or complete a follow-up", tag="follow-ups",
    body=FollowUpUpdate, response=FollowUpOut,
)
def update_follow_up(follow_up_id: int, body: dict[str, Any]) -> Any:
    """``done`` true/false marks it done or reopens it; ``due_at``, ``title``, ``assignee_id`` change it."""
    actor = caller()
    follow_up = calls.update_follow_up(actor, calls.get_follow_up(actor, follow_up_id), body)
    return jsonify(dump(FollowUpOut, follow_up))
