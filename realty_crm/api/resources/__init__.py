"""API resources; each module adds its routes to the API blueprint on import."""

from . import agency, agents, calls, follow_ups, matches, me, properties, prospects, visits  # noqa: F401
