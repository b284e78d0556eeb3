"""The main navigation, built per request from the user's role."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..policy import Action, can
from . import plugin_slots


@dataclass
class NavItem:
    label: str
    url: str
    active: bool = False


def nav_items() -> list[NavItem]:
    """The entries of the top bar the current user may open."""
    entries = [
        (_("Dashboard"), "dashboard.index", None),
        (_("Prospects"), "prospects.index", None),
        (_("Properties"), "properties.index", None),
        (_("Visits"), "visits.index", None),
        (_("Calendar"), "calendar.index", None),
        (_("Reports"), "reports.index", None),
        (_("Distribution"), "distribution.index", Action.ASSIGN),
        (_("Trash"), "trash.index", Action.RESTORE),
        (_("Users"), "users.index", Action.MANAGE_USERS),
        (_("Agency"), "settings.agency", Action.MANAGE_AGENCY),
        (_("Plugins"), "plugins_admin.index", Action.MANAGE_PLUGINS),
    ]
    items = []
    for label, endpoint, action in entries:
        if action is not None and not can(current_user, action):
            continue
        url = url_for(endpoint)
        active = request.path == url or (url != "/" and request.path.startswith(url))
        items.append(NavItem(label, url, active))
    for label, url in plugin_slots.nav_entries(current_user._get_current_object()):  # type: ignore[attr-defined]
        items.append(NavItem(label, url, request.path == url))
    return items


def register_navigation(app: Flask) -> None:
    """Expose ``nav_items()`` to templates."""
    app.jinja_env.globals["nav_items"] = nav_items
