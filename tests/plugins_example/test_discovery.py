"""The example plugin is found as any installed package is: through its entry point only."""

from __future__ import annotations

from importlib.metadata import distribution, entry_points

import realty_crm_visit_notes
from realty_crm_visit_notes.settings import Settings

from realty_crm.plugin_api import db, plugin_enabled
from realty_crm.testing.plugin_tools import (
    ENTRY_POINT_GROUP,
    enable_plugin,
    implemented_hooks,
    plugin_info,
    registered_plugin,
)

from .conftest import PLUGIN


def test_the_package_declares_the_plugin_under_the_realty_crm_entry_point_group():
    [entry] = [ep for ep in entry_points(group=ENTRY_POINT_GROUP) if ep.name == PLUGIN]

    assert entry.value == "realty_crm_visit_notes"
    assert entry.dist is not None and entry.dist.name == "realty-crm-visit-notes"
    assert distribution("realty-crm-visit-notes").version == realty_crm_visit_notes.__version__


def test_the_app_registers_the_plugin_from_its_entry_point_with_its_info(app):
    assert not app.config.get("EXTRA_PLUGINS")
    assert registered_plugin(PLUGIN) is realty_crm_visit_notes
    info = plugin_info(PLUGIN)
    assert (info.name, info.title, info.version, info.settings) == (
        PLUGIN, "Visit debriefs", "1.0.0", Settings
    )
    assert info.description


def test_every_hook_of_the_plugin_is_known_to_realty_crm(app):
    assert implemented_hooks(PLUGIN) == {
        "crm_plugin_info", "crm_register_blueprints", "crm_register_jobs", "crm_migrations_directory",
        "crm_visit_completed", "crm_visit_scheduled", "crm_call_logged",
        "crm_nav_items", "crm_dashboard_widgets",
    }


def test_without_entry_point_discovery_the_plugin_is_absent(app_factory):
    bare = app_factory(PLUGINS_AUTOLOAD=False)

    assert PLUGIN not in bare.extensions["plugin_host"].infos
    assert not any(rule.rule.startswith("/visit-notes") for rule in bare.url_map.iter_rules())


def test_every_app_gets_its_own_blueprint_of_the_plugin(app_factory):
    first, second = app_factory(), app_factory()

    for each in (first, second):
        assert {"visit_notes.page", "visit_notes.write", "visit_notes.static"} <= set(each.view_functions)
    assert first.blueprints[PLUGIN] is not second.blueprints[PLUGIN]


def test_installed_is_not_enabled_an_admin_enables_it_per_agency(sol, luna):
    assert plugin_enabled(sol.agency, PLUGIN)
    assert not plugin_enabled(luna.agency, PLUGIN)

    enable_plugin(luna.agency, PLUGIN, by=luna.admin)

    assert plugin_enabled(luna.agency, PLUGIN)


def test_the_command_line_enables_and_disables_it_for_one_agency(app, sol, luna):
    runner = app.test_cli_runner()

    enabled = runner.invoke(args=["plugins", "enable", PLUGIN, "--agency", luna.agency.slug])
    assert enabled.exit_code == 0, enabled.output
    assert plugin_enabled(_fresh(luna.agency), PLUGIN)

    disabled = runner.invoke(args=["plugins", "disable", PLUGIN, "--agency", sol.agency.slug])
    assert disabled.exit_code == 0, disabled.output
    assert not plugin_enabled(_fresh(sol.agency), PLUGIN)
    assert plugin_enabled(_fresh(luna.agency), PLUGIN)


def _fresh(agency):
    """``agency`` re-read, with the plugin state the command committed."""
    db.session.expire(agency)
    return agency
