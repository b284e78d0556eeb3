"""The API's error answers (SPEC §4): where they apply, their codes and their JSON shape.

Shared by the API and the app-wide error handlers, which answer under ``API_PREFIX`` in JSON.
"""

from __future__ import annotations

from flask import jsonify

API_PREFIX = "/api/"

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "server_error",
}


def error_json(status: int, code: str, message: str, details: dict | None = None):  # type: ignore[no-untyped-def]
    """The API error shape of SPEC §4."""
    body = {"error": {"code": code, "message": message, "details": details or {}}}
    return jsonify(body), status
