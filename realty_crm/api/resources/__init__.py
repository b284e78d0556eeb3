"""API resources; each module adds its routes to the API blueprint on import."""

from . import (  # noqa: F401
    agency,
    agents,
    calls,
    exports,
    follow_ups,
    matches,
    me,
    properties,
    prospects,
    reports,
    visits,
)
