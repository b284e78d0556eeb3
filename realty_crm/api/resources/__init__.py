"""API resources; each module adds its routes to the API blueprint on import."""

from . import me  # noqa: F401
