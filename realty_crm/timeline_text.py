"""The text of a timeline entry, written when it is read: in the reader's language and time zone.

An entry is stored as its kind and its parameters (``Activity.kind`` and ``Activity.data``:
ids, names, references, aware UTC times as ISO strings, status values, field changes).
``summary`` keeps only what a person wrote (a note, a call's summary, a follow-up's title,
a visit's feedback), and the finished text of entries stored before entries had parameters.

The core renders its own kinds here; a plugin renders the entries it wrote (``source`` is
its name) through the ``crm_timeline_texts`` hook. Rendering reads only the entry: no query.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .dates import iso_when
from .labels import label
from .models import ActivityKind
from .money import amount
from .plugin_host import get_host
from .services.assignment import RULE_NAMES

logger = logging.getLogger(__name__)

Render = Callable[[Mapping[str, Any]], str]

# the ``source`` of a plugin's timeline item that does not name its plugin
UNNAMED_SOURCE = "plugin"

# the words for the fields whose changes the timeline lists (prospects' and properties')
FIELD_LABELS: dict[str, Any] = {
    "first_name": _l("First name"),
    "last_name": _l("Last name"),
    "email": _l("E-mail"),
    "phone": _l("Phone"),
    "source": _l("Source"),
    "source_detail": _l("Source detail"),
    "status": _l("Status"),
    "lost_reason": _l("Why lost"),
    "assigned_agent_id": _l("Agent"),
    "marketing_consent": _l("Agrees to receive marketing"),
    "tags": _l("Tags"),
    "notes": _l("Notes"),
    "operation": _l("Operation"),
    "property_types": _l("Property types"),
    "min_price": _l("Minimum price"),
    "max_price": _l("Maximum price"),
    "min_bedrooms": _l("Minimum bedrooms"),
    "min_area_m2": _l("Minimum area (m²)"),
    "areas": _l("Areas"),
    "reference": _l("Reference"),
    "title": _l("Title"),
    "property_type": _l("Type"),
    "price": _l("Price"),
    "description": _l("Description"),
    "address": _l("Address"),
    "city": _l("City"),
    "area": _l("Area"),
    "postcode": _l("Postcode"),
    "bedrooms": _l("Bedrooms"),
    "bathrooms": _l("Bathrooms"),
    "area_m2": _l("Size (m²)"),
    "features": _l("Features"),
    "owner_id": _l("Owner"),
    "listing_agent_id": _l("Listing agent"),
    "occurred_at": _l("When"),
    "direction": _l("Direction"),
    "outcome": _l("Outcome"),
    "duration_seconds": _l("Duration (seconds)"),
    "summary": _l("Summary"),
}

# a visit's step, by the ``event`` of its entries
VISIT_STEPS: dict[str, Any] = {
    "scheduled": _l("Visit booked: %(what)s."),
    "rescheduled": _l("Visit moved: %(what)s."),
    "confirmed": _l("Visit confirmed: %(what)s."),
    "cancelled": _l("Visit cancelled: %(what)s."),
    "done": _l("Visit done: %(what)s."),
    "no_show": _l("No-show: %(what)s."),
}


def field_label(name: str) -> str:
    """The translated word for a prospect's or property's field (else the name, spaced)."""
    return str(FIELD_LABELS.get(name, name.replace("_", " ")))


def _created(data: Mapping[str, Any]) -> str:
    if "reference" in data:
        return _("Property %(ref)s listed.", ref=data["reference"])
    return _("Prospect created (source: %(source)s).", source=label(data["source"]))


def _updated(data: Mapping[str, Any]) -> str:
    return _("Changed %(fields)s.", fields=", ".join(sorted(field_label(f) for f in data["changes"])))


def _assigned(data: Mapping[str, Any]) -> str:
    rule = data.get("rule")
    if data.get("agent_id") is None:
        if rule is None:
            return _("Unassigned.")
        return _("Left unassigned: no agent can take new leads (all inactive or away). Rule: %(rule)s.",
                 rule=RULE_NAMES.get(rule, rule))
    name = data["agent_name"]
    if rule is None:
        return _("Assigned to %(name)s.", name=name)
    if rule == "round_robin":
        return _("Assigned to %(name)s by round robin.", name=name)
    if rule == "by_area":
        return _("Assigned to %(name)s by area (%(areas)s).", name=name, areas=", ".join(data["areas"]))
    if data.get("fallback_from") == "by_area":
        if data.get("areas"):
            return _(
                "Assigned to %(name)s, the agent with the fewest open prospects: no agent covers %(areas)s.",
                name=name, areas=", ".join(data["areas"]),
            )
        return _(
            "Assigned to %(name)s, the agent with the fewest open prospects: the prospect names no area.",
            name=name,
        )
    return _("Assigned to %(name)s, the agent with the fewest open prospects.", name=name)


def _status_changed(data: Mapping[str, Any]) -> str:
    return _("Status %(old)s → %(new)s.", old=label(data["old"]), new=label(data["new"]))


def _price_changed(data: Mapping[str, Any]) -> str:
    currency = data["currency"]
    return _("Price %(old)s → %(new)s.", old=amount(data["old"], currency), new=amount(data["new"], currency))


def _visit(data: Mapping[str, Any]) -> str:
    event = data["event"]
    if event == "feedback":
        if data.get("rating") is None:
            return _("Feedback removed.")
        return _("Rated %(rating)s/5.", rating=data["rating"])
    ref, when = data["reference"], iso_when(data["starts_at"])
    if event == "reassigned":
        name = data["agent_name"]
        return _("Visit handed to %(name)s: %(ref)s on %(when)s.", name=name, ref=ref, when=when)
    what = _("%(ref)s on %(when)s", ref=ref, when=when)
    if event == "scheduled" and data.get("previous_status"):
        return _("Visit back to scheduled: %(what)s.", what=what)
    return str(VISIT_STEPS[event]) % {"what": what}


def _follow_up(data: Mapping[str, Any]) -> str:
    if data["event"] == "done":
        return _("Done: %(title)s", title=data["title"])
    return _("Reopened: %(title)s", title=data["title"])


def _call(data: Mapping[str, Any]) -> str:
    """A correction or deletion of a logged call (the call's own entry shows its facts)."""
    event = data.get("event")
    if event == "corrected":
        return _("Call corrected: %(fields)s.",
                 fields=", ".join(sorted(field_label(f) for f in data["changes"])))
    if event == "deleted":
        return _("Call of %(when)s deleted.", when=iso_when(data["occurred_at"]))
    return ""


def _note(data: Mapping[str, Any]) -> str:
    return _("Imported from the file “%(file)s” (row %(row)s).", file=data["file"], row=data["row"])


def _merged(data: Mapping[str, Any]) -> str:
    return _("Merged a duplicate entry for %(name)s.", name=data["name"])


CORE_TEXTS: dict[str, Render] = {
    ActivityKind.CREATED: _created,
    ActivityKind.UPDATED: _updated,
    ActivityKind.ASSIGNED: _assigned,
    ActivityKind.STATUS_CHANGED: _status_changed,
    ActivityKind.PRICE_CHANGED: _price_changed,
    ActivityKind.VISIT: _visit,
    ActivityKind.CALL: _call,
    ActivityKind.FOLLOW_UP: _follow_up,
    ActivityKind.NOTE: _note,
    ActivityKind.MERGED: _merged,
    ActivityKind.DELETED: lambda data: _("Deleted."),
    ActivityKind.RESTORED: lambda data: _("Restored."),
    ActivityKind.ERASED: lambda data: _("Personal data erased."),
}
# the kinds whose text needs no parameter: shown even when the data is empty
_WITHOUT_PARAMETERS = frozenset({ActivityKind.DELETED, ActivityKind.RESTORED, ActivityKind.ERASED})


def summary(entry: Any) -> str:
    """What ``entry`` (an ``Activity``, or a plugin's item shaped like one) says, for the reader.

    Its stored ``summary`` when it has one (a person's words, or an entry stored before entries
    had parameters); otherwise its kind and data rendered by the core or by the plugin that
    wrote it. An entry whose parameters were erased (with the person's data), or that no
    installed code knows, is "".
    """
    if entry.summary:
        return str(entry.summary)
    kind = getattr(entry.kind, "value", entry.kind)
    if entry.source == "core":
        render = CORE_TEXTS.get(kind)
    else:
        render = get_host().timeline_texts().get((entry.source, kind))
    if render is None or (not entry.data and kind not in _WITHOUT_PARAMETERS):
        return ""
    if entry.source == "core":
        return render(entry.data or {})
    try:
        return str(render(entry.data or {}))
    except Exception:  # a plugin's bug must not take the page down
        logger.exception("plugin %s could not render a %s timeline entry", entry.source, kind)
        return ""


def source_name(source: str) -> str:
    """Who wrote an entry, for the reader: a plugin's title (else the stored name)."""
    if source == UNNAMED_SOURCE:
        return _("plugin")
    info = get_host().infos.get(source)
    return str(info.title) if info is not None else source

