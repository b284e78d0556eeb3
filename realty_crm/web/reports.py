"""Reports: the pipeline, lead sources, agent figures and visits per property for a period,
each as a chart with its table beside it, and each downloadable as CSV or XLSX.

Every role opens the page; an agent sees only their own figures (the service sees to it).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from babel.numbers import format_percent
from flask import Blueprint, abort, render_template, request
from flask_babel import format_decimal, get_locale, ngettext, pgettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response
from wtforms.validators import Optional

from .. import downloads
from ..errors import ValidationFailed
from ..models import User
from ..policy import Action, can
from ..schemas.report import AgentsReport, PipelineReport, PropertiesReport, SourcesReport
from ..services import report_tables, reports, tabular
from ..services.reports import ReportFilters
from . import charts
from .common import actor, guard
from .formatting import label
from .forms import (
    DayField,
    RecordSelectField,
    SearchForm,
    apply_service_error,
    invalid_filters_dropped,
    user_choices,
)

blueprint = Blueprint("reports", __name__, url_prefix="/reports")
guard(blueprint)

# the rows of the property table and bars of its chart on the page (downloads have them all)
PROPERTY_ROWS = 50
PROPERTY_BARS = 15
# the service's field names -> the form's
ALIASES = {"from": "date_from", "to": "date_to"}


class ReportFilterForm(SearchForm):
    """The period and agent filters of a report page, read from the query string."""

    date_from = DayField(_l("From"), validators=[Optional()])
    date_to = DayField(_l("To"), validators=[Optional()])
    agent_id = RecordSelectField(_l("Agent"))


def percent(value: float | None) -> str:
    """A percentage (62.5) rounded to one decimal as the user's language writes it ("62.5%",
    "62,5 %"); a dash for none. Decimal arithmetic, so 93.9 stays 93.9 (not 93.90000000000001)."""
    if value is None:
        return "—"
    share = Decimal(str(round(value, 1))) / 100
    return format_percent(share, locale=get_locale(), decimal_quantization=False)


def speed(seconds: int | None) -> str:
    """A speed to lead in minutes, hours or days, whichever reads best; a dash for none."""
    if seconds is None:
        return "—"
    if seconds < 3600:
        return _("%(n)s min", n=format_decimal(round(seconds / 60)))
    if seconds < 48 * 3600:
        return _("%(n)s h", n=format_decimal(round(seconds / 3600, 1)))
    return _("%(n)s d", n=format_decimal(round(seconds / 86400, 1)))


def rating(value: float | None) -> str:
    """An average rating out of 5; a dash for none."""
    return "—" if value is None else _("%(n)s of 5", n=format_decimal(value))


def _form(user: User) -> ReportFilterForm:
    form = ReportFilterForm(request.args)
    if can(user, Action.VIEW_ALL_REPORTS):
        form.agent_id.choices = user_choices(active_only=False, blank=_l("Everyone"))
    else:
        del form.agent_id
    return form


def page_filters(user: User, form: ReportFilterForm) -> ReportFilters:
    """The filters of a page: what parsed, the defaults for the rest (errors stay on the form).
    A page without an agent choice deletes the form's ``agent_id`` first."""
    invalid_filters_dropped(form)
    data = {
        "from": form.date_from.data,
        "to": form.date_to.data,
        "agent_id": form.agent_id.data if "agent_id" in form else None,
    }
    try:
        filters = reports.parse_filters(user, data)
    except ValidationFailed as exc:
        apply_service_error(form, exc, ALIASES)
        filters = reports.parse_filters(user, {})
    # show the period in use where nothing was typed (what was typed stays, errors and all)
    for field, day in ((form.date_from, filters.date_from), (form.date_to, filters.date_to)):
        if not "".join(field.raw_data or []).strip():
            field.data = day
    return filters


def _pipeline_chart(report: PipelineReport) -> Any:
    steps = [
        charts.Step(label(row.stage), row.reached, format_decimal(row.reached),
                    percent(row.conversion) if row.conversion is not None else "")
        for row in report.items
    ]
    totals = report.totals
    description = _(
        "%(prospects)s, %(won)s, %(lost)s.",
        prospects=ngettext("%(num)s prospect", "%(num)s prospects", totals.prospects),
        won=ngettext("%(num)s won", "%(num)s won", totals.won),
        lost=ngettext("%(num)s lost", "%(num)s lost", totals.lost),
    )
    return charts.funnel("chart-pipeline", _("Prospects reaching each stage"), steps, description)


def _sources_chart(report: SourcesReport) -> Any:
    rows = report.items
    series = [
        charts.Series(_("Prospects"), [row.prospects for row in rows]),
        charts.Series(_("With a visit"), [row.with_visit for row in rows]),
        charts.Series(pgettext("prospect counts", "Won"), [row.won for row in rows]),
    ]
    return charts.bar_chart("chart-sources", _("Prospects, visits and wins per source"),
                            [label(row.source) for row in rows], series,
                            ngettext("%(num)s source; the table lists the figures.",
                                     "%(num)s sources; the table lists the figures.", len(rows)))


def _agent_charts(report: AgentsReport) -> list[Any]:
    rows = report.items
    names = [row.name for row in rows]
    activity = [
        charts.Series(_("Calls"), [row.calls for row in rows]),
        charts.Series(_("Visits done"), [row.visits_done for row in rows]),
        charts.Series(_("Wins"), [row.wins for row in rows]),
    ]
    timed = [row for row in rows if row.median_speed_to_lead is not None]
    speeds = charts.Series(
        _("Median speed to lead"),
        [report_tables.hours(row.median_speed_to_lead) or 0 for row in timed],
        [speed(row.median_speed_to_lead) for row in timed],
    )
    description = ngettext("%(num)s agent; the table lists the figures.",
                           "%(num)s agents; the table lists the figures.", len(rows))
    result = [charts.bar_chart("chart-agents", _("Calls, visits done and wins per agent"), names, activity,
                               description)]
    if timed:
        result.append(charts.bar_chart(
            "chart-speed", _("Median speed to lead per agent"), [row.name for row in timed], [speeds],
            _("Time from a lead's creation to its first answered call; shorter is better."),
        ))
    return result


def _properties_chart(report: PropertiesReport) -> Any:
    rows = report.items[:PROPERTY_BARS]
    series = [
        charts.Series(_("Visits"), [row.visits for row in rows]),
        charts.Series(_("Visits done"), [row.visits_done for row in rows]),
    ]
    return charts.bar_chart("chart-properties", _("Visits per property, best rated first"),
                            [row.reference for row in rows], series,
                            ngettext("%(num)s property, best rated first.",
                                     "%(num)s properties, best rated first.", len(rows)))


@blueprint.get("")
def index() -> str:
    """The four reports for the period (and agent) of the filter form."""
    user = actor()
    form = _form(user)
    filters = page_filters(user, form)
    pipeline = reports.pipeline(user, filters)
    sources = reports.sources(user, filters)
    agents = reports.agents(user, filters)
    properties = reports.properties(user, filters, limit=PROPERTY_ROWS)
    args = {"date_from": filters.date_from.isoformat(), "date_to": filters.date_to.isoformat()}
    if "agent_id" in form and filters.agent_id is not None:
        args["agent_id"] = str(filters.agent_id)
    return render_template(
        "reports/index.html",
        form=form,
        filters=filters,
        staff=can(user, Action.VIEW_ALL_REPORTS),
        pipeline=pipeline,
        sources=sources,
        agents=agents,
        properties=properties,
        charts={
            "pipeline": [_pipeline_chart(pipeline)],
            "sources": [_sources_chart(sources)] if sources.items else [],
            "agents": _agent_charts(agents) if agents.items else [],
            "properties": [_properties_chart(properties)] if properties.items else [],
        },
        download_args=args,
        formats=tabular.FORMATS,
        percent=percent,
        speed=speed,
        rating=rating,
    )


@blueprint.get("/<name>.<fmt>")
def download(name: str, fmt: str) -> Response:
    """One report as CSV or XLSX, for the same filters as the page (bad filters: 422)."""
    if name not in reports.REPORTS or fmt not in tabular.FORMATS:
        abort(404)
    user = actor()
    data = {"from": request.args.get("date_from"), "to": request.args.get("date_to"),
            "agent_id": request.args.get("agent_id")}
    report = reports.run(user, name, reports.parse_filters(user, data))
    headers, rows = report_tables.table(report)
    return downloads.download(tabular.table_file(report_tables.stem(report), fmt, headers, lambda: rows))
