"""Visit debriefs, a realty-crm plugin: the feedback an agent owes after a viewing.

When a visit is marked done (or logged after the fact) without feedback, its agent owes a
debrief. It waits on their dashboard and on the plugin's page until they write it there (or
on the visit's page), or until an answered call with the prospect after the visit is logged;
a nightly job gives up on debriefs owed for too long.

This module is the plugin: ``pyproject.toml`` registers it under the ``realty_crm.plugins``
entry point as ``visit_notes``, and realty-crm calls the functions marked ``@hookimpl``
below, only for the agencies whose admin enabled the plugin.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from realty_crm.plugin_api import Agency, Call, JobSpec, PluginInfo, User, Visit, Widget, hookimpl

from . import debriefs
from .settings import NAME, Settings
from .views import create_blueprint

__version__ = "1.0.0"

WIDGET_ROWS = 5


# --- declarations ---------------------------------------------------------------------


@hookimpl
def crm_plugin_info() -> PluginInfo:
    """Who the plugin is, and its settings model."""
    return PluginInfo(
        name=NAME,
        title=_l("Visit debriefs"),
        description=_l(
            "Agents owe a debrief after each visit done without feedback: listed on their "
            "dashboard until they write it down or phone the prospect."
        ),
        version=__version__,
        settings=Settings,
    )


@hookimpl
def crm_register_blueprints() -> list[Any]:
    """The plugin's page under /visit-notes."""
    return [create_blueprint()]


@hookimpl
def crm_register_jobs() -> list[JobSpec]:
    """Every night, in each agency with the plugin, give up on debriefs owed too long."""
    return [
        JobSpec(
            id="expire_stale_debriefs",
            func=debriefs.expire_stale,
            trigger="cron",
            trigger_args={"hour": 4, "minute": 5},
            per_agency=True,
            description="Close the debriefs owed for longer than the agency's expire_after_days",
        )
    ]


@hookimpl
def crm_migrations_directory() -> Path:
    """The plugin's own Alembic branch, labelled ``visit_notes``."""
    return Path(__file__).resolve().parent / "migrations" / "versions"


# --- events ---------------------------------------------------------------------------


@hookimpl
def crm_visit_completed(visit: Visit, agency: Agency) -> None:
    """A visit marked done without enough feedback: its agent owes a debrief."""
    debriefs.owe(visit, agency)


@hookimpl
def crm_visit_scheduled(visit: Visit, agency: Agency) -> None:
    """A visit logged after it happened (booked as done) owes a debrief just the same."""
    debriefs.owe(visit, agency)


@hookimpl
def crm_call_logged(call: Call, agency: Agency) -> None:
    """An answered call with the prospect after a visit settles that visit's debrief."""
    debriefs.resolve_by_call(call, agency)


# --- per-agency queries ---------------------------------------------------------------


@hookimpl
def crm_nav_items(user: User) -> list[tuple[str, str]]:
    """A "Debriefs" entry in the top bar."""
    return [(_("Debriefs"), url_for(f"{NAME}.page"))]


@hookimpl
def crm_dashboard_widgets(user: User) -> list[Widget]:
    """The debriefs the user may see that are still owed; nothing when none is."""
    results = debriefs.owed_debriefs(user, per_page=WIDGET_ROWS)
    if not results.total:
        return []
    html = render_template(
        f"{NAME}/widget.html", results=results, overdue=debriefs.count_overdue(user)
    )
    return [Widget(title=_("Debriefs owed"), html=Markup(html))]
