"""The plugin's stored settings no longer validate (written by an older version): feeds and the
staff page keep working with the default window, and the admin is told once."""

from __future__ import annotations

from realty_crm.testing.factories import store_plugin_settings_unchecked
from realty_crm.testing.plugin_tools import SETTINGS_HOOK, plugin_errors

from .conftest import PLUGIN


def test_the_feed_uses_the_default_window_and_the_problem_is_recorded_once(sol, events, login):
    soon, last_month, long_ago = sol.visit(2), sol.visit(-30), sol.visit(-90)
    secret = sol.feed()
    store_plugin_settings_unchecked(sol.agency, PLUGIN, {"days_back": -1, "weeks_ahead": 4})

    shown = [set(events(secret)) for _ in range(3)]
    staff_page = login(sol.agent).get("/calendar-sync/")

    # the defaults: 60 days back, a year ahead
    assert shown[0] == shown[2] == {f"visit-{v.id}@{sol.agency.slug}.realty-crm" for v in (soon, last_month)}
    assert f"visit-{long_ago.id}@" not in str(shown)
    assert staff_page.status_code == 200
    [problem] = plugin_errors(hook=SETTINGS_HOOK)
    assert (problem.agency_id, problem.plugin) == (sol.agency.id, PLUGIN)
    assert "days_back" in problem.message and "weeks_ahead" in problem.message
