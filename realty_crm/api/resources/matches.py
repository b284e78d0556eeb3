"""Matches: properties that fit a prospect, prospects a property fits (SPEC §4)."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from pydantic import BaseModel, Field

from ...models import Property, Prospect
from ...policy import Action, require
from ...schemas.common import Page
from ...schemas.match import PropertyMatchOut, ProspectMatchOut
from ...schemas.property import PropertyOut
from ...schemas.prospect import ProspectOut
from ...services import matching
from ...tenancy import get_or_404
from .. import blueprint
from ..spec import operation
from .common import ListQuery, caller, dump

# how many candidates are ranked; the pages are cut from this list
RANKED = 200


class MatchQuery(ListQuery):
    """A page of the ranked matches."""

    near_misses: bool = Field(default=True, description="false: only records that meet every criterion")


def _page_of(matches: list[matching.Match], schema: type[BaseModel], query: MatchQuery) -> Any:
    if not query.near_misses:
        matches = [m for m in matches if not m.near_miss]
    per_page = query.capped_per_page
    start = (query.page - 1) * per_page
    return jsonify(
        items=[
            {
                **dump(schema, m.record),
                "match_score": m.score,
                "match_reasons": m.reasons,
                "near_miss": m.near_miss,
            }
            for m in matches[start:start + per_page]
        ],
        page=query.page,
        per_page=per_page,
        total=len(matches),
    )


@blueprint.get("/prospects/<int:prospect_id>/matches")
@operation(
    "/prospects/<int:prospect_id>/matches", "GET", summary="Properties that match a prospect",
    tag="prospects", query=MatchQuery, response=Page[PropertyMatchOut],
)
def prospect_matches(prospect_id: int, query: MatchQuery) -> Any:
    """Available properties for the prospect's requirements, best first (at most 200 are ranked).

    Each item is the property plus ``match_score`` (0–100), ``match_reasons`` and ``near_miss``
    (just outside the budget, a bedroom short…). A prospect without an operation has no matches.
    """
    prospect = get_or_404(Prospect, prospect_id)
    require(caller(), Action.VIEW, prospect)
    return _page_of(matching.properties_for(prospect, limit=RANKED), PropertyOut, query)


@blueprint.get("/properties/<int:property_id>/matches")
@operation(
    "/properties/<int:property_id>/matches", "GET", summary="Prospects a property matches",
    tag="properties", query=MatchQuery, response=Page[ProspectMatchOut],
)
def property_matches(property_id: int, query: MatchQuery) -> Any:
    """Open prospects whose requirements the property fits, best first (at most 200 are ranked).

    Only prospects the caller may see (an agent: their own, and the unassigned pool if allowed).
    """
    prop = get_or_404(Property, property_id)
    return _page_of(matching.prospects_for(caller(), prop, limit=RANKED), ProspectOut, query)
