"""Error pages for the browser and JSON errors for the API, chosen by path."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from ..errors import ServiceError
from ..json_errors import API_PREFIX, CODES, error_json


def _titles() -> dict[int, tuple[str, str]]:
    return {
        400: (_("Bad request"), _("The request could not be understood.")),
        401: (_("Sign in needed"), _("Sign in to continue.")),
        403: (_("Not allowed"), _("You do not have permission to see or do this.")),
        404: (_("Not found"), _("There is nothing here, or it belongs to another agency.")),
        405: (_("Not allowed"), _("This address does not take that kind of request.")),
        409: (_("Conflict"), _("The change clashes with existing data.")),
        413: (_("Too large"), _("What you sent is too large.")),
        415: (_("Unsupported type"), _("This address does not take that type of content.")),
        422: (_("Not valid"), _("Some fields are not valid.")),
        429: (_("Too many requests"), _("Too many attempts. Try again in a few minutes.")),
        500: (_("Something went wrong"), _("The error was logged. Try again later.")),
    }


def _render(status: int, message: str | None = None):  # type: ignore[no-untyped-def]
    title, default = _titles().get(status, (str(status), ""))
    return render_template("errors/error.html", title=title, message=message or default), status


def _http_message(exc: HTTPException, status: int) -> str:
    """The reader's-language sentence for an HTTP error; werkzeug's and the rate limiter's own
    descriptions are English, so they are only kept for a status without a sentence of ours."""
    known = _titles().get(status)
    return known[1] if known else str(exc.description)


def register_error_handlers(app: Flask) -> None:
    """Answer errors as JSON under /api/ and as pages elsewhere."""

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):  # type: ignore[no-untyped-def]
        status = exc.code or 500
        # keep headers such as Allow (405) and Retry-After (429)
        headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
        if request.path.startswith(API_PREFIX):
            message = _("Not found.") if status == 404 else _http_message(exc, status)
            body, code = error_json(status, CODES.get(status, "error"), message)
            return body, code, headers
        if isinstance(exc, CSRFError):
            return _render(400, _("The form expired. Go back, reload the page and try again."))
        page, code = _render(status)
        return page, code, headers

    @app.errorhandler(ServiceError)
    def _service(exc: ServiceError):  # type: ignore[no-untyped-def]
        if request.path.startswith(API_PREFIX):
            return error_json(exc.status, exc.code, exc.message, exc.details)
        return _render(exc.status, exc.message)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):  # type: ignore[no-untyped-def]
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        if request.path.startswith(API_PREFIX):
            return error_json(500, "server_error", _("Something went wrong; the error was logged."))
        return _render(500)
