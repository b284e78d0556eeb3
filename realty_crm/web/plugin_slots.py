"""What the plugins enabled in the user's agency add to the pages: top-bar entries,
dashboard widgets and prospect timeline entries (the per-agency query hooks).

Every call goes through ``plugin_host.get_host().call``: only the agency's enabled plugins
are asked, each in isolation, so one that raises is recorded for the admin and simply
contributes nothing. What a plugin returns is checked here before a page shows it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from flask_babel import gettext as _

from ..models import Agency, Prospect, User
from ..plugin_host import TimelineItem, Widget, get_host

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


class PluginKind(str):
    """A plugin's timeline kind, shaped like the core's ``ActivityKind`` for the template."""

    @property
    def value(self) -> str:
        return str(self)


@dataclass
class PluginTimelineEntry:
    """A plugin's ``TimelineItem`` shaped like an ``Activity`` for the timeline template."""

    occurred_at: datetime
    kind: PluginKind
    summary: str
    source: str
    actor: None = None
    data: dict[str, Any] = field(default_factory=dict)


def _entry(item: TimelineItem) -> PluginTimelineEntry:
    when = item.occurred_at
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)  # the hook asks for UTC; a naive time is taken as such
    return PluginTimelineEntry(
        occurred_at=when.astimezone(UTC),
        kind=PluginKind(item.kind or "plugin"),
        summary=str(item.summary),
        source=item.source or _("plugin"),
    )


def with_plugin_items(entries: Sequence[Any], prospect: Prospect, agency: Agency, limit: int) -> list[Any]:
    """``entries`` (the prospect's timeline, newest first) with the items of the plugins
    enabled in ``agency`` (the prospect's) merged in by time, cut to ``limit``."""
    extra = []
    for item in _ask(agency, "crm_timeline_items", prospect=prospect):
        if isinstance(item, TimelineItem) and isinstance(item.occurred_at, datetime):
            extra.append(_entry(item))
        else:
            logger.warning("ignored a timeline item of a plugin: %r", item)
    if not extra:
        return list(entries)
    merged = sorted([*entries, *extra], key=lambda e: e.occurred_at, reverse=True)
    return merged[:limit]
