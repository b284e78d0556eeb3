"""The errors a service can refuse with; web views and the API translate them."""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """A refusal with a machine code, an HTTP status and a human message."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}


class ValidationFailed(ServiceError):
    """The input is well-formed but breaks a rule; ``details`` maps field to message."""

    status = 422
    code = "validation_error"


def invalid(field: str, message: str) -> ValidationFailed:
    """A ``ValidationFailed`` whose ``message`` is about one field: ``raise invalid("email", _("..."))``."""
    return ValidationFailed(message, {field: message})


class Forbidden(ServiceError):
    """The acting user's role does not allow the action."""

    status = 403
    code = "forbidden"


class NotFound(ServiceError):
    """No such record in the agency in scope (another agency's records do not exist for it)."""

    status = 404
    code = "not_found"


class Conflict(ServiceError):
    """The change clashes with existing data (duplicate, double booking)."""

    status = 409
    code = "conflict"


class PluginFailed(ServiceError):
    """A plugin failed inside a core change, which was undone whole (e.g. an erasure)."""

    status = 500
    code = "plugin_failed"
