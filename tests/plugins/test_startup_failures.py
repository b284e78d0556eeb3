"""A plugin whose declaration raises at start-up is off in that process, as if not installed,
and reported (log, admin page, CLI); the app and the other plugins start as usual."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from flask import Blueprint
from markupsafe import Markup

from realty_crm import hookimpl, plugin_host, tenancy
from realty_crm.errors import NotFound
from realty_crm.extensions import db
from realty_crm.models import AgencyPlugin, User
from realty_crm.plugin_host import PluginInfo, Widget, get_host
from realty_crm.services import plugins


class Healthy:
    """A plugin with a page, a widget and timeline wording that all work."""

    @hookimpl
    def crm_plugin_info(self) -> PluginInfo:
        return PluginInfo(name="healthy", title="Healthy")

    @hookimpl
    def crm_register_blueprints(self) -> list[Blueprint]:
        pages = Blueprint("healthy", __name__)
        pages.add_url_rule("/healthy-page", "page", lambda: "healthy page")
        return [pages]

    @hookimpl
    def crm_dashboard_widgets(self, user: User) -> list[Widget]:
        return [Widget(title="Healthy widget", html=Markup("<p>fine</p>"))]

    @hookimpl
    def crm_timeline_texts(self) -> dict[str, Any]:
        return {"note": lambda data: "healthy note"}


class Broken:
    """Raises in the declaration named by ``failing``; its other hooks note they were called."""

    def __init__(self, name: str, failing: str) -> None:
        self.name = name
        self.failing = failing
        self.called: list[str] = []

    def _declare(self, hook: str, value: Any) -> Any:
        if hook == self.failing:
            raise RuntimeError(f"{self.name} cannot start <b>today</b>")
        return value

    @hookimpl
    def crm_plugin_info(self) -> PluginInfo:
        return self._declare("crm_plugin_info", PluginInfo(name=self.name, title=f"Broken {self.name}"))

    @hookimpl
    def crm_register_blueprints(self) -> list[Blueprint]:
        pages = Blueprint(self.name, __name__)
        pages.add_url_rule(f"/{self.name}-page", "page", lambda: "broken page")
        return self._declare("crm_register_blueprints", [pages])

    @hookimpl
    def crm_migrations_directory(self) -> Any:
        return self._declare("crm_migrations_directory", None)

    @hookimpl
    def crm_timeline_texts(self) -> Any:
        return self._declare("crm_timeline_texts", {})

    @hookimpl
    def crm_dashboard_widgets(self, user: User) -> list[Widget]:
        self.called.append("crm_dashboard_widgets")
        return [Widget(title=f"Widget of {self.name}", html=Markup("<p>broken</p>"))]


BROKEN = {
    "no_pages": "crm_register_blueprints",
    "no_info": "crm_plugin_info",
    "no_texts": "crm_timeline_texts",
    "no_migrations": "crm_migrations_directory",
}


@pytest.fixture
def broken() -> dict[str, Broken]:
    return {name: Broken(name, hook) for name, hook in BROKEN.items()}


@pytest.fixture
def plugin_config(broken: dict[str, Broken], caplog: pytest.LogCaptureFixture) -> dict[str, Any]:
    """Installs the healthy plugin and one plugin failing in each start-up declaration."""
    caplog.set_level(logging.ERROR, logger="realty_crm.plugin_host")
    return {
        "EXTRA_PLUGINS": [(Healthy(), "healthy"), *((plugin, name) for name, plugin in broken.items())],
        "PLUGINS_AUTOLOAD": False,
    }


@pytest.fixture
def enabled_everywhere(team, enable) -> None:
    """The healthy plugin enabled in the agency, and the broken ones too, as they were before
    an upgrade broke them (rows written directly: they can no longer be enabled)."""
    enable(team.agency, "healthy")
    with tenancy.scope(team.agency.id):
        for name in BROKEN:
            db.session.add(AgencyPlugin(agency_id=team.agency.id, name=name, enabled=True, settings={}))
        team.agency.plugins_version += 1
        db.session.commit()


def test_a_plugin_failing_at_start_up_is_off_and_the_others_start(
    app, team, login, broken, enabled_everywhere
):
    host = get_host()
    client = login(team.admin)

    dashboard = client.get("/")

    assert host.names == ["healthy"] and set(host.failures) == set(BROKEN)
    assert {name: failure.hook for name, failure in host.failures.items()} == BROKEN
    assert host.enabled(team.agency) == {"healthy"}
    assert dashboard.status_code == 200
    html = dashboard.get_data(as_text=True)
    assert "Healthy widget" in html and "Widget of" not in html
    assert all(plugin.called == [] for plugin in broken.values())  # no hook of theirs is called
    assert client.get("/healthy-page").get_data(as_text=True) == "healthy page"
    assert client.get("/no_pages-page").status_code == 404
    assert client.get("/no_texts-page").status_code == 404  # asked its blueprints, never registered
    assert ("healthy", "note") in host.timeline_texts()


def test_a_plugin_that_failed_to_start_cannot_be_enabled(app, team):
    with tenancy.scope(team.agency.id), pytest.raises(NotFound):
        plugins.set_enabled(team.admin, team.agency, "no_pages", True)


def test_the_failure_is_logged_with_its_traceback(app, caplog):
    failures = [r for r in caplog.get_records("setup") if "failed to start" in r.getMessage()]

    assert sorted(r.getMessage().split()[1] for r in failures) == sorted(BROKEN)
    assert all(r.exc_info and r.exc_info[0] is RuntimeError for r in failures)


def test_admins_see_the_plugins_that_failed_to_start(app, team, login, make):
    html = login(team.admin).get("/settings/plugins").get_data(as_text=True)

    failed = html[html.index('id="failed"') :]
    assert "Plugins that failed to start" in failed
    entry = failed[failed.index('id="failed-no_pages"') :]
    assert "Broken no_pages" in entry and "crm_register_blueprints" in entry
    assert "RuntimeError: no_pages cannot start &lt;b&gt;today&lt;/b&gt;" in entry  # escaped
    assert "Traceback (most recent call last)" in entry
    assert 'id="plugin-healthy"' in html and 'id="plugin-no_pages"' not in html

    spanish = make.user(make.agency("Pisos Triana", locale="es"), "admin")
    in_spanish = login(spanish).get("/settings/plugins").get_data(as_text=True)
    assert "Plugins que no pudieron arrancar" in in_spanish


def test_the_cli_lists_the_plugins_that_failed_to_start(app, team):
    result = app.test_cli_runner().invoke(args=["plugins", "list"])

    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[1].split()[0] == "healthy"
    assert "no_info: failed to start in crm_plugin_info, off in every agency: RuntimeError: no_info cannot" \
        in result.output


def test_a_plugin_dropped_after_its_pages_were_registered_answers_404_there(
    app, team, login, enabled_everywhere
):
    client = login(team.admin)
    assert client.get("/healthy-page").status_code == 200

    get_host().fail("healthy", "crm_register_jobs", RuntimeError("no scheduler for me"))

    assert client.get("/healthy-page").status_code == 404
    assert "Healthy widget" not in client.get("/").get_data(as_text=True)


class _UnimportableEntryPoint:
    """An installed package whose module cannot be imported (a dependency is missing)."""

    name = "half_installed"

    def load(self) -> Any:
        raise ImportError("No module named 'reportlab'")


def test_an_installed_plugin_that_cannot_be_imported_is_reported_and_the_app_starts(app_factory, monkeypatch):
    monkeypatch.setattr(plugin_host, "entry_points", lambda group: [_UnimportableEntryPoint()])

    host = app_factory(PLUGINS_AUTOLOAD=True).extensions["plugin_host"]

    assert host.names == []
    assert (host.failures["half_installed"].hook, host.failures["half_installed"].message) == (
        "import", "ImportError: No module named 'reportlab'"
    )
