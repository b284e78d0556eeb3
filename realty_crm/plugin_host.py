"""Discovery of plugins, their per-agency enabled sets, and calling their hooks safely.

One ``PluginHost`` per app (``app.extensions["plugin_host"]``), never a module global, so
apps under test do not leak plugins into each other. Plugins come from the
``realty_crm.plugins`` entry-point group (first-party ones under ``plugins/`` too).

Per agency, hook callers are pluggy ``subset_hook_caller``\\ s without the disabled plugins,
cached by the disabled set. Which plugins an agency enables is cached per process and
re-read when ``agencies.plugins_version`` changes (it is bumped on every enable, disable or
configure), so a change made by the CLI reaches a running server on its next request.

Each implementation is called on its own: one that raises is rolled back, logged, and
recorded in ``plugin_errors`` for the agency's admin; the others still run, and the core
change that fired the event has already been committed.
"""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from importlib.metadata import entry_points
from typing import Any

import pluggy
from flask import Blueprint, Flask, abort, current_app
from flask_babel import gettext as _
from flask_babel.speaklater import LazyString
from flask_login import current_user
from markupsafe import Markup
from pydantic import BaseModel
from sqlalchemy import select

from . import database, hookspecs, tenancy
from .errors import PluginFailed
from .extensions import db
from .models import Agency, AgencyPlugin, PluginError, Prospect, Role, User

ENTRY_POINT_GROUP = "realty_crm.plugins"
logger = logging.getLogger(__name__)
# a hook taking longer than this is logged as slow (it still completes)
SLOW_HOOK_SECONDS = 1.0


@dataclass
class PluginInfo:
    """What a plugin says about itself (``crm_plugin_info``).

    ``title`` and ``description`` are shown in the reader's language when declared with
    ``lazy_gettext`` (and extracted into realty-crm's catalogues, see babel.cfg).
    """

    name: str
    title: str | LazyString
    description: str | LazyString = ""
    version: str = "0"
    settings: type[BaseModel] | None = None


@dataclass
class Widget:
    """A dashboard widget: a title and already-escaped HTML."""

    title: str
    html: Markup


@dataclass
class TimelineItem:
    """An entry a plugin adds to a prospect's timeline."""

    occurred_at: datetime
    kind: str
    summary: str
    source: str = ""


@dataclass
class _AgencyState:
    version: int
    enabled: frozenset[str]
    settings: dict[str, dict[str, Any]] = field(default_factory=dict)


class PluginHost:
    """The plugin manager of one app, with per-agency enabled sets."""

    def __init__(self) -> None:
        self.pm = pluggy.PluginManager("realty_crm")
        self.pm.add_hookspecs(hookspecs)
        self.infos: dict[str, PluginInfo] = {}
        # the plugins' own permissions (``crm_policy_actions``): action -> roles allowed
        self.actions: dict[str, frozenset[Role]] = {}
        # the plugins' own constraints (``crm_constraint_messages``): name -> (field, message)
        self.constraint_messages: dict[str, tuple[str, Any]] = {}
        self._states: dict[int, _AgencyState] = {}
        self._callers: dict[tuple[frozenset[str], str], Any] = {}
        self._timeline_texts: dict[tuple[str, str], Callable[[Any], str]] | None = None

    # --- discovery -------------------------------------------------------------------

    def load_entry_points(self) -> None:
        """Register every installed plugin of the ``realty_crm.plugins`` group."""
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            if self.pm.has_plugin(ep.name):
                continue
            try:
                self.register(ep.load(), ep.name)
            except Exception:  # a broken package must not take the app down
                logger.exception("plugin %s could not be loaded", ep.name)

    def register(self, plugin: Any, name: str) -> None:
        """Register ``plugin`` under ``name`` and read its ``crm_plugin_info``.

        A hook implementation that matches no hook specification (a misspelt name), or a
        permission or constraint declaration that does not fit (``crm_policy_actions``,
        ``crm_constraint_messages``), is refused here, at start-up, rather than silently
        never used."""
        self.pm.register(plugin, name=name)
        try:
            self.pm.check_pending()
            actions = self._policy_actions(plugin, name)
            messages = self._constraint_messages(plugin, name)
        except Exception:
            self.pm.unregister(name=name)
            raise
        self.actions.update(actions)
        self.constraint_messages.update(messages)
        caller = self.pm.subset_hook_caller(
            "crm_plugin_info", remove_plugins=[p for p in self.pm.get_plugins() if p is not plugin]
        )
        info = caller() or PluginInfo(name=name, title=name.replace("_", " ").capitalize())
        info.name = name
        self.infos[name] = info
        self._timeline_texts = None  # asked again, with this plugin's, when next needed

    def _declared(self, name: str, hook: str) -> dict[Any, Any]:
        """What plugin ``name`` alone declares through ``hook`` (a hook without arguments)."""
        declared: dict[Any, Any] = {}
        for impl in getattr(self.pm.hook, hook).get_hookimpls():
            if impl.plugin_name == name:
                declared.update(impl.function() or {})
        return declared

    def _policy_actions(self, plugin: Any, name: str) -> dict[str, frozenset[Role]]:
        actions: dict[str, frozenset[Role]] = {}
        for action, roles in self._declared(name, "crm_policy_actions").items():
            if not (isinstance(action, str) and action.startswith(f"{name}.") and action != f"{name}."):
                raise pluggy.PluginValidationError(
                    plugin, f"plugin {name}: action {action!r} must be named '{name}.<action>'"
                )
            if action in self.actions:
                raise pluggy.PluginValidationError(plugin, f"plugin {name}: action {action!r} is taken")
            try:
                actions[action] = frozenset(Role(role) for role in roles)
            except (TypeError, ValueError):
                raise pluggy.PluginValidationError(
                    plugin, f"plugin {name}: action {action!r} names a role other than "
                    f"{', '.join(Role)}: {roles!r}"
                ) from None
        return actions

    def _constraint_messages(self, plugin: Any, name: str) -> dict[str, tuple[str, Any]]:
        messages: dict[str, tuple[str, Any]] = {}
        for constraint, wording in self._declared(name, "crm_constraint_messages").items():
            if constraint in self.constraint_messages:
                raise pluggy.PluginValidationError(
                    plugin, f"plugin {name}: constraint {constraint!r} is worded by another plugin"
                )
            if not (isinstance(wording, tuple) and len(wording) == 2 and isinstance(wording[0], str)):
                raise pluggy.PluginValidationError(
                    plugin, f"plugin {name}: constraint {constraint!r} needs (field, message)"
                )
            messages[str(constraint)] = wording
        return messages

    @property
    def names(self) -> list[str]:
        return sorted(self.infos)

    def collect(self, hook: str, **kwargs: Any) -> list[tuple[str, Any]]:
        """Ask every installed plugin (enabled anywhere or not): declarations at start-up."""
        results = []
        for impl in reversed(getattr(self.pm.hook, hook).get_hookimpls()):
            value = impl.function(*[kwargs[a] for a in impl.argnames])
            if value is not None:
                results.append((impl.plugin_name, value))
        return results

    # --- per-agency state ----------------------------------------------------------------

    def _state(self, agency: Agency) -> _AgencyState:
        state = self._states.get(agency.id)
        if state is None or state.version != agency.plugins_version:
            # explicit about the agency, so it also works where none is in scope yet (a public
            # page, an error page raised before the user's agency was entered)
            rows = db.session.scalars(
                select(AgencyPlugin).where(AgencyPlugin.agency_id == agency.id)
                .execution_options(**tenancy.unscoped())
            ).all()
            state = _AgencyState(
                version=agency.plugins_version,
                enabled=frozenset(r.name for r in rows if r.enabled and r.name in self.infos),
                settings={r.name: dict(r.settings or {}) for r in rows},
            )
            self._states[agency.id] = state
        return state

    def enabled(self, agency: Agency) -> frozenset[str]:
        """Names of the plugins enabled in ``agency``."""
        return self._state(agency).enabled

    def is_enabled(self, agency: Agency, name: str) -> bool:
        return name in self.enabled(agency)

    def enabled_agency_ids(self, name: str) -> list[int]:
        """Ids of the agencies where plugin ``name`` is enabled (read fresh, across agencies:
        the scheduler asks before each run of the plugin's jobs)."""
        if name not in self.infos:
            return []
        stmt = (
            select(AgencyPlugin.agency_id)
            .where(AgencyPlugin.name == name, AgencyPlugin.enabled.is_(True))
            .order_by(AgencyPlugin.agency_id)
            .execution_options(**tenancy.unscoped())
        )
        return list(db.session.scalars(stmt))

    def settings(self, agency: Agency, name: str) -> BaseModel | dict[str, Any]:
        """The plugin's settings in ``agency``: its settings model filled with defaults."""
        stored = self._state(agency).settings.get(name, {})
        model = self.infos[name].settings
        return model.model_validate(stored) if model is not None else stored

    def _caller(self, agency: Agency, hook: str) -> Any:
        disabled = frozenset(set(self.infos) - self.enabled(agency))
        key = (disabled, hook)
        caller = self._callers.get(key)
        if caller is None:
            plugins = [self.pm.get_plugin(n) for n in disabled]
            caller = self.pm.subset_hook_caller(hook, remove_plugins=[p for p in plugins if p])
            self._callers[key] = caller
        return caller

    # --- calling -------------------------------------------------------------------------

    def disabling(self, agency: Agency, name: str) -> None:
        """Call ``crm_plugin_disabled`` on plugin ``name`` alone, inside the caller's
        transaction and scoped to ``agency``; its exception propagates (the caller rolls back)."""
        with tenancy.scope(agency.id):
            for impl in self.pm.hook.crm_plugin_disabled.get_hookimpls():
                if impl.plugin_name == name:
                    impl.function(*[{"agency": agency}[a] for a in impl.argnames])

    def erasing(self, prospect: Prospect, agency: Agency, actor: User | None) -> None:
        """Call ``crm_prospect_erasing`` on every installed plugin, enabled in ``agency`` or
        not, inside the caller's erasure transaction and scoped to ``agency``.

        A plugin that raises undoes the whole erasure (the session is rolled back), its error
        is recorded for the agency's admin, and ``PluginFailed`` names it."""
        kwargs = {"prospect": prospect, "agency": agency, "actor": actor}
        with tenancy.scope(agency.id):
            for impl in reversed(self.pm.hook.crm_prospect_erasing.get_hookimpls()):
                try:
                    impl.function(*[kwargs[a] for a in impl.argnames])
                except Exception as exc:
                    db.session.rollback()
                    self.record_error(agency.id, impl.plugin_name, "crm_prospect_erasing", exc)
                    raise PluginFailed(_(
                        "Nothing was erased: the plugin %(plugin)s could not erase its data about this "
                        "person. Its error is listed on the Plugins page.",
                        plugin=self.infos[impl.plugin_name].title,
                    ), {"plugin": impl.plugin_name}) from exc

    def call(self, agency: Agency, hook: str, **kwargs: Any) -> list[Any]:
        """Call ``hook`` on the plugins enabled in ``agency``, each isolated; returns the
        non-None results (lists returned by a plugin are flattened)."""
        return self._call(agency, hook, kwargs, event=False)

    def _call(self, agency: Agency, hook: str, kwargs: dict[str, Any], event: bool) -> list[Any]:
        kwargs.setdefault("agency", agency)
        results: list[Any] = []
        # whatever the caller's scope, a plugin only ever queries this agency's data
        with tenancy.scope(agency.id):
            for impl in reversed(self._caller(agency, hook).get_hookimpls()):
                ok, value = self._run(
                    agency, impl.plugin_name, hook,
                    lambda impl=impl: impl.function(*[kwargs[a] for a in impl.argnames]),
                    event,
                )
                if ok and value is not None:
                    results.extend(value if isinstance(value, list) else [value])
        return results

    def _run(
        self, agency: Agency, plugin: str, hook: str, func: Callable[[], Any], event: bool
    ) -> tuple[bool, Any]:
        started = time.monotonic()
        if event:
            # an event comes after the core's commit: keep what the plugin wrote, flushed or not
            try:
                value = func()
                db.session.commit()
            except Exception as exc:
                db.session.rollback()
                self.record_error(agency.id, plugin, hook, exc)
                return False, None
        else:
            # a query runs inside the caller's transaction (a booking holding its write lock,
            # a page's loaded records): a savepoint undoes a failing plugin and nothing more
            savepoint = db.session.begin_nested()
            try:
                value = func()
                savepoint.commit()
            except Exception as exc:
                savepoint.rollback()
                self.record_error(agency.id, plugin, hook, exc, commit=not database.holds_write_lock())
                return False, None
        elapsed = time.monotonic() - started
        if elapsed > SLOW_HOOK_SECONDS:
            logger.warning("plugin %s took %.1fs in %s", plugin, elapsed, hook)
        return True, value

    def record_error(
        self, agency_id: int, plugin: str, hook: str, exc: BaseException, commit: bool = True
    ) -> None:
        """Log a plugin's exception and keep it for the agency's admin to see.

        With ``commit=False`` (inside a caller's write transaction, which must not be cut
        short) the record is saved with the caller's transaction, or only logged if that
        transaction is rolled back."""
        logger.error("plugin %s failed in %s for agency %s: %s", plugin, hook, agency_id, exc,
                     exc_info=exc)
        try:
            db.session.add(PluginError(
                agency_id=agency_id, plugin=plugin, hook=hook,
                message=f"{type(exc).__name__}: {exc}"[:2000],
                details="".join(traceback.format_exception(exc))[-8000:],
            ))
            if commit:
                db.session.commit()
        except Exception:  # the log line above is the fallback
            db.session.rollback()
            logger.exception("could not record the error of plugin %s", plugin)

    def fire(self, hook: str, agency: Agency, **kwargs: Any) -> None:
        """Send an event to the plugins enabled in ``agency`` (after the commit)."""
        if self.infos and self.enabled(agency):
            self._call(agency, hook, kwargs, event=True)

    # --- start-up ------------------------------------------------------------------------

    def register_blueprints(self, app: Flask) -> None:
        """Register the plugins' blueprints, each guarded by the user's agency enabled set."""
        for name, blueprints in self.collect("crm_register_blueprints", app=app):
            for blueprint in _as_list(blueprints):
                if not getattr(blueprint, PUBLIC, False):
                    # first of the blueprint's checks: where the plugin is off, its pages do
                    # not exist (404), whatever the visitor's role
                    blueprint.before_request_funcs.setdefault(None, []).insert(0, _guard(self, name))
                app.register_blueprint(blueprint)

    def timeline_texts(self) -> dict[tuple[str, str], Callable[[Any], str]]:
        """The plugins' timeline renderers by ``(plugin name, entry kind)``: every installed
        plugin's (``crm_timeline_texts``), asked once, so its entries read well wherever it
        is enabled now."""
        if self._timeline_texts is None:
            self._timeline_texts = {
                (name, str(kind)): render
                for name, texts in self.collect("crm_timeline_texts")
                for kind, render in dict(texts).items()
                if callable(render)
            }
        return self._timeline_texts

    def migration_directories(self) -> list[str]:
        """The plugins' Alembic versions folders."""
        return [str(path) for _name, path in self.collect("crm_migrations_directory")]


# set to True on a blueprint of public pages: they find their agency themselves, whoever the
# visitor is signed in as
PUBLIC = "realty_crm_public"


def _as_list(value: Any) -> Iterable[Blueprint]:
    return value if isinstance(value, list | tuple) else [value]


def _guard(host: PluginHost, name: str) -> Callable[[], None]:
    def check_enabled() -> None:
        if current_user.is_authenticated and not host.is_enabled(current_user.agency, name):
            abort(404)

    return check_enabled


def get_host() -> PluginHost:
    """The current app's plugin host."""
    return current_app.extensions["plugin_host"]


def fire(hook: str, agency: Agency, **kwargs: Any) -> None:
    """Send an event hook for ``agency`` through the current app's plugin host."""
    get_host().fire(hook, agency, **kwargs)


def init_app(app: Flask) -> PluginHost:
    """Create the app's plugin host, discover plugins and register their blueprints."""
    host = PluginHost()
    app.extensions["plugin_host"] = host
    if app.config.get("PLUGINS_AUTOLOAD", True):
        host.load_entry_points()
    for plugin, name in app.config.get("EXTRA_PLUGINS", []):
        host.register(plugin, name)
    host.register_blueprints(app)
    return host
