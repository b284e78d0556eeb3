"""API resources; each module adds its routes to the API blueprint on import."""

from . import agency, agents, calls, follow_ups, me, properties, prospects  # noqa: F401
