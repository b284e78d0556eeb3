"""Names sorted the way the reader's language sorts them: "Íñigo" beside "Ignacio", not after
"Xavier"; in Spanish "ñ" is a letter of its own, after "n".

In SQL the ORDER BY names a collation: on PostgreSQL an ICU one (``es-x-icu`` for Spanish,
the root ``und-x-icu`` for English), on SQLite one registered on each connection
(``crm_es``, ``crm_en``) that compares with ``sort_key``. In Python, sort with ``sort_key``.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from typing import Any

from flask import has_request_context
from flask_babel import get_locale
from sqlalchemy import ColumnElement

from .extensions import db

DEFAULT_LANGUAGE = "en"
# language: (PostgreSQL ICU collation, SQLite collation registered by register_sqlite)
COLLATIONS = {"en": ("und-x-icu", "crm_en"), "es": ("es-x-icu", "crm_es")}
# languages where a letter with a mark is a letter of its own, sorted after its base letter
OWN_LETTERS = {"es": {"ñ": "n\U0010ffff"}}
COMBINING_TILDE = "\u0303"


def reader_language() -> str:
    """The language of the request's reader (a collation's language), else the default."""
    locale = get_locale() if has_request_context() else None
    language = locale.language if locale is not None else DEFAULT_LANGUAGE
    return language if language in COLLATIONS else DEFAULT_LANGUAGE


@lru_cache(maxsize=65536)
def sort_key(text: str | None, language: str = DEFAULT_LANGUAGE) -> tuple[str, str, str]:
    """A key that sorts ``text`` as ``language`` does: letters first (case and marks left out),
    then marks, then case."""
    text = text or ""
    folded = unicodedata.normalize("NFC", text).casefold()
    for letter, key in OWN_LETTERS.get(language, {}).items():
        folded = folded.replace(letter, key)
    decomposed = unicodedata.normalize("NFD", folded)
    letters = "".join(c for c in decomposed if not unicodedata.combining(c))
    return letters, decomposed, text


def collated(column: ColumnElement[Any], language: str | None = None) -> ColumnElement[Any]:
    """``column`` under the collation of ``language`` (the reader's by default) for an ORDER BY."""
    postgres, sqlite = COLLATIONS[language or reader_language()]
    return column.collate(postgres if db.engine.dialect.name == "postgresql" else sqlite)


def _comparison(language: str) -> Any:
    def compare(left: str | None, right: str | None) -> int:
        a, b = sort_key(left, language), sort_key(right, language)
        return (a > b) - (a < b)

    return compare


def register_sqlite(dbapi_connection: Any, _record: Any) -> None:
    """Register each language's collation on a new SQLite connection."""
    for language, (_postgres, name) in COLLATIONS.items():
        dbapi_connection.create_collation(name, _comparison(language))
