"""One rule for NUL bytes in request input, on every database: refused at the edge.

PostgreSQL cannot store a NUL character in text (the driver raises, a 500) and SQLite stores it
silently, so no request that carries one reaches a view: the query string, form fields (names and
values, and uploaded files' names), the JSON body (keys and strings, however deep) and the URL's
own parts are checked before any view runs. The API answers 422 naming the field in the error
shape of SPEC §4; pages answer a 400 page saying which field, both in the reader's language.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import suppress
from typing import Any

from flask import Flask, request
from flask_babel import gettext as _
from werkzeug.exceptions import RequestEntityTooLarge

from .errors import ServiceError, ValidationFailed
from .json_errors import API_PREFIX

NUL = "\x00"


def _shown(name: str) -> str:
    """A field name fit to show: a NUL inside the name itself is written ``\\x00``."""
    return name.replace(NUL, "\\x00")


def _nul_paths(value: Any, path: str) -> Iterator[str]:
    """The dotted paths (``requirements.areas.0``) of the JSON strings and keys holding a NUL."""
    if isinstance(value, str):
        if NUL in value:
            yield path or "__root__"
    elif isinstance(value, dict):
        for key, item in value.items():
            child = f"{path}.{_shown(str(key))}" if path else _shown(str(key))
            if NUL in str(key):
                yield child
            else:
                yield from _nul_paths(item, child)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _nul_paths(item, f"{path}.{index}" if path else str(index))


def _fields_with_nul() -> list[str]:
    """Every input field of the current request whose name or value holds a NUL, in order."""
    found: list[str] = []
    for name, value in (request.view_args or {}).items():
        if isinstance(value, str) and NUL in value:
            found.append(_shown(name))
    for name, value in request.args.items(multi=True):
        if NUL in name or NUL in value:
            found.append(_shown(name))
    try:
        form, files = request.form, request.files
    except RequestEntityTooLarge:
        # a body over the default limit is the view's to read: one that takes larger bodies
        # (a file import) raises its own limit first; any other answers 413 when it reads it
        return list(dict.fromkeys(found))
    for name, value in form.items(multi=True):
        if NUL in name or NUL in value:
            found.append(_shown(name))
    for name, upload in files.items(multi=True):
        if NUL in name or NUL in (upload.filename or ""):
            found.append(_shown(name))
    if request.is_json:
        # nested deeper than the parser or the walk goes: the API refuses that body as not JSON
        with suppress(RecursionError):
            found.extend(_nul_paths(request.get_json(silent=True), ""))
    return list(dict.fromkeys(found))


def refuse_nul_bytes() -> None:
    """``before_request``: refuse a request whose input holds a NUL byte, naming the fields."""
    is_api = request.path.startswith(API_PREFIX)
    if is_api:
        from .api import token_user

        if token_user() is None:
            return  # the API answers 401 first; it reads nothing from a stranger
    fields = _fields_with_nul()
    if not fields:
        return
    if is_api:
        reason = _("must not contain a NUL character (\\0)")
        raise ValidationFailed(_("Some fields are not valid."), dict.fromkeys(fields, reason))
    raise ServiceError(
        _(
            "The field “%(field)s” contains a NUL character (\\0), which is not allowed. "
            "Go back, correct it and try again.",
            field=fields[0],
        )
    )


def install(app: Flask) -> None:
    """Check every request of ``app`` before its view (after CSRF and rate limits)."""
    app.before_request(refuse_nul_bytes)
