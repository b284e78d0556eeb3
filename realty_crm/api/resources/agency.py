"""The caller's agency: ``/api/v1/agency`` (SPEC §4)."""

from __future__ import annotations

from typing import Any

from flask import jsonify

from ...schemas.agency import AgencyOut, AgencyUpdate
from ...services import accounts
from .. import blueprint
from ..spec import operation
from .common import caller, dump


@blueprint.get("/agency")
@operation("/agency", "GET", summary="The caller's agency and its settings", tag="agency", response=AgencyOut)
def get_agency() -> Any:
    """Name, time zone, locale, currency and work-distribution settings."""
    return jsonify(dump(AgencyOut, caller().agency))


@blueprint.patch("/agency")
@operation(
    "/agency", "PATCH", summary="Change the agency's settings (admins)", tag="agency",
    body=AgencyUpdate, response=AgencyOut,
)
def update_agency(body: dict[str, Any]) -> Any:
    """Only the fields sent change.

    ``assignment_rule`` is one of manual, round_robin, least_loaded, by_area.
    """
    return jsonify(dump(AgencyOut, accounts.update_agency(caller(), body)))
