"""What a plugin's tests do to the CRM around the plugin, and what the plugin itself has no call to.

A plugin's code imports realty-crm from ``realty_crm.plugin_api`` only; its tests may also use
``realty_crm.testing``, and from here: switch the plugin on and off in an agency and store its
settings (as an admin would), ask a per-agency hook as the CRM asks it, read the errors the CRM
recorded against a plugin, check the plugin was registered from its entry point, run the
scheduler, and set up the agency's other data::

    from realty_crm.testing.plugin_tools import call_hook, enable_plugin, plugin_errors

    def test_the_widget_goes_with_the_plugin(app, sol):
        enable_plugin(sol.agency, "visit_notes", False)
        with app.test_request_context("/"):
            assert call_hook(sol.agency, "crm_dashboard_widgets", user=sol.agent) == []
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from flask import Flask
from pydantic import BaseModel
from sqlalchemy import select

from .. import tenancy
from ..extensions import db
from ..models import Activity, Agency, AssignmentRule, PluginError, Prospect, User
from ..plugin_host import ENTRY_POINT_GROUP, SETTINGS_HOOK, PluginInfo, get_host
from ..scheduler import JobScheduler, ScheduledJob, SchedulerConfig, collect_jobs
from ..services import accounts, assignment, plugins

__all__ = [
    # --- the plugin in an agency ---
    "enable_plugin",
    "configure_plugin",
    "call_hook",
    "plugin_errors",
    "SETTINGS_HOOK",  # the ``hook`` of the error recorded when an agency's stored settings no longer validate
    # --- the plugin in the app ---
    "ENTRY_POINT_GROUP",  # the entry-point group a plugin package declares itself under
    "registered_plugin",
    "plugin_info",
    "implemented_hooks",
    # --- scheduled jobs ---
    "scheduled_jobs",
    "running_scheduler",
    # --- the agency's other data ---
    "activities",
    "Activity",  # a stored timeline entry of a prospect, as ``activities`` returns them
    "accounts",  # the users' service: ``accounts.update_user(admin, user, {"active": False})``
    "assignment",  # handing out new leads: ``assignment.set_rule(admin, AssignmentRule.BY_AREA.value)``
    "AssignmentRule",  # the agency's rule for new leads: manual, round robin, least loaded or by area
]


def enable_plugin(agency: Agency, name: str, enabled: bool = True, *, by: User | None = None) -> None:
    """Enable plugin ``name`` in ``agency`` (``enabled=False``: disable it, which runs its
    ``crm_plugin_disabled``), committed, as the command line does or, with ``by``, that admin."""
    plugins.set_enabled(by, agency, name, enabled)


def configure_plugin(
    agency: Agency, name: str, settings: dict[str, Any], *, by: User | None = None
) -> BaseModel:
    """Validate and store plugin ``name``'s ``settings`` in ``agency``, as the command line does
    or, with ``by``, that admin; returns the settings stored (``ValidationFailed`` if they are bad)."""
    return plugins.configure(by, agency, name, settings)


def call_hook(agency: Agency, hook: str, **kwargs: Any) -> list[Any]:
    """What the plugins enabled in ``agency`` answer to the per-agency query ``hook``, as the CRM
    asks it (a failing plugin is recorded and left out); inside ``app.test_request_context()``
    for a hook that renders or reads the request."""
    return get_host().call(agency, hook, **kwargs)


def plugin_errors(agency: Agency | None = None, *, plugin: str | None = None,
                  hook: str | None = None) -> list[PluginError]:
    """The errors recorded for the admins (of ``agency``, of ``plugin``, in ``hook``; all when
    not given), oldest first. The session's transaction is ended first, so errors recorded
    on another connection show."""
    db.session.rollback()
    query = select(PluginError).order_by(PluginError.id).execution_options(**tenancy.unscoped())
    if agency is not None:
        query = query.where(PluginError.agency_id == agency.id)
    if plugin is not None:
        query = query.where(PluginError.plugin == plugin)
    if hook is not None:
        query = query.where(PluginError.hook == hook)
    return list(db.session.scalars(query))


def registered_plugin(name: str) -> Any:
    """The object the app registered as plugin ``name`` (its module, for a package found
    through its entry point), or None."""
    return get_host().pm.get_plugin(name)


def plugin_info(name: str) -> PluginInfo:
    """The ``PluginInfo`` the app holds for installed plugin ``name`` (``KeyError`` if none)."""
    return get_host().infos[name]


def implemented_hooks(name: str) -> set[str]:
    """The names of the hooks plugin ``name`` implements that the CRM knows."""
    manager = get_host().pm
    return {caller.name for caller in manager.get_hookcallers(manager.get_plugin(name)) or ()}


def scheduled_jobs(app: Flask) -> dict[str, ScheduledJob]:
    """The jobs ``app``'s scheduler runs, the core's and every installed plugin's, by key
    (``"<plugin>:<id>"``): ``job.plugin``, ``job.spec`` as declared, ``job.trigger``."""
    return {job.key: job for job in collect_jobs(app, SchedulerConfig.from_app(app))}


@contextmanager
def running_scheduler(app: Flask, clock: Callable[[], datetime]) -> Iterator[JobScheduler]:
    """``app``'s scheduler with all its jobs, started, its time told by ``clock``; shut down
    after the block. ``scheduler.run_due(when, wait=True)`` runs what is due at ``when``."""
    config = SchedulerConfig.from_app(app)
    scheduler = JobScheduler(app, collect_jobs(app, config), config, clock=clock)
    scheduler.start()
    try:
        yield scheduler
    finally:
        scheduler.shutdown()


def activities(prospect: Prospect) -> list[Activity]:
    """``prospect``'s activity rows as stored, oldest first (``kind``, ``source``, ``summary``,
    ``data``): what the plugin wrote on the timeline, before any rendering."""
    with tenancy.scope(prospect.agency_id):
        return list(db.session.scalars(
            select(Activity).where(Activity.prospect_id == prospect.id).order_by(Activity.id)
        ))
