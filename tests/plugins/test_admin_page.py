"""Settings → Plugins: the list, enabling and disabling, the generated settings form and the
plugin's recent errors — admins only, one agency at a time."""

from __future__ import annotations

import re
from datetime import time
from decimal import Decimal

import pytest
from sqlalchemy import select

from realty_crm import tenancy
from realty_crm.extensions import db
from realty_crm.models import Agency, AgencyPlugin
from realty_crm.plugin_host import get_host
from realty_crm.services import plugins

VALID = {
    "send_copies": "y",
    "reminder_hours": "48",
    "discount": "7.25",
    "tone": "friendly",
    "channel": "sms",
    "sender_name": "  Pisos Sol 🏠  ",
    "signature": "Un saludo,\r\nEl equipo",
    "cc_addresses": "boss@sol.example.com, , archive@sol.example.com",
    "weekdays": ["tue", "thu"],
    "digest_at": "08:15",
    "max_per_day": "",
}


def _row(agency_id: int, name: str) -> AgencyPlugin | None:
    db.session.expire_all()
    return db.session.scalars(
        select(AgencyPlugin)
        .where(AgencyPlugin.agency_id == agency_id, AgencyPlugin.name == name)
        .execution_options(**tenancy.unscoped())
    ).first()


def _version(agency_id: int) -> int:
    db.session.expire_all()
    return db.session.scalars(
        select(Agency.plugins_version).where(Agency.id == agency_id).execution_options(**tenancy.unscoped())
    ).one()


def _field(html: str, name: str) -> str:
    """The markup of one generated field (its wrapper down to the next field)."""
    start = html.index(f'name="{name}"')
    begin = max(html.rfind('<div class="field', 0, start), html.rfind('<fieldset class="field', 0, start))
    end = html.find('class="field', start)
    return html[begin : end if end > 0 else len(html)]


# --- access -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["manager", "agent"])
def test_only_admins_open_the_plugins_pages(team, login, role):
    client = login(getattr(team, role))

    assert client.get("/settings/plugins").status_code == 403
    assert client.get("/settings/plugins/showcase").status_code == 403
    assert client.post("/settings/plugins/showcase/enable").status_code in (400, 403)


def test_a_manager_cannot_enable_a_plugin_even_with_a_valid_form(team, login, post):
    client = login(team.manager)

    response = post(client, "/settings/plugins/showcase/enable", page="/settings/profile")

    assert response.status_code == 403
    assert _row(team.agency.id, "showcase") is None


def test_signed_out_visitors_are_sent_to_login(client, team):
    response = client.get("/settings/plugins")

    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_list_shows_every_installed_plugin_and_its_state_in_my_agency_only(team, login, enable):
    enable(team.other_agency, "recorder")
    enable(team.agency, "showcase")

    html = login(team.admin).get("/settings/plugins").get_data(as_text=True)

    for name in get_host().names:
        assert f'id="plugin-{name}"' in html
    showcase = html[html.index('id="plugin-showcase"') :]
    showcase = showcase[: showcase.index("</tr>")]
    assert "Showcase ✨" in showcase and "2.0" in showcase and "Shows what a plugin can add." in showcase
    assert "Enabled" in showcase and "/settings/plugins/showcase/disable" in showcase
    recorder = html[html.index('id="plugin-recorder"') :]
    recorder = recorder[: recorder.index("</tr>")]
    assert "Disabled" in recorder and "1.2.3" in recorder and "/settings/plugins/recorder/enable" in recorder
    assert "Bare" in html  # a plugin without crm_plugin_info is listed under its name


def test_admin_enables_and_disables_a_plugin_for_their_agency_only(team, login, post, enable):
    client = login(team.admin)
    before = _version(team.agency.id)

    enabled = post(client, "/settings/plugins/showcase/enable", page="/settings/plugins")

    assert enabled.status_code == 302 and enabled.headers["Location"].endswith("/settings/plugins")
    assert _row(team.agency.id, "showcase").enabled is True
    assert _row(team.other_agency.id, "showcase") is None
    assert _version(team.agency.id) == before + 1
    assert "Lead board" in client.get("/").get_data(as_text=True)

    disabled = post(
        client, "/settings/plugins/showcase/disable", {"back": "detail"}, page="/settings/plugins"
    )

    assert disabled.headers["Location"].endswith("/settings/plugins/showcase")
    assert _row(team.agency.id, "showcase").enabled is False
    assert "Lead board" not in client.get("/").get_data(as_text=True)


def test_enable_and_disable_refuse_a_post_without_the_csrf_token(team, login):
    client = login(team.admin)

    response = client.post("/settings/plugins/showcase/enable")

    assert response.status_code == 400
    assert _row(team.agency.id, "showcase") is None


def test_settings_form_refuses_a_post_without_the_csrf_token(team, login):
    client = login(team.admin)

    response = client.post("/settings/plugins/showcase", data=VALID)

    assert response.status_code == 400
    assert _row(team.agency.id, "showcase") is None


@pytest.mark.parametrize("name", ["nope", "showcase%20", "🧩", "x" * 300, "..%2Fsettings"])
def test_unknown_plugins_are_404(team, login, post, name):
    client = login(team.admin)

    assert client.get(f"/settings/plugins/{name}").status_code == 404
    assert post(client, f"/settings/plugins/{name}/enable", page="/settings/plugins").status_code == 404


# --- the generated form -----------------------------------------------------------------


def test_settings_form_has_an_input_of_the_right_type_for_each_field_with_defaults(team, login):
    html = login(team.admin).get("/settings/plugins/showcase").get_data(as_text=True)

    assert re.search(r'<input checked id="send_copies" name="send_copies" type="checkbox"', html)
    hours = _field(html, "reminder_hours")
    assert 'type="number"' in hours and 'min="1"' in hours and 'max="72"' in hours and 'value="24"' in hours
    assert "Reminder hours" in hours and "Hours before a visit." in hours and "Default: 24." in hours
    assert 'type="number"' in _field(html, "discount") and 'step="any"' in _field(html, "discount")
    assert '<option selected value="formal">' in _field(html, "tone")
    assert '<option selected value="email">' in _field(html, "channel")
    assert 'type="text"' in _field(html, "sender_name") and 'maxlength="80"' in _field(html, "sender_name")
    assert "<textarea" in _field(html, "signature") and "Kind regards</textarea>" in _field(html, "signature")
    assert 'type="text"' in _field(html, "cc_addresses")
    weekdays = _field(html, "weekdays")
    assert weekdays.count('type="checkbox"') == 7 and 'checked id="weekdays-0"' in weekdays
    assert 'type="time"' in _field(html, "digest_at") and 'value="07:30"' in _field(html, "digest_at")
    assert 'value=""' in _field(html, "max_per_day")


def test_admin_saves_settings_and_the_plugin_reads_them(team, login, post):
    client = login(team.admin)

    response = post(client, "/settings/plugins/showcase", VALID)

    assert response.status_code == 302, response.get_data(as_text=True)
    assert _row(team.agency.id, "showcase").settings == {
        "send_copies": True,
        "reminder_hours": 48,
        "discount": "7.25",
        "tone": "friendly",
        "channel": "sms",
        "sender_name": "Pisos Sol 🏠",
        "signature": "Un saludo,\nEl equipo",
        "cc_addresses": ["boss@sol.example.com", "archive@sol.example.com"],
        "weekdays": ["tue", "thu"],
        "digest_at": "08:15:00",
        "max_per_day": None,
    }
    agency = db.session.get(Agency, team.agency.id)
    values = get_host().settings(agency, "showcase")
    assert (values.reminder_hours, values.discount, values.digest_at) == (48, Decimal("7.25"), time(8, 15))
    page = client.get("/settings/plugins/showcase").get_data(as_text=True)
    assert 'value="48"' in _field(page, "reminder_hours") and 'value="08:15"' in _field(page, "digest_at")
    assert "boss@sol.example.com, archive@sol.example.com" in page
    assert "Un saludo,\nEl equipo</textarea>" in page


def test_unticked_checkbox_saves_false(team, login, post):
    client = login(team.admin)

    response = post(
        client, "/settings/plugins/showcase", {k: v for k, v in VALID.items() if k != "send_copies"}
    )

    assert response.status_code == 302
    assert _row(team.agency.id, "showcase").settings["send_copies"] is False


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("reminder_hours", "abc", "integer"),
        ("reminder_hours", "", "integer"),
        ("reminder_hours", "0", "greater than or equal to 1"),
        ("reminder_hours", "73", "less than or equal to 72"),
        ("reminder_hours", "2.5", "integer"),
        ("discount", "lots", "number"),
        ("tone", "shouty", "formal"),
        ("channel", "pigeon", "email"),
        ("sender_name", "", "at least 1"),
        ("sender_name", "x" * 81, "at most 80"),
        ("weekdays", ["mon", "someday"], "mon"),
        ("digest_at", "25:61", "time"),
        ("max_per_day", "-1", "greater than or equal to 0"),
    ],
)
def test_bad_values_are_shown_next_to_their_field_and_nothing_is_saved(
    team, login, post, field, value, message
):
    client = login(team.admin)
    post(client, "/settings/plugins/showcase", VALID)
    before = _row(team.agency.id, "showcase").settings
    version = _version(team.agency.id)

    response = post(client, "/settings/plugins/showcase", {**VALID, field: value})

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    errors = re.findall(rf'<p class="error" id="{field}-error">([^<]*)</p>', html)
    assert errors and message in errors[0], errors
    assert html.count('class="error"') == 1  # the other fields are fine
    assert _row(team.agency.id, "showcase").settings == before
    assert _version(team.agency.id) == version
    if field not in ("tone", "channel", "weekdays"):
        assert f'value="{value}"' in _field(html, field)  # what was typed stays to be corrected


def test_several_bad_fields_are_all_reported_at_once(team, login, post):
    client = login(team.admin)

    response = post(
        client,
        "/settings/plugins/showcase",
        {**VALID, "reminder_hours": "lots", "tone": "", "sender_name": "", "discount": "-1"},
    )

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    for name in ("reminder_hours", "tone", "sender_name", "discount"):
        assert f'id="{name}-error"' in html
    assert _row(team.agency.id, "showcase") is None


def test_stored_settings_that_no_longer_validate_are_shown_with_their_errors(team, login):
    with tenancy.scope(team.agency.id):
        plugins.set_enabled(None, team.agency, "showcase", True)
        row = _row(team.agency.id, "showcase")
        row.settings = {"reminder_hours": 500, "removed_field": True}  # e.g. written by an older version
        db.session.commit()

    response = login(team.admin).get("/settings/plugins/showcase")

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "no longer fit" in html and 'value="500"' in _field(html, "reminder_hours")
    assert 'id="reminder_hours-error"' in html


def test_plugin_without_settings_says_so(team, login, post):
    client = login(team.admin)

    html = client.get("/settings/plugins/bare").get_data(as_text=True)

    assert "This plugin has no settings." in html and "<textarea" not in html
    assert post(client, "/settings/plugins/bare", {"anything": "1"}).status_code == 302
    assert _row(team.agency.id, "bare") is None


def test_settings_are_per_agency(team, login, post):
    post(login(team.admin), "/settings/plugins/showcase", VALID)

    html = login(team.outsider).get("/settings/plugins/showcase").get_data(as_text=True)

    assert 'value="24"' in _field(html, "reminder_hours") and "Pisos Sol" not in html


# --- errors -----------------------------------------------------------------------------


def test_the_plugins_recent_errors_are_shown_to_the_admin_of_that_agency_only(team, make, login, enable):
    enable(team.agency, "boom")
    enable(team.other_agency, "boom")
    make.prospect(team.admin)

    client = login(team.admin)
    listing = client.get("/settings/plugins").get_data(as_text=True)
    boom = listing[listing.index('id="plugin-boom"') :]
    assert "1 error" in boom[: boom.index("</tr>")]

    html = client.get("/settings/plugins/boom").get_data(as_text=True)
    errors = html[html.index('id="errors"') :]
    assert "crm_prospect_created" in errors
    assert "RuntimeError: mail server down &lt;b&gt;now&lt;/b&gt;" in errors  # escaped, never run
    assert "<details>" in errors and "Traceback (most recent call last)" in errors
    assert "<time datetime=" in errors

    other = login(team.outsider).get("/settings/plugins/boom").get_data(as_text=True)
    other_errors = other[other.index('id="errors"') :]
    assert "crm_prospect_created" not in other_errors and "mail server down" not in other_errors
