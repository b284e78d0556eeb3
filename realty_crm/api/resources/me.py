"""``GET /api/v1/me``: who the token acts as."""

from __future__ import annotations

from flask import jsonify

from ...schemas.agency import MeOut
from .. import blueprint
from ..spec import operation
from .common import caller, dump


@blueprint.get("/me")
@operation("/me", "GET", summary="The user the token acts as, with their agency", tag="me", response=MeOut)
def me():  # type: ignore[no-untyped-def]
    """The caller's profile, role and agency."""
    return jsonify(dump(MeOut, caller()))
