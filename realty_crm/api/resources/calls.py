"""Calls: ``/api/v1/calls`` (SPEC §4)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import jsonify
from pydantic import Field, ValidationInfo, field_validator
from sqlalchemy import select

from ...models import Call, CallDirection, CallOutcome
from ...policy import Action, require, visible_calls
from ...schemas.activity import CallCreate, CallOut
from ...schemas.common import Id, Page
from ...services import calls, search
from ...tenancy import get_or_404
from .. import blueprint
from ..spec import operation
from .common import ListQuery, QueryTime, caller, created, dump, page_json, where_equal


class CallQuery(ListQuery):
    """Filters of the call log; an agent only sees their own calls."""

    prospect_id: Id | None = None
    agent_id: Id | None = None
    direction: CallDirection | None = None
    outcome: CallOutcome | None = None
    from_: QueryTime | None = Field(
        default=None, alias="from", description="Calls at or after this time (ISO 8601 with offset)"
    )
    to: QueryTime | None = Field(default=None, description="Calls before this time (ISO 8601 with offset)")

    @field_validator("to")
    @classmethod
    def _not_before_from(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        start = info.data.get("from_")
        if value is not None and start is not None and value < start:
            raise ValueError("'to' is before 'from'")
        return value


@blueprint.get("/calls")
@operation("/calls", "GET", summary="The call log", tag="calls", query=CallQuery, response=Page[CallOut])
def list_calls(query: CallQuery) -> Any:
    """Calls, newest first: all of the agency for admins and managers, their own for an agent."""
    stmt = visible_calls(select(Call), caller())
    stmt = where_equal(stmt, Call, query, ("prospect_id", "agent_id", "direction", "outcome"))
    if query.from_ is not None:
        stmt = stmt.where(Call.occurred_at >= query.from_)
    if query.to is not None:
        stmt = stmt.where(Call.occurred_at < query.to)
    stmt = stmt.order_by(Call.occurred_at.desc(), Call.id.desc())
    return page_json(CallOut, search.paginate(stmt, query.page, query.capped_per_page))


@blueprint.post("/calls")
@operation(
    "/calls", "POST", summary="Log a call", tag="calls", body=CallCreate, response=CallOut, status=201
)
def log_call(body: dict[str, Any]) -> Any:
    """Logs a call with a prospect the caller may see; ``follow_up_at`` also plans the next call."""
    call = calls.log_call(caller(), body)
    return created(CallOut, call, "api.get_call", call_id=call.id)


@blueprint.get("/calls/<int:call_id>")
@operation("/calls/<int:call_id>", "GET", summary="One call", tag="calls", response=CallOut)
def get_call(call_id: int) -> Any:
    """A call of the agency (an agent: one of their own)."""
    call = get_or_404(Call, call_id)
    require(caller(), Action.VIEW, call)
    return jsonify(dump(CallOut, call))
