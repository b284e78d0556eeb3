"""Calls: ``/api/v1/calls`` (SPEC §4)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import jsonify
from pydantic import Field, ValidationInfo, field_validator

from ...models import CallDirection, CallOutcome
from ...policy import Action
from ...schemas.activity import CallCreate, CallOut, CallUpdate
from ...schemas.common import Id, Page
from ...services import calls, search
from .. import blueprint
from ..spec import operation
from .common import ListQuery, QueryTime, caller, created, dump, no_content, page_json


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


def call_filters(query: CallQuery) -> search.CallFilters:
    """The call log filters the query asks for."""
    return search.CallFilters(
        prospect_id=query.prospect_id,
        agent_id=query.agent_id,
        direction=query.direction,
        outcome=query.outcome,
        occurred_from=query.from_,
        occurred_before=query.to,
    )


@blueprint.get("/calls")
@operation("/calls", "GET", summary="The call log", tag="calls", query=CallQuery, response=Page[CallOut])
def list_calls(query: CallQuery) -> Any:
    """Calls, newest first: all of the agency for admins and managers, their own for an agent."""
    stmt = search.call_query(caller(), call_filters(query))
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
    return jsonify(dump(CallOut, calls.get_call(caller(), call_id)))


@blueprint.patch("/calls/<int:call_id>")
@operation(
    "/calls/<int:call_id>", "PATCH", summary="Correct a call", tag="calls", body=CallUpdate,
    response=CallOut,
)
def update_call(call_id: int, body: dict[str, Any]) -> Any:
    """Corrects a logged call (its agent, or an admin or manager); only the fields sent change."""
    actor = caller()
    call = calls.update_call(actor, calls.get_call(actor, call_id, Action.EDIT), body)
    return jsonify(dump(CallOut, call))


@blueprint.delete("/calls/<int:call_id>")
@operation("/calls/<int:call_id>", "DELETE", summary="Delete a call", tag="calls", status=204)
def delete_call(call_id: int) -> Any:
    """Deletes a call logged by mistake (its agent, or an admin or manager); the timeline notes it."""
    actor = caller()
    calls.delete_call(actor, calls.get_call(actor, call_id, Action.EDIT))
    return no_content()
