"""Which language a user reads, among those the app speaks (``LANGUAGES``)."""

from __future__ import annotations

from flask import current_app

from .models import User


def supported_language(value: str | None) -> str | None:
    """``value`` as a language the app speaks (``es-ES`` and ``es_ES`` give ``es``), else None."""
    if not value:
        return None
    language = value.replace("-", "_").split("_", 1)[0].lower()
    return language if language in current_app.config["LANGUAGES"] else None


def user_language(user: User) -> str | None:
    """The language ``user`` reads: their own setting, else their agency's (None if neither is
    one the app speaks). For texts made outside their session too, e.g. a calendar feed."""
    return supported_language(user.locale) or supported_language(user.agency.locale)
