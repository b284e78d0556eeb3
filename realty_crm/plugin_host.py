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
change that fired the event has already been committed. A per-agency query that keeps failing
(a widget on every dashboard view) is recorded once per ``PLUGIN_ERROR_INTERVAL_SECONDS`` and
its repeats counted, not recorded on every page view.

A plugin whose declaration raises at start-up (``crm_plugin_info``, ``crm_register_*``,
``crm_migrations_directory``, ``crm_timeline_texts``) is dropped for the life of the process,
as if it were not installed, and listed in ``failures`` for the admins; the app and the other
plugins start.
"""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from importlib.metadata import entry_points
from typing import Any

import pluggy
from flask import Blueprint, Flask, abort, current_app
from flask_babel import gettext as _
from flask_babel.speaklater import LazyString
from flask_login import current_user
from markupsafe import Markup
from pydantic import BaseModel, ValidationError
from sqlalchemy import select

from . import database, hookspecs, tenancy
from .errors import PluginFailed
from .extensions import db
from .models import Agency, AgencyPlugin, PluginError, Prospect, Role, User
from .models.types import utcnow

ENTRY_POINT_GROUP = "realty_crm.plugins"
logger = logging.getLogger(__name__)
# a hook taking longer than this is logged as slow (it still completes)
SLOW_HOOK_SECONDS = 1.0
# a per-agency query or settings error of one plugin is recorded at most once in this long
# (seconds; ``PLUGIN_ERROR_INTERVAL_SECONDS``)
ERROR_INTERVAL_SECONDS = 3600
# what a plugin error about an agency's stored settings names as its hook
SETTINGS_HOOK = "settings"
# the declarations asked of every plugin when the app starts (the jobs: when the scheduler does)
STARTUP_DECLARATIONS = ("crm_register_blueprints", "crm_migrations_directory", "crm_timeline_texts")


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
class StartupFailure:
    """Why an installed plugin is off in this process: the declaration that raised, and how."""

    name: str
    title: str
    hook: str
    message: str
    details: str


class InvalidSettings(ValueError):
    """An agency's stored settings of a plugin that its settings model refuses."""


@dataclass
class _AgencyState:
    version: int
    enabled: frozenset[str]
    settings: dict[str, dict[str, Any]] = field(default_factory=dict)
    # plugins whose stored settings were found invalid (reported once per stored value)
    invalid_settings: set[str] = field(default_factory=set)


@dataclass
class _Quiet:
    """When a repeated error was last recorded, and how often it failed since, unrecorded."""

    recorded_at: datetime
    repeats: int = 0


class PluginHost:
    """The plugin manager of one app, with per-agency enabled sets."""

    def __init__(self, error_interval: timedelta = timedelta(seconds=ERROR_INTERVAL_SECONDS)) -> None:
        self.pm = pluggy.PluginManager("realty_crm")
        self.pm.add_hookspecs(hookspecs)
        self.infos: dict[str, PluginInfo] = {}
        # the plugins' own permissions (``crm_policy_actions``): action -> roles allowed
        self.actions: dict[str, frozenset[Role]] = {}
        # the plugins' own constraints (``crm_constraint_messages``): name -> (field, message)
        self.constraint_messages: dict[str, tuple[str, Any]] = {}
        # installed plugins dropped at start-up because a declaration raised
        self.failures: dict[str, StartupFailure] = {}
        self.error_interval = error_interval
        self._states: dict[int, _AgencyState] = {}
        self._callers: dict[tuple[frozenset[str], str], Any] = {}
        self._timeline_texts: dict[tuple[str, str], Callable[[Any], str]] | None = None
        self._declared: dict[str, list[tuple[str, Any]]] = {}
        self._quiet: dict[tuple[int, str, str], _Quiet] = {}

    # --- discovery -------------------------------------------------------------------

    def load_entry_points(self) -> None:
        """Register every installed plugin of the ``realty_crm.plugins`` group; one that
        cannot be imported or registered is dropped (``fail``), the others are loaded."""
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            if self.pm.has_plugin(ep.name):
                continue
            try:
                self.register(ep.load(), ep.name)
            except Exception as exc:  # a broken package must not take the app down
                self.fail(ep.name, "import", exc)

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
        try:
            info = caller() or PluginInfo(name=name, title=name.replace("_", " ").capitalize())
            info.name = name
        except Exception as exc:
            self.fail(name, "crm_plugin_info", exc)
            return
        self.infos[name] = info
        # asked again, with this plugin's, when next needed (its pages: only at start-up)
        self._declared = {"crm_register_blueprints": self._declared.get("crm_register_blueprints", [])}
        self._timeline_texts = None

    def _declaration(self, name: str, hook: str) -> dict[Any, Any]:
        """What plugin ``name`` alone declares through ``hook`` (a hook without arguments)."""
        declared: dict[Any, Any] = {}
        for impl in getattr(self.pm.hook, hook).get_hookimpls():
            if impl.plugin_name == name:
                declared.update(impl.function() or {})
        return declared

    def _policy_actions(self, plugin: Any, name: str) -> dict[str, frozenset[Role]]:
        actions: dict[str, frozenset[Role]] = {}
        for action, roles in self._declaration(name, "crm_policy_actions").items():
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
        for constraint, wording in self._declaration(name, "crm_constraint_messages").items():
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
        """Ask every installed plugin (enabled anywhere or not) for a declaration: the
        ``(plugin name, value)`` pairs of the plugins that returned one. A plugin that raises
        is dropped (``fail``) and the others are still asked."""
        results = []
        for impl in list(reversed(getattr(self.pm.hook, hook).get_hookimpls())):
            try:
                value = impl.function(*[kwargs[a] for a in impl.argnames])
            except Exception as exc:
                self.fail(impl.plugin_name, hook, exc)
                continue
            if value is not None:
                results.append((impl.plugin_name, value))
        return results

    def fail(self, name: str, hook: str, exc: BaseException) -> None:
        """Drop plugin ``name`` for the life of this process after its start-up declaration
        ``hook`` raised ``exc``: logged with its traceback and kept in ``failures`` for the
        admins. From now on it is treated as not installed (no pages, jobs or hook calls)."""
        logger.error("plugin %s failed to start in %s and is off until a restart: %s", name, hook, exc,
                     exc_info=exc)
        info = self.infos.pop(name, None)
        self.failures[name] = StartupFailure(
            name=name,
            title=str(info.title) if info is not None else name,
            hook=hook,
            message=_message(exc),
            details="".join(traceback.format_exception(exc))[-8000:],
        )
        if self.pm.get_plugin(name) is not None:
            self.pm.set_blocked(name)  # unregisters it: no hook of it is called any more
        self.actions = {a: roles for a, roles in self.actions.items() if not a.startswith(f"{name}.")}
        self._states.clear()
        self._callers.clear()
        self._timeline_texts = None

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
        """The plugin's settings in ``agency``: its settings model filled with defaults.

        Stored settings the model refuses (written by an older version of the plugin) give
        the model's defaults instead, and the problem is recorded for the agency's admin, once
        per stored value; this never raises."""
        state = self._state(agency)
        stored = state.settings.get(name, {})
        model = self.infos[name].settings
        if model is None:
            return stored
        try:
            return model.model_validate(stored)
        except ValidationError as exc:
            if name not in state.invalid_settings and self._report_invalid_settings(agency, name, exc):
                state.invalid_settings.add(name)
            return model.model_construct()

    def _report_invalid_settings(self, agency: Agency, name: str, exc: ValidationError) -> bool:
        """Record that ``agency``'s stored settings of plugin ``name`` are refused, unless a
        record of the same problem is there already (another process found it first).
        Returns whether the record is there for sure (not left pending in the caller's
        transaction)."""
        problem = InvalidSettings(f"the stored settings no longer validate; the defaults are used: {exc}")
        recorded = db.session.scalar(
            select(PluginError.id)
            .where(PluginError.agency_id == agency.id, PluginError.plugin == name,
                   PluginError.hook == SETTINGS_HOOK, PluginError.message == _message(problem))
            .limit(1)
            .execution_options(**tenancy.unscoped())
        )
        if recorded is not None:
            return True
        commit = _may_commit()
        self.record_error(agency.id, name, SETTINGS_HOOK, problem, commit=commit)
        return commit

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
                self.record_error(agency.id, plugin, hook, exc, commit=_may_commit(), once_per_period=True)
                return False, None
        elapsed = time.monotonic() - started
        if elapsed > SLOW_HOOK_SECONDS:
            logger.warning("plugin %s took %.1fs in %s", plugin, elapsed, hook)
        return True, value

    def record_error(
        self, agency_id: int, plugin: str, hook: str, exc: BaseException, commit: bool = True,
        once_per_period: bool = False,
    ) -> None:
        """Log a plugin's exception and keep it for the agency's admin to see.

        With ``commit=False`` (inside a caller's write transaction, which must not be cut
        short) the record is saved with the caller's transaction, or only logged if that
        transaction is rolled back. With ``once_per_period`` (an error that may come back on
        every page view) it is recorded only if the same plugin, hook and agency has no record
        from the last ``error_interval``; the repeats are counted in the next record."""
        key = (agency_id, plugin, hook)
        try:
            if once_per_period and self._recorded_lately(key):
                logger.warning("plugin %s failed again in %s for agency %s: %s", plugin, hook, agency_id, exc)
                return
            logger.error("plugin %s failed in %s for agency %s: %s", plugin, hook, agency_id, exc,
                         exc_info=exc)
            now = utcnow()
            quiet = self._quiet.pop(key, None)
            repeats = quiet.repeats if quiet is not None else 0
            details = "".join(traceback.format_exception(exc))[-8000:]
            if repeats:
                details = f"Failed {repeats} more times since the previous record.\n\n{details}"
            db.session.add(PluginError(
                agency_id=agency_id, plugin=plugin, hook=hook,
                message=_message(exc), details=details, occurred_at=now,
            ))
            if commit:
                db.session.commit()
                if once_per_period:
                    self._quiet[key] = _Quiet(recorded_at=now)
        except Exception:  # the log line above is the fallback
            db.session.rollback()
            logger.exception("could not record the error of plugin %s", plugin)

    def _recorded_lately(self, key: tuple[int, str, str]) -> bool:
        """Whether ``key``'s error was recorded less than ``error_interval`` ago (by this
        process, else, asked of the database, by another); if so, counts one more repeat."""
        now = utcnow()
        quiet = self._quiet.get(key)
        if quiet is None or now - quiet.recorded_at >= self.error_interval:
            agency_id, plugin, hook = key
            last = db.session.scalar(
                select(PluginError.occurred_at)
                .where(PluginError.agency_id == agency_id, PluginError.plugin == plugin,
                       PluginError.hook == hook)
                .order_by(PluginError.occurred_at.desc())
                .limit(1)
                .execution_options(**tenancy.unscoped())
            )
            if last is None or now - last >= self.error_interval:
                return False
            quiet = self._quiet[key] = _Quiet(recorded_at=last, repeats=quiet.repeats if quiet else 0)
        quiet.repeats += 1
        return True

    def fire(self, hook: str, agency: Agency, **kwargs: Any) -> None:
        """Send an event to the plugins enabled in ``agency`` (after the commit)."""
        if self.infos and self.enabled(agency):
            self._call(agency, hook, kwargs, event=True)

    def erasing(self, prospect: Prospect, agency: Agency, actor: User | None) -> None:
        """Call ``crm_prospect_erasing`` on every installed plugin, enabled in ``agency`` or
        not, inside the caller's erasure transaction and scoped to ``agency``.

        A plugin that raises undoes the whole erasure (the session is rolled back), its error
        is recorded for the agency's admin, and ``PluginFailed`` names it. While a plugin that
        failed to start is off, nothing is erased either: what it holds could not be reached."""
        for failure in self.failures.values():
            raise PluginFailed(_(
                "Nothing was erased: the plugin %(plugin)s did not start, so its data about this "
                "person cannot be erased. Its error is listed on the Plugins page.",
                plugin=failure.title,
            ), {"plugin": failure.name})
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

    # --- start-up ------------------------------------------------------------------------

    def start(self, app: Flask) -> None:
        """Ask every plugin its start-up declarations, then register the blueprints of those
        that all answered: a plugin raising in one of them is dropped (``fail``) first."""
        for hook in STARTUP_DECLARATIONS:
            kwargs = {"app": app} if hook == "crm_register_blueprints" else {}
            self._declared[hook] = self.collect(hook, **kwargs)
        self.timeline_texts()  # read now, so a plugin failing there is off before it serves a page
        for name, blueprints in self.declared("crm_register_blueprints"):
            try:
                self._register_blueprints(app, name, _as_list(blueprints))
            except Exception as exc:  # e.g. a blueprint name another one already took
                self.fail(name, "crm_register_blueprints", exc)

    def declared(self, hook: str) -> list[tuple[str, Any]]:
        """What the plugins still installed declared in ``hook`` when the app started."""
        if hook not in self._declared:
            self._declared[hook] = self.collect(hook)
        return [(name, value) for name, value in self._declared[hook] if name in self.infos]

    def _register_blueprints(self, app: Flask, name: str, blueprints: Iterable[Blueprint]) -> None:
        """Register a plugin's blueprints, each guarded by the user's agency enabled set."""
        for blueprint in blueprints:
            checks = blueprint.before_request_funcs.setdefault(None, [])
            if not getattr(blueprint, PUBLIC, False):
                # first of the blueprint's checks: where the plugin is off, its pages do
                # not exist (404), whatever the visitor's role
                checks.insert(0, _guard(self, name))
            checks.insert(0, _installed(self, name))
            app.register_blueprint(blueprint)

    def timeline_texts(self) -> dict[tuple[str, str], Callable[[Any], str]]:
        """The plugins' timeline renderers by ``(plugin name, entry kind)``: every installed
        plugin's (``crm_timeline_texts``), asked once, so its entries read well wherever it
        is enabled now."""
        if self._timeline_texts is None:
            texts: dict[tuple[str, str], Callable[[Any], str]] = {}
            for name, declared in self.declared("crm_timeline_texts"):
                try:
                    texts.update({(name, str(kind)): render for kind, render in dict(declared).items()
                                  if callable(render)})
                except Exception as exc:  # not a mapping
                    self.fail(name, "crm_timeline_texts", exc)
            self._timeline_texts = texts
        return self._timeline_texts

    def migration_directories(self) -> list[str]:
        """The plugins' Alembic versions folders."""
        return [str(path) for _name, path in self.declared("crm_migrations_directory")]


# set to True on a blueprint of public pages: they find their agency themselves, whoever the
# visitor is signed in as
PUBLIC = "realty_crm_public"


def _as_list(value: Any) -> Iterable[Blueprint]:
    return value if isinstance(value, list | tuple) else [value]


def _message(exc: BaseException) -> str:
    """How a plugin's exception is summed up for the admins."""
    return f"{type(exc).__name__}: {exc}"[:2000]


def _may_commit() -> bool:
    """Whether an error may be committed now: not while the caller holds the write lock or
    a savepoint (its work must not be cut short; the record then goes with the caller's)."""
    return not database.holds_write_lock() and not db.session().in_nested_transaction()


def _installed(host: PluginHost, name: str) -> Callable[[], None]:
    def check_installed() -> None:
        if name not in host.infos:  # dropped after its blueprints were registered
            abort(404)

    return check_installed


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
    """Create the app's plugin host, discover plugins, ask their start-up declarations and
    register their blueprints."""
    interval = app.config.get("PLUGIN_ERROR_INTERVAL_SECONDS", ERROR_INTERVAL_SECONDS)
    host = PluginHost(error_interval=timedelta(seconds=float(interval)))
    app.extensions["plugin_host"] = host
    if app.config.get("PLUGINS_AUTOLOAD", True):
        host.load_entry_points()
    for plugin, name in app.config.get("EXTRA_PLUGINS", []):
        host.register(plugin, name)
    host.start(app)
    return host
