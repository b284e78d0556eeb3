"""The REST API at /api/v1: bearer-token auth, JSON in and out (SPEC §4)."""

from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify, request
from flask_babel import gettext as _

from .. import tenancy
from ..errors import ServiceError
from ..extensions import limiter
from ..services.accounts import user_for_token
from .spec import openapi_document

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")

PUBLIC_ENDPOINTS = {"api.openapi"}


class Unauthorized(ServiceError):
    status = 401
    code = "unauthorized"


@blueprint.before_request
def _authenticate() -> None:
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    header = request.headers.get("Authorization", "")
    scheme, _sep, secret = header.partition(" ")
    user = user_for_token(secret.strip()) if scheme.lower() == "bearer" else None
    if user is None:
        raise Unauthorized(_("Send a valid API token as 'Authorization: Bearer <token>'."))
    g.api_user = user
    tenancy.enter(user.agency_id)


def _api_rate_key() -> str:
    user = g.get("api_user")
    return f"api-user:{user.id}" if user is not None else f"api-addr:{request.remote_addr}"


limiter.limit(lambda: current_app.config["API_RATE_LIMIT"], key_func=_api_rate_key)(blueprint)


@blueprint.get("/openapi.json")
def openapi():  # type: ignore[no-untyped-def]
    """The OpenAPI 3 document of this API, generated from the route declarations."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        release = version("realty-crm")
    except PackageNotFoundError:
        release = "0"
    return jsonify(openapi_document("realty-crm API", release))


from . import resources  # noqa: E402,F401  (routes register themselves on the blueprint)
