"""The plugin's stored settings no longer validate (written by an older version): the public
form keeps working with the default spam defences, the admin is told once and can save
valid settings."""

from __future__ import annotations

from realty_crm_marketing_forms.settings import Settings

from realty_crm.plugin_api import Agency, db, plugin_settings
from realty_crm.testing.factories import form_token, store_plugin_settings_unchecked
from realty_crm.testing.plugin_tools import SETTINGS_HOOK, plugin_errors

from .conftest import PLUGIN

STALE = {"min_fill_seconds": "soon", "captcha": True}


def _settings(agency: Agency) -> Settings:
    values = plugin_settings(db.session.get(Agency, agency.id), PLUGIN)
    assert isinstance(values, Settings)
    return values


def test_the_public_form_works_with_the_defaults_and_the_problem_is_recorded_once(sol, visitor, answers):
    store_plugin_settings_unchecked(sol.agency, PLUGIN, STALE)

    pages = [visitor.open(sol.path) for _ in range(3)]
    sent = visitor.send(sol.path, answers)

    assert [p.status_code for p in pages] == [200, 200, 200]
    # the default minimum fill time (3 s) is back: a form sent at once is taken for a robot
    assert sent.status_code == 422 and "quicker than a person can type" in sent.get_data(as_text=True)
    assert _settings(sol.agency) == Settings()
    [problem] = plugin_errors(hook=SETTINGS_HOOK)
    assert (problem.agency_id, problem.plugin) == (sol.agency.id, PLUGIN)
    assert "min_fill_seconds" in problem.message and "captcha" in problem.message


def test_the_admin_sees_what_is_wrong_and_saves_valid_settings(sol, login):
    store_plugin_settings_unchecked(sol.agency, PLUGIN, STALE)
    client = login(sol.admin)
    page = f"/settings/plugins/{PLUGIN}"

    html = client.get(page).get_data(as_text=True)
    saved = client.post(page, data={
        "min_fill_seconds": "5",
        "submissions_per_address_per_hour": "30",
        "csrf_token": form_token(client, page),
    })

    assert "no longer fit" in html and 'value="soon"' in html and 'id="min_fill_seconds-error"' in html
    assert saved.status_code == 302
    assert _settings(sol.agency) == Settings(min_fill_seconds=5, submissions_per_address_per_hour=30)
    after = client.get(page)
    assert after.status_code == 200 and "no longer fit" not in after.get_data(as_text=True)
