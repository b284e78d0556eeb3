"""Reports: ``GET /api/v1/reports/<name>`` as JSON and ``/reports/<name>.csv|.xlsx`` (SPEC §4, §6).

One route per report and format, like the exports: an unknown report or format is a 404 and
each route documents its own answer. All take ``from``, ``to`` (days in the agency's time
zone, default the last 90 days) and ``agent_id``; an agent always gets their own figures.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify
from pydantic import BaseModel
from werkzeug.wrappers import Response

from ...downloads import download
from ...schemas.report import AgentsReport, PipelineReport, PropertiesReport, ReportQuery, SourcesReport
from ...services import report_tables, reports, tabular
from .. import blueprint
from ..spec import operation
from .common import caller

MEDIA_TYPES = {"csv": tabular.CSV_MIMETYPE, "xlsx": tabular.XLSX_MIMETYPE}

# name -> (its answer, what it tells)
REPORTS: dict[str, tuple[type[BaseModel], str]] = {
    "pipeline": (
        PipelineReport,
        "Prospects created in the period by stage (new → contacted → qualified → visiting → offer → "
        "won): ``prospects`` there now, ``reached`` (at that stage or past it; a lost prospect counts "
        "up to the furthest stage its timeline shows), ``conversion`` from the previous stage in %, "
        "and ``lost_after`` (lost prospects whose furthest stage it was).",
    ),
    "sources": (
        SourcesReport,
        "Per lead source, prospects created in the period, those with a visit that was not "
        "cancelled, those won, and ``conversion`` (won / prospects, in %); most prospects first.",
    ),
    "agents": (
        AgentsReport,
        "Per agent: calls logged and visits (done / not cancelled) in the period; of the prospects "
        "created in the period and assigned to the agent, ``leads``, ``wins``, ``contacted`` and the "
        "``median_speed_to_lead`` in seconds (creation to first answered call).",
    ),
    "properties": (
        PropertiesReport,
        "Per property, visits starting in the period (done / not cancelled) and the "
        "``average_rating`` (1-5) of the done ones; best rated first, then most visited.",
    ),
}


def _report(name: str, query: ReportQuery) -> Any:
    actor = caller()
    return reports.run(actor, name, reports.resolve(actor, query))


def _register(name: str) -> None:
    answer, what = REPORTS[name]

    def view(query: ReportQuery) -> Any:
        return jsonify(_report(name, query).model_dump(mode="json", by_alias=True))

    view.__name__ = f"report_{name}"
    view.__doc__ = (
        f"{what} An agent's ``agent_id`` is always their own. 422 when a date is not a day "
        "(YYYY-MM-DD) or 'from' is after 'to'."
    )
    rule = f"/reports/{name}"
    documented = operation(rule, "GET", summary=f"The {name} report", tag="reports", query=ReportQuery,
                           response=answer)(view)
    blueprint.add_url_rule(rule, endpoint=view.__name__, view_func=documented, methods=["GET"])

    for fmt in tabular.FORMATS:
        _register_download(name, fmt)


def _register_download(name: str, fmt: str) -> None:
    def view(query: ReportQuery) -> Response:
        report = _report(name, query)
        headers, rows = report_tables.table(report)
        return download(tabular.table_file(report_tables.stem(report), fmt, headers, lambda: rows))

    view.__name__ = f"report_{name}_{fmt}"
    view.__doc__ = (
        f"The {name} report as {fmt.upper()}: the rows of the JSON report with headers in the caller's "
        "language; percentages as numbers, speed to lead in hours."
    )
    rule = f"/reports/{name}.{fmt}"
    documented = operation(rule, "GET", summary=f"The {name} report as {fmt.upper()}", tag="reports",
                           query=ReportQuery, content_type=MEDIA_TYPES[fmt])(view)
    blueprint.add_url_rule(rule, endpoint=view.__name__, view_func=documented, methods=["GET"])


for _name in reports.REPORTS:
    _register(_name)
