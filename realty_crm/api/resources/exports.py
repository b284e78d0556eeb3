"""Exports: ``GET /api/v1/exports/<kind>.csv`` and ``.xlsx`` (SPEC §4).

Each kind takes the filters of its list (the same query models, without paging) and answers
every row the caller may see, streamed. One route per kind and format, so that an unknown
kind or format is a 404 and each route documents its own filters and media type.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.json_schema import SkipJsonSchema
from werkzeug.wrappers import Response

from ...downloads import download
from ...models import User
from ...services import exports, search, tabular
from .. import blueprint
from ..spec import operation
from .calls import CallQuery, call_filters
from .common import ListQuery, caller
from .properties import PropertyQuery
from .prospects import ProspectQuery
from .visits import VisitQuery, visit_filters

MEDIA_TYPES = {"csv": tabular.CSV_MIMETYPE, "xlsx": tabular.XLSX_MIMETYPE}


class Unpaged(ListQuery):
    """An export has every row: ``page`` and ``per_page`` are ignored like unknown parameters."""

    page: SkipJsonSchema[Any] = None
    per_page: SkipJsonSchema[Any] = None


class ProspectExportQuery(Unpaged, ProspectQuery):
    """The prospect list's filters; deleted prospects are never exported."""

    deleted: SkipJsonSchema[Literal[False]] = False


class PropertyExportQuery(Unpaged, PropertyQuery):
    """The property search's filters; deleted properties are never exported."""

    deleted: SkipJsonSchema[Literal[False]] = False


class VisitExportQuery(Unpaged, VisitQuery):
    """The visit list's filters."""


class CallExportQuery(Unpaged, CallQuery):
    """The call log's filters."""


def _same_named(filters: type[Any], query: BaseModel) -> Any:
    """The list filters dataclass filled from the query fields of the same name."""
    names = [f.name for f in fields(filters) if f.name in type(query).model_fields]
    return filters(**{name: getattr(query, name) for name in names})


def _prospects(actor: User, query: ProspectExportQuery) -> exports.Export:
    return exports.prospects(actor, _same_named(search.ProspectFilters, query))


def _properties(actor: User, query: PropertyExportQuery) -> exports.Export:
    return exports.properties(actor, _same_named(search.PropertyFilters, query))


def _visits(actor: User, query: VisitExportQuery) -> exports.Export:
    return exports.visits(actor, visit_filters(query))


def _calls(actor: User, query: CallExportQuery) -> exports.Export:
    return exports.calls(actor, call_filters(query))


# kind -> (its query model, the export it makes, what the caller gets)
KINDS: dict[str, tuple[type[BaseModel], Callable[[User, Any], exports.Export], str]] = {
    "prospects": (
        ProspectExportQuery, _prospects,
        "The prospects the caller may see (an agent: assigned to them, and the unassigned pool if "
        "allowed), filtered and sorted as ``GET /prospects``.",
    ),
    "properties": (
        PropertyExportQuery, _properties,
        "The agency's properties, filtered and sorted as ``GET /properties``.",
    ),
    "visits": (
        VisitExportQuery, _visits,
        "The visits the caller may see (an agent: their own), filtered and sorted as ``GET /visits``.",
    ),
    "calls": (
        CallExportQuery, _calls,
        "The calls the caller may see (an agent: their own), filtered and sorted as ``GET /calls``.",
    ),
}

FORMAT_NOTES = {
    "csv": "UTF-8 CSV with a byte order mark, streamed as it is read; times ISO 8601 with their offset; "
           "a text cell that a spreadsheet would run as a formula starts with an apostrophe.",
    "xlsx": "One XLSX worksheet: numbers as number cells, times as date cells, text as text cells "
            "(never formulas, so without an apostrophe).",
}


def _register(kind: str, fmt: str) -> None:
    query_model, build, what = KINDS[kind]

    def view(query: Any) -> Response:
        export = build(caller(), query)
        return download(tabular.table_file(export.stem, fmt, export.headers, export.rows))

    view.__name__ = f"export_{kind}_{fmt}"
    view.__doc__ = (
        f"{what} {FORMAT_NOTES[fmt]} Headers and choices are in the caller's language; times are in "
        "the agency's zone."
    )
    rule = f"/exports/{kind}.{fmt}"
    documented = operation(
        rule, "GET", summary=f"Export {kind} as {fmt.upper()}", tag="exports",
        query=query_model, content_type=MEDIA_TYPES[fmt],
    )(view)
    blueprint.add_url_rule(rule, endpoint=view.__name__, view_func=documented, methods=["GET"])


for _kind in exports.KINDS:
    for _fmt in tabular.FORMATS:
        _register(_kind, _fmt)
