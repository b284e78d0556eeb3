"""The REST API at /api/v1: bearer-token auth, JSON in and out (SPEC §4)."""

from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify, request
from flask_babel import gettext as _

from .. import tenancy
from ..errors import ServiceError
from ..extensions import limiter
from ..json_errors import error_json
from ..models import User
from ..services.accounts import user_for_token
from .spec import openapi_document, operation

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")

PUBLIC_ENDPOINTS = {"api.openapi"}


class Unauthorized(ServiceError):
    status = 401
    code = "unauthorized"


_TOKEN_USER = "realty_crm.api_token_user"


def token_user() -> User | None:
    """The active user of the request's bearer token, looked up once per request."""
    if _TOKEN_USER not in request.environ:
        header = request.headers.get("Authorization", "")
        scheme, _sep, secret = header.partition(" ")
        user = user_for_token(secret.strip()) if scheme.lower() == "bearer" else None
        request.environ[_TOKEN_USER] = user
    return request.environ[_TOKEN_USER]


@blueprint.before_request
def _authenticate() -> None:
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    user = token_user()
    if user is None:
        raise Unauthorized(_("Send a valid API token as 'Authorization: Bearer <token>'."))
    g.api_user = user
    tenancy.enter(user.agency_id)


def _api_rate_key() -> str:
    # the limiter checks before the blueprint authenticates, so it reads the token itself
    user = token_user()
    return f"api-user:{user.id}" if user is not None else f"api-addr:{request.remote_addr}"


limiter.limit(lambda: current_app.config["API_RATE_LIMIT"], key_func=_api_rate_key)(blueprint)


@blueprint.errorhandler(Unauthorized)
def _unauthorized(exc: Unauthorized):  # type: ignore[no-untyped-def]
    response, status = error_json(exc.status, exc.code, exc.message)
    response.headers["WWW-Authenticate"] = 'Bearer realm="realty-crm"'
    return response, status


@blueprint.get("/openapi.json")
@operation("/openapi.json", "GET", summary="This OpenAPI document", tag="meta", public=True)
def openapi():  # type: ignore[no-untyped-def]
    """The OpenAPI 3 document of this API, generated from the route declarations."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        release = version("realty-crm")
    except PackageNotFoundError:
        release = "0"
    return jsonify(openapi_document("realty-crm API", release, blueprint.url_prefix or ""))


from . import resources  # noqa: E402,F401  (routes register themselves on the blueprint)
