"""What the plugins enabled in the user's agency add to the pages: top-bar entries and
dashboard widgets (per-agency query hooks; their timeline items: ``services.timeline``).

Every call goes through ``plugin_host.get_host().call``: only the agency's enabled plugins
are asked, each in isolation, so one that raises is recorded for the admin and simply
contributes nothing. What a plugin returns is checked here before a page shows it.
"""

from __future__ import annotations

import logging
from typing import Any

from ..models import Agency, User
from ..plugin_host import Widget, get_host

logger = logging.getLogger(__name__)


def _ask(agency: Agency, hook: str, **kwargs: Any) -> list[Any]:
    host = get_host()
    if not host.enabled(agency):
        return []  # the common case costs no hook call at all
    return host.call(agency, hook, **kwargs)


def _safe_url(url: Any) -> bool:
    """A link a plugin may put in the top bar: a path of this site or an http(s) address."""
    if not isinstance(url, str):
        return False
    if url.startswith("/"):
        return not url.startswith("//") and "\\" not in url
    return url.startswith(("https://", "http://"))


def nav_entries(user: User) -> list[tuple[str, str]]:
    """``(label, url)`` pairs the agency's plugins add to the top bar for ``user``."""
    entries = []
    for entry in _ask(user.agency, "crm_nav_items", user=user):
        if isinstance(entry, tuple | list) and len(entry) == 2 and _safe_url(entry[1]) and entry[0]:
            entries.append((str(entry[0]), entry[1]))
        else:
            logger.warning("ignored a navigation entry of a plugin: %r", entry)
    return entries


def dashboard_widgets(user: User) -> list[Widget]:
    """The widgets the agency's plugins show at the end of ``user``'s dashboard."""
    widgets = []
    for widget in _ask(user.agency, "crm_dashboard_widgets", user=user):
        if isinstance(widget, Widget):
            widgets.append(widget)
        else:
            logger.warning("ignored a dashboard widget of a plugin: %r", widget)
    return widgets
