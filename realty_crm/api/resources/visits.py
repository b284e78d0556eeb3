"""Visits: ``/api/v1/visits``, booking without double booking and the visit lifecycle (SPEC §1, §4)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import jsonify
from pydantic import Field, ValidationInfo, field_validator
from sqlalchemy.orm import selectinload

from ...models import Visit, VisitStatus
from ...policy import Action, require
from ...schemas.common import Id, Page
from ...schemas.visit import VisitCreate, VisitOut, VisitUpdate
from ...services import search, visits
from ...tenancy import get_or_404
from .. import blueprint
from ..spec import operation
from .common import ListQuery, QueryTime, caller, created, dump, page_json

# what VisitOut shows besides the visit itself
SUMMARIES = (selectinload(Visit.property), selectinload(Visit.prospect), selectinload(Visit.agent))


class VisitQuery(ListQuery):
    """Filters of the visit list; an agent only sees their own visits."""

    agent_id: Id | None = None
    property_id: Id | None = None
    prospect_id: Id | None = None
    status: VisitStatus | None = None
    from_: QueryTime | None = Field(
        default=None, alias="from",
        description="Visits still going on at or after this time (ISO 8601 with offset)",
    )
    to: QueryTime | None = Field(
        default=None, description="Visits starting before this time (ISO 8601 with offset)"
    )

    @field_validator("to")
    @classmethod
    def _not_before_from(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        start = info.data.get("from_")
        if value is not None and start is not None and value < start:
            raise ValueError("'to' is before 'from'")
        return value


def visit_filters(query: VisitQuery) -> search.VisitFilters:
    """The list filters the query asks for; ``from``/``to`` keep the visits overlapping ``[from, to)``."""
    return search.VisitFilters(
        agent_id=query.agent_id,
        property_id=query.property_id,
        prospect_id=query.prospect_id,
        status=query.status,
        ends_after=query.from_,
        starts_before=query.to,
    )


def _visible_visit(visit_id: int) -> Visit:
    visit = get_or_404(Visit, visit_id)
    require(caller(), Action.VIEW, visit)
    return visit


@blueprint.get("/visits")
@operation("/visits", "GET", summary="List visits", tag="visits", query=VisitQuery, response=Page[VisitOut])
def list_visits(query: VisitQuery) -> Any:
    """Visits by start time: all of the agency for admins and managers, their own for an agent.

    ``from`` and ``to`` keep the visits that overlap the window ``[from, to)``.
    """
    stmt = search.visit_query(caller(), visit_filters(query)).options(*SUMMARIES)
    return page_json(VisitOut, search.paginate(stmt, query.page, query.capped_per_page))


@blueprint.post("/visits")
@operation(
    "/visits", "POST", summary="Book a visit", tag="visits",
    body=VisitCreate, response=VisitOut, status=201, errors=(409,),
)
def create_visit(body: dict[str, Any]) -> Any:
    """Give ``ends_at`` or ``duration_minutes`` (else the agency's default length).

    Agents book for themselves; admins and managers may name another ``agent_id``. A start in
    the past is accepted only with ``status`` ``done``. When the agent or the property is
    already busy then, the answer is 409 and ``details`` names the ``clash`` (``agent``,
    ``property`` or ``busy``) and carries the ``clashing_visit`` or the ``busy`` interval;
    ``clashes`` lists it in the shape a refused reassignment's clashes have.
    """
    visit = visits.schedule_visit(caller(), body)
    return created(VisitOut, visit, "api.get_visit", visit_id=visit.id)


@blueprint.get("/visits/<int:visit_id>")
@operation("/visits/<int:visit_id>", "GET", summary="One visit", tag="visits", response=VisitOut)
def get_visit(visit_id: int) -> Any:
    """A visit of the agency (an agent: one of their own)."""
    return jsonify(dump(VisitOut, _visible_visit(visit_id)))


@blueprint.patch("/visits/<int:visit_id>")
@operation(
    "/visits/<int:visit_id>", "PATCH", summary="Reschedule, confirm, complete or cancel a visit",
    tag="visits", body=VisitUpdate, response=VisitOut, errors=(409,),
)
def update_visit(visit_id: int, body: dict[str, Any]) -> Any:
    """Only the fields sent change.

    Reschedule with ``starts_at``, ``ends_at`` or ``duration_minutes`` (409 on a clash) and
    reassign with ``agent_id``; ``status`` ``confirmed``; ``done`` (then ``feedback`` and
    ``rating`` 1–5); ``cancelled`` with a ``cancel_reason``; ``no_show``.
    """
    visit = visits.update_visit(caller(), _visible_visit(visit_id), body)
    return jsonify(dump(VisitOut, visit))
