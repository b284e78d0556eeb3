"""Prospects: ``/api/v1/prospects`` and their assignment, timeline and notes (SPEC §4)."""

from __future__ import annotations

from typing import Any, Literal

from flask import jsonify
from pydantic import Field

from ...models import ActivityKind, Prospect, ProspectSource, ProspectStatus
from ...policy import Action, require
from ...schemas.activity import NoteCreate
from ...schemas.common import Id, Page, validate
from ...schemas.prospect import (
    ActivityOut,
    AssignIn,
    ProspectCreate,
    ProspectOut,
    ProspectUpdate,
    TimelineEntryOut,
)
from ...schemas.reassign import ReassignIn, ReassignOut
from ...services import prospects, reassign, search, timeline
from ...tenancy import get_or_404
from .. import blueprint
from ..spec import operation
from .common import ListQuery, QueryText, caller, created, dump, no_content, page_json

ProspectSort = Literal["newest", "oldest", "name", "last_contacted", "next_follow_up", "status"]


class ProspectQuery(ListQuery):
    """Filters of the prospect list; an agent only ever sees the prospects they may see."""

    q: QueryText | None = Field(default=None, description="Words found in the name, e-mail or phone")
    status: ProspectStatus | None = None
    assigned_agent_id: Id | None = None
    source: ProspectSource | None = None
    unassigned: bool = Field(default=False, description="Only prospects nobody holds")
    deleted: bool = Field(default=False, description="Only deleted prospects (admins and managers)")
    sort: ProspectSort = "newest"


class TimelineQuery(ListQuery):
    """A page of a prospect's timeline, newest first."""

    kind: ActivityKind | None = Field(default=None, description="Only the stored entries of this kind")


def _visible_prospect(prospect_id: int) -> Prospect:
    prospect = get_or_404(Prospect, prospect_id)
    require(caller(), Action.VIEW, prospect)
    return prospect


@blueprint.get("/prospects")
@operation(
    "/prospects", "GET", summary="List and search prospects", tag="prospects",
    query=ProspectQuery, response=Page[ProspectOut],
)
def list_prospects(query: ProspectQuery) -> Any:
    """Prospects the caller may see (an agent: assigned to them, and the unassigned pool if allowed)."""
    actor = caller()
    if query.deleted:
        require(actor, Action.RESTORE)
    filters = search.ProspectFilters(
        q=query.q,
        status=query.status,
        assigned_agent_id=query.assigned_agent_id,
        source=query.source,
        unassigned=query.unassigned,
        deleted=query.deleted,
        sort=query.sort,
    )
    return page_json(ProspectOut, search.list_prospects(actor, filters, query.page, query.capped_per_page))


@blueprint.post("/prospects")
@operation(
    "/prospects", "POST", summary="Create a prospect", tag="prospects",
    body=ProspectCreate, response=ProspectOut, status=201, errors=(409,),
)
def create_prospect(body: dict[str, Any]) -> Any:
    """A duplicate e-mail or phone answers 409 with the field and ``existing_id`` in ``details``."""
    prospect = prospects.create_prospect(caller(), body)
    return created(ProspectOut, prospect, "api.get_prospect", prospect_id=prospect.id)


@blueprint.get("/prospects/<int:prospect_id>")
@operation(
    "/prospects/<int:prospect_id>", "GET", summary="One prospect", tag="prospects", response=ProspectOut
)
def get_prospect(prospect_id: int) -> Any:
    """The prospect with its requirements."""
    return jsonify(dump(ProspectOut, _visible_prospect(prospect_id)))


@blueprint.patch("/prospects/<int:prospect_id>")
@operation(
    "/prospects/<int:prospect_id>", "PATCH", summary="Change a prospect", tag="prospects",
    body=ProspectUpdate, response=ProspectOut, errors=(409,),
)
def update_prospect(prospect_id: int, body: dict[str, Any]) -> Any:
    """Only the fields sent change; changing ``assigned_agent_id`` needs the right to assign."""
    prospect = prospects.update_prospect(caller(), _visible_prospect(prospect_id), body)
    return jsonify(dump(ProspectOut, prospect))


@blueprint.delete("/prospects/<int:prospect_id>")
@operation(
    "/prospects/<int:prospect_id>", "DELETE", summary="Delete a prospect (soft)", tag="prospects", status=204
)
def delete_prospect(prospect_id: int) -> Any:
    """Hides the prospect; an admin or manager can restore it."""
    prospects.delete_prospect(caller(), get_or_404(Prospect, prospect_id))
    return no_content()


@blueprint.post("/prospects/<int:prospect_id>/restore")
@operation(
    "/prospects/<int:prospect_id>/restore", "POST", summary="Restore a deleted prospect", tag="prospects",
    response=ProspectOut,
)
def restore_prospect(prospect_id: int) -> Any:
    """Undoes a soft delete (admins and managers)."""
    prospect = get_or_404(Prospect, prospect_id, include_deleted=True)
    prospects.restore_prospect(caller(), prospect)
    return jsonify(dump(ProspectOut, prospect))


@blueprint.post("/prospects/<int:prospect_id>/assign")
@operation(
    "/prospects/<int:prospect_id>/assign", "POST", summary="Assign a prospect to an agent", tag="prospects",
    body=AssignIn, response=ProspectOut, errors=(409,),
)
def assign_prospect(prospect_id: int, body: dict[str, Any]) -> Any:
    """``{"agent_id": N}`` gives the prospect to that user with its future visits and open
    follow-ups (``move_visits``, ``move_follow_ups``: false to leave them); ``null`` returns it
    to the unassigned pool. As ``/prospects/reassign`` for one prospect: a moved visit that would
    double-book the agent answers 409 with ``details.clashes``, and nothing changes."""
    actor = caller()
    prospect = get_or_404(Prospect, prospect_id)
    require(actor, Action.ASSIGN)  # a role without the right hears 403 whatever it sent
    values = validate(AssignIn, body)
    reassign.reassign(actor, [prospect.id], values.agent_id,
                      move_visits=values.move_visits, move_follow_ups=values.move_follow_ups)
    return jsonify(dump(ProspectOut, get_or_404(Prospect, prospect_id)))


@blueprint.post("/prospects/reassign")
@operation(
    "/prospects/reassign", "POST", summary="Reassign prospects in bulk", tag="prospects",
    body=ReassignIn, response=ReassignOut, errors=(409,),
)
def reassign_prospects(body: dict[str, Any]) -> Any:
    """Give the prospects to ``agent_id`` (``null``: back to the unassigned pool) with their future
    visits and open follow-ups, all or nothing. Unknown ids or an inactive agent answer 422; a moved
    visit that would double-book the agent answers 409 with the clashing visits in
    ``details.clashes``, and nothing changes."""
    actor = caller()
    require(actor, Action.ASSIGN)  # a role without the right hears 403 whatever it sent
    values = validate(ReassignIn, body)
    result = reassign.reassign(
        actor, values.prospect_ids, values.agent_id,
        move_visits=values.move_visits, move_follow_ups=values.move_follow_ups,
    )
    return jsonify(ReassignOut.model_validate(result, from_attributes=True).model_dump(mode="json"))


@blueprint.get("/prospects/<int:prospect_id>/timeline")
@operation(
    "/prospects/<int:prospect_id>/timeline", "GET", summary="A prospect's timeline", tag="prospects",
    query=TimelineQuery, response=Page[TimelineEntryOut],
)
def prospect_timeline(prospect_id: int, query: TimelineQuery) -> Any:
    """Everything that happened to the prospect (changes, calls, visits, notes…) and the items
    the agency's plugins add, newest first: the entries of the prospect's page, in its order.
    Each `summary` is worded in the caller's language and time zone; a plugin's item has no
    `id` and its plugin's name as `source`."""
    results = timeline.prospect_timeline(
        caller(), _visible_prospect(prospect_id), page=query.page, per_page=query.capped_per_page,
        kind=query.kind,
    )
    return page_json(TimelineEntryOut, results)


@blueprint.post("/prospects/<int:prospect_id>/notes")
@operation(
    "/prospects/<int:prospect_id>/notes", "POST", summary="Add a note to a prospect's timeline",
    tag="prospects", body=NoteCreate, response=ActivityOut, status=201,
)
def add_note(prospect_id: int, body: dict[str, Any]) -> Any:
    """A free-text note; it appears on the timeline with its author."""
    actor = caller()
    prospect = _visible_prospect(prospect_id)
    values = validate(NoteCreate, body)
    entry = prospects.add_note(actor, prospect, values.body)
    response = jsonify(dump(ActivityOut, timeline.entry(entry)))
    response.status_code = 201
    return response
