"""Catch the message ids a page looks up that its language's catalogue does not translate.

Every ``gettext``, ``ngettext``, ``pgettext`` and lazy string of the app (templates, views,
services, plugins) goes through Flask-Babel's ``Domain.get_translations``; ``recording`` wraps
what it returns so each lookup of an id the catalogue lacks is noted. WTForms' own messages
come from its own catalogue and are not seen here.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask_babel import Domain, get_locale

# how GNU gettext keys a message with a context in a compiled catalogue
_CONTEXT_SEPARATOR = "\x04"


class _RecordingTranslations:
    """A catalogue that answers as ``inner`` does and notes the ids ``inner`` lacks."""

    def __init__(self, inner: Any, missing: set[str]) -> None:
        self._inner = inner
        self._missing = missing
        self._catalog = getattr(inner, "_catalog", {})

    def _check(self, key: object, shown: str) -> None:
        if shown and key not in self._catalog:
            self._missing.add(shown)

    def ugettext(self, message: str) -> str:
        self._check(message, message)
        return self._inner.ugettext(message)

    def ungettext(self, singular: str, plural: str, n: int) -> str:
        self._check((singular, 0), singular)
        return self._inner.ungettext(singular, plural, n)

    def upgettext(self, context: str, message: str) -> str:
        self._check(f"{context}{_CONTEXT_SEPARATOR}{message}", f"{message} (context {context})")
        return self._inner.upgettext(context, message)

    def unpgettext(self, context: str, singular: str, plural: str, n: int) -> str:
        key = (f"{context}{_CONTEXT_SEPARATOR}{singular}", 0)
        self._check(key, f"{singular} (context {context})")
        return self._inner.unpgettext(context, singular, plural, n)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


@contextmanager
def recording(language: str) -> Iterator[set[str]]:
    """Within the block, collect every message id looked up for a reader of ``language`` that
    its catalogue does not translate (English, the source language, needs no catalogue)."""
    missing: set[str] = set()
    original = Domain.get_translations

    def get_translations(self: Domain) -> Any:
        translations = original(self)
        locale = get_locale()
        if locale is None or locale.language != language:
            return translations
        return _RecordingTranslations(translations, missing)

    Domain.get_translations = get_translations  # type: ignore[method-assign]
    try:
        yield missing
    finally:
        Domain.get_translations = original  # type: ignore[method-assign]
