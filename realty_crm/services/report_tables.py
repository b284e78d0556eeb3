"""Reports as spreadsheet tables (CSV / XLSX downloads): a header row and plain rows.

Headers and names of stages and sources are in the user's language; figures stay numbers
(percentages as 62.5, speed to lead in hours) so a spreadsheet can compute with them.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import pgettext

from ..labels import label
from ..models import ProspectStatus
from ..schemas.report import AgentsReport, PipelineReport, PropertiesReport, Report, SourcesReport

Table = tuple[list[str], list[list[Any]]]


def hours(seconds: int | None) -> float | None:
    """Seconds as hours with two decimals (None stays None)."""
    return None if seconds is None else round(seconds / 3600, 2)


def _pipeline(report: PipelineReport) -> Table:
    headers = [_("Stage"), _("Prospects now"), _("Reached"), _("Conversion from the previous stage (%)"),
               _("Lost after this stage")]
    rows: list[list[Any]] = [
        [label(row.stage), row.prospects, row.reached, row.conversion, row.lost_after] for row in report.items
    ]
    rows.append([label(ProspectStatus.LOST), report.totals.lost, None, None, None])
    return headers, rows


def _sources(report: SourcesReport) -> Table:
    won = pgettext("prospect counts", "Won")
    headers = [_("Source"), _("Prospects"), _("With a visit"), won, _("Conversion (%)")]
    rows = [
        [label(row.source), row.prospects, row.with_visit, row.won, row.conversion] for row in report.items
    ]
    return headers, rows


def _agents(report: AgentsReport) -> Table:
    headers = [_("Agent"), _("Leads"), _("Calls"), _("Visits done"), _("Visits"), _("Wins"),
               _("Leads contacted"), _("Median speed to lead (hours)")]
    rows = [
        [row.name, row.leads, row.calls, row.visits_done, row.visits, row.wins, row.contacted,
         hours(row.median_speed_to_lead)]
        for row in report.items
    ]
    return headers, rows


def _properties(report: PropertiesReport) -> Table:
    headers = [_("Reference"), _("Title"), _("Visits done"), _("Visits"), _("Average rating"), _("Ratings")]
    rows = [
        [row.reference, row.title, row.visits_done, row.visits, row.average_rating, row.ratings]
        for row in report.items
    ]
    return headers, rows


def table(report: Report) -> Table:
    """The report's header row and rows."""
    if isinstance(report, PipelineReport):
        return _pipeline(report)
    if isinstance(report, SourcesReport):
        return _sources(report)
    if isinstance(report, AgentsReport):
        return _agents(report)
    return _properties(report)


def stem(report: Report) -> str:
    """The download's file name without extension: the report and its period."""
    return f"{report.report}_{report.filters.from_.isoformat()}_{report.filters.to.isoformat()}"
