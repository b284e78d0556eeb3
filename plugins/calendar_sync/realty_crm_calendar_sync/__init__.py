"""Calendar sync, a first-party realty-crm plugin: secret iCalendar feeds of visits.

Each user can create a secret, revocable feed URL of their visits (``/calendar/<secret>.ics``),
and managers and admins a team feed of every agent's visits, to subscribe to from Google
Calendar, Outlook or Apple Calendar. ``pyproject.toml`` registers this module under the
``realty_crm.plugins`` entry point as ``calendar_sync``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from realty_crm.plugin_api import Agency, PluginInfo, User, hookimpl

from . import (
    feeds,
    models,  # noqa: F401 - the table is known once the plugin is loaded
)
from .settings import NAME, Settings
from .views import create_blueprint, create_feed_blueprint

__version__ = "0.1.0"


@hookimpl
def crm_plugin_info() -> PluginInfo:
    """Who the plugin is, and its settings model."""
    return PluginInfo(
        name=NAME,
        title=_l("Calendar sync"),
        description=_l(
            "Secret, revocable calendar feeds of each agent's visits (and a team feed for "
            "managers), for Google Calendar, Outlook or Apple Calendar."
        ),
        version=__version__,
        settings=Settings,
    )


@hookimpl
def crm_register_blueprints() -> list[Any]:
    """The feeds page under /calendar-sync and the public feed under /calendar."""
    return [create_blueprint(), create_feed_blueprint()]


@hookimpl
def crm_migrations_directory() -> Path:
    """The plugin's own Alembic branch, labelled ``calendar_sync``."""
    return Path(__file__).resolve().parent / "migrations" / "versions"


@hookimpl
def crm_plugin_disabled(agency: Agency) -> None:
    """Disabled in ``agency``: revoke every feed URL issued there, so that enabling the plugin
    again revives none of them (users create new ones)."""
    feeds.revoke_all(agency)


@hookimpl
def crm_nav_items(user: User) -> list[tuple[str, str]]:
    """A "Calendar feeds" entry in the top bar."""
    return [(_("Calendar feeds"), url_for(f"{NAME}.page"))]
