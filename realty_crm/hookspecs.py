"""Every hook a plugin can implement: the plugin author's reference.

A plugin is a module or object registered under the ``realty_crm.plugins`` entry-point
group; its hook functions are marked with ``realty_crm.plugin_api.hookimpl`` (which is
``pluggy.HookimplMarker("realty_crm")``). An implementation may take any subset of a hook's
arguments, by name.

Three families:

* **Declarations** (``crm_plugin_*``, ``crm_register_*``, ``crm_timeline_texts``,
  ``crm_policy_actions``, ``crm_constraint_messages``) are asked once, for every installed
  plugin: what the plugin is, its settings, blueprints, jobs, migrations, the wording of its
  timeline entries, its own permissions and the wording of its own constraint clashes.
  ``crm_plugin_disabled`` and ``crm_prospect_erasing`` are called inside the core's
  transaction, so the plugin's part of the change commits or fails with it.
* **Per-agency queries** (``crm_nav_items``, ``crm_dashboard_widgets``,
  ``crm_timeline_items``, ``crm_busy_intervals``) are asked only of the plugins enabled in
  the agency concerned, while a page is built or a rule is checked.
* **Events** (``crm_prospect_*``, ``crm_enquiry_received``, ``crm_visit_*``,
  ``crm_call_logged``, ``crm_property_*``) are called after the change is committed, only
  for the plugins enabled in the agency the record belongs to, with the ORM objects as
  keyword arguments plus ``agency`` and ``actor`` (the user who made the change, or None
  for the system). Their return value is
  ignored. A plugin that raises is logged and shown to the agency's admin; the core action
  has already succeeded and is never undone.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pluggy

hookspec = pluggy.HookspecMarker("realty_crm")


# --- declarations: asked once, at start-up ------------------------------------------


@hookspec(firstresult=True)
def crm_plugin_info() -> Any:
    """Describe the plugin: return a ``realty_crm.plugin_api.PluginInfo`` (name, title,
    description, version, settings model). Called once per plugin at start-up; a plugin
    without it is listed under its entry-point name with no settings."""


@hookspec
def crm_register_blueprints(app: Any) -> Any:
    """Return a list of Flask blueprints to register (pages, public routes, static files).

    Called once at start-up. For a signed-in user the blueprint's views answer 404 when the
    plugin is disabled in the user's agency. A blueprint of public pages (a form, a feed) is
    marked with ``public_blueprint(blueprint)`` to skip that check: its views find their agency
    themselves and ask ``plugin_enabled(agency, name)``. Templates under the
    blueprint's ``template_folder`` are found as ``<plugin>/<name>.html`` and can be
    overridden by a file of that path in the app's ``templates/`` folder."""


@hookspec
def crm_register_jobs() -> Any:
    """Return a list of ``realty_crm.plugin_api.JobSpec`` (id, function, trigger arguments).

    Called once when the scheduler starts. A job whose spec says ``per_agency=True`` runs
    once per agency where the plugin is enabled, as ``func(agency)`` inside an app context
    scoped to that agency; otherwise once, as ``func()``, with no agency in scope. A job that
    reads then writes calls ``realty_crm.plugin_api.begin_write()`` first, as services do."""


@hookspec
def crm_migrations_directory() -> Any:
    """Return the path of the plugin's Alembic versions folder (its own branch, labelled
    with the plugin's name), or None. ``realty-crm init`` upgrades every branch."""


@hookspec
def crm_timeline_texts() -> Any:
    """Return ``{kind: render}``: how to word the timeline entries the plugin writes.

    A plugin that records entries (``activity.record(..., source=<plugin name>)``, or a
    service that takes a ``source``) stores their kind and parameters in ``data``, not text;
    the entry is worded when someone reads it, by ``render(data) -> str`` for the entry's
    kind value. ``render`` runs inside the reader's request: ``gettext`` and Flask-Babel's
    formatting speak the reader's language and time zone (keep times in ``data`` as aware
    UTC ISO strings). Asked once, of every installed plugin, whether enabled or not; it must
    not query the database. An entry no plugin renders shows no text."""


@hookspec
def crm_plugin_disabled(agency: Any) -> Any:
    """End what must not outlive the plugin in ``agency`` (secret URLs, tokens it issued), so
    that enabling it again revives none of them.

    Called only on the plugin being disabled, inside the transaction that disables it (before
    the commit, with ``agency`` in scope): what it writes is committed with the change, and if
    it raises, nothing is disabled and the error reaches the admin. Returns nothing."""


@hookspec
def crm_policy_actions() -> Any:
    """Return ``{action: roles}``: the plugin's own permissions, each allowed to the roles
    given (``realty_crm.plugin_api.Role`` values) whatever the record, in every agency.

    Asked once, at start-up. Each action is named ``"<plugin name>.<action>"`` (e.g.
    ``"marketing_forms.manage"``), so it cannot clash with the core's or another plugin's;
    a plugin declaring another name, or a role that does not exist, is refused at start-up.
    Then ``realty_crm.plugin_api.can(user, "marketing_forms.manage")`` and ``require`` answer
    for it (templates call ``can`` too). An action nobody declared is denied to every role,
    and so is any record of a type the core has no rule for."""


@hookspec
def crm_constraint_messages() -> Any:
    """Return ``{constraint name: (field, message)}``: what to answer when a write breaks one
    of the plugin's unique constraints (two requests creating the same slug at once, both past
    the service's own check). ``message`` is best a ``lazy_gettext`` string.

    Asked once, at start-up. ``realty_crm.plugin_api.commit`` (and the core's own flushes) then
    refuse with ``Conflict`` (409) naming ``field`` instead of "The change breaks a data rule.".
    Name a unique constraint ``uq_<table>_<columns>`` (as SQLite reports the columns, not the
    name, the last column is matched there). The core's own constraints keep the core's words;
    a name another plugin already declared is refused at start-up."""


@hookspec
def crm_prospect_erasing(prospect: Any, agency: Any, actor: Any) -> None:
    """Erase what the plugin holds about ``prospect`` (GDPR erasure): overwrite or delete the
    personal data it stored about the person, keep anonymous counts.

    Called inside the erasure's transaction, with ``agency`` in scope, on every installed
    plugin, enabled in the agency or not: a plugin switched off still holds the data it
    gathered, and the erasure must be complete. What it writes commits with the erasure; if
    it raises, nothing is erased, the admin hears that the erasure failed, and the error is
    recorded for the plugin. Returns nothing."""


# --- per-agency queries: asked of the plugins enabled in that agency --------------------


@hookspec
def crm_nav_items(user: Any, agency: Any) -> Any:
    """Return navigation entries for the top bar: a list of ``(label, url)`` pairs.

    Called while rendering every signed-in page, with the current user and their agency."""


@hookspec
def crm_dashboard_widgets(user: Any, agency: Any) -> Any:
    """Return dashboard widgets: a list of ``realty_crm.plugin_api.Widget`` (title and
    rendered, escaped HTML as ``markupsafe.Markup``). Called when ``user`` opens the
    dashboard."""


@hookspec
def crm_timeline_items(prospect: Any, agency: Any) -> Any:
    """Return extra entries for a prospect's timeline: a list of
    ``realty_crm.plugin_api.TimelineItem`` (occurred_at, kind, summary, source). Called when the
    prospect's page or its API timeline is built."""


@hookspec
def crm_busy_intervals(agent: Any, starts_at: datetime, ends_at: datetime, agency: Any) -> Any:
    """Return the agent's busy time overlapping ``[starts_at, ends_at)`` from an outside
    source: a list of ``(start, end, label)`` with aware datetimes. Called inside the
    booking transaction; a visit that overlaps any interval is refused as a double booking."""


# --- events: called after the commit, for the record's agency ---------------------------


@hookspec
def crm_prospect_created(prospect: Any, agency: Any, actor: Any) -> None:
    """A prospect was created (from a page, the API, an import or a form)."""


@hookspec
def crm_enquiry_received(
    prospect: Any, created: bool, details: dict[str, Any], agency: Any, actor: Any
) -> None:
    """A lead came in from outside the agency (a public enquiry form): ``prospect`` is new
    (``created``) or the existing record it was merged into; ``details`` are the enquiry's
    own facts (for a form: ``form_id``, ``form_name``, ``submission_id``, ``message``,
    ``property_reference`` and the ``utm_*`` campaign fields). ``actor`` is None. An
    autoresponder listens here."""


@hookspec
def crm_prospect_assigned(prospect: Any, agent: Any, previous_agent: Any, agency: Any, actor: Any) -> None:
    """A prospect was given to ``agent`` (None: back to the unassigned pool); ``previous_agent``
    held it before (or None)."""


@hookspec
def crm_prospect_status_changed(prospect: Any, old: str, new: str, agency: Any, actor: Any) -> None:
    """A prospect's status moved from ``old`` to ``new`` (status values of SPEC §1)."""


@hookspec
def crm_visit_scheduled(visit: Any, agency: Any, actor: Any) -> None:
    """A visit was booked."""


@hookspec
def crm_visit_rescheduled(visit: Any, old_starts_at: datetime, agency: Any, actor: Any) -> None:
    """A visit was moved (time or agent); ``old_starts_at`` is where it stood before."""


@hookspec
def crm_visit_confirmed(visit: Any, agency: Any, actor: Any) -> None:
    """A visit was confirmed with the prospect."""


@hookspec
def crm_visit_cancelled(visit: Any, agency: Any, actor: Any) -> None:
    """A visit was cancelled; ``visit.cancel_reason`` says why."""


@hookspec
def crm_visit_completed(visit: Any, agency: Any, actor: Any) -> None:
    """A visit was marked done (``visit.feedback`` and ``visit.rating`` may be set)."""


@hookspec
def crm_call_logged(call: Any, agency: Any, actor: Any) -> None:
    """A call with a prospect was logged."""


@hookspec
def crm_property_published(property: Any, agency: Any, actor: Any) -> None:
    """A property became available on the market for the first time."""


@hookspec
def crm_property_price_changed(property: Any, old_price: Any, agency: Any, actor: Any) -> None:
    """A property's price changed; ``old_price`` is the previous ``Decimal``."""
