"""Settings: one's profile, password and API tokens; the agency's settings for admins."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from realty_crm import tenancy
from realty_crm.extensions import db
from realty_crm.models import Agency, ApiToken, User
from realty_crm.testing.factories import PASSWORD, form_token

AGENCY_FORM = {
    "name": "Pisos Sol & Luna",
    "timezone": "Atlantic/Canary",
    "locale": "es",
    "currency": "usd",
    "agents_see_unassigned": "y",
    "default_visit_minutes": "60",
}


def _fresh(model, ident):
    db.session.expire_all()
    return db.session.scalars(
        select(model).where(model.id == ident).execution_options(**tenancy.unscoped())
    ).one()


def _sign_in(app, email, password):
    browser = app.test_client()
    token = form_token(browser, "/login")
    return browser.post("/login", data={"email": email, "password": password, "csrf_token": token})


@pytest.mark.parametrize("role", ["admin", "manager", "agent"])
def test_each_role_opens_its_profile_and_tokens(team, login, role):
    client = login(getattr(team, role))
    assert client.get("/settings/profile").status_code == 200
    assert client.get("/settings/tokens").status_code == 200


def test_user_changes_name_phone_language_and_time_zone(team, login, post):
    client = login(team.agent)
    response = post(
        client,
        "/settings/profile",
        {
            "name": "Alba 😀 Agente",
            "phone": "611 000 111",
            "locale": "es",
            "timezone": "America/Mexico_City",
        },
    )
    assert response.status_code == 302
    me = _fresh(User, team.agent.id)
    assert me.name == "Alba 😀 Agente" and me.phone == "+34611000111"
    assert me.locale == "es" and me.timezone == "America/Mexico_City"
    page = client.get("/settings/profile").get_data(as_text=True)
    assert '<html lang="es">' in page and "Alba 😀 Agente" in page
    post(client, "/settings/profile", {"name": "Alba", "phone": "", "locale": "", "timezone": ""})
    me = _fresh(User, team.agent.id)
    assert me.locale is None and me.timezone is None and me.effective_timezone == "Europe/Madrid"


@pytest.mark.parametrize("path", ["/settings/profile", "/settings/agency"])
def test_only_canonical_area_location_time_zones_are_offered(team, login, path):
    page = login(team.admin).get(path).get_data(as_text=True)
    offered = re.findall(r'<option[^>]*value="([^"]+)"', re.search(
        r'<select[^>]*name="timezone".*?</select>', page, re.S).group(0))
    assert "Europe/Madrid" in offered and "Atlantic/Canary" in offered and "America/Mexico_City" in offered
    for legacy in ("Factory", "localtime", "W-SU", "Etc/UTC", "US/Eastern", "Etc/GMT+5", "posixrules"):
        assert legacy not in offered
    assert "UTC" in offered  # the one zone without a place, for whoever keeps times in it
    places = [zone for zone in offered if zone != "UTC"]
    assert all(re.fullmatch(r"[A-Z][A-Za-z]+/[A-Za-z0-9_/+-]+", zone) for zone in places), offered


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "n" * 101}, "name"),
        ({"locale": "klingon"}, "locale"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"timezone": "Factory"}, "timezone"),
        ({"timezone": "localtime"}, "timezone"),
        ({"timezone": "W-SU"}, "timezone"),
        ({"phone": "abc"}, "phone"),
    ],
)
def test_bad_profile_input_is_refused(team, login, post, changes, field):
    form = {"name": "Alba", "phone": "", "locale": "", "timezone": "", **changes}
    response = post(login(team.agent), "/settings/profile", form)
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert _fresh(User, team.agent.id).name == "Alba Agent"


def test_profile_shows_names_escaped(team, login, post):
    client = login(team.agent)
    post(
        client, "/settings/profile", {"name": "<script>x</script>", "phone": "", "locale": "", "timezone": ""}
    )
    page = client.get("/settings/profile").get_data(as_text=True)
    assert "<script>x</script>" not in page and "&lt;script&gt;x&lt;/script&gt;" in page


def test_password_change_needs_the_current_password(team, login, post, app):
    client = login(team.agent)
    wrong = post(
        client,
        "/settings/password",
        {"current_password": "nope", "new_password": "brand new secret", "confirm": "brand new secret"},
        page="/settings/profile",
    )
    assert wrong.status_code == 422
    assert "This is not your current password." in wrong.get_data(as_text=True)
    ok = post(
        client,
        "/settings/password",
        {"current_password": PASSWORD, "new_password": "brand new secret", "confirm": "brand new secret"},
    )
    assert ok.status_code == 302
    assert _sign_in(app, team.agent.email, "brand new secret").status_code == 302
    assert _sign_in(app, team.agent.email, PASSWORD).status_code == 401


@pytest.mark.parametrize(
    ("new", "confirm", "field", "message"),
    [
        ("short", "short", "new_password", "Use at least 8 characters."),
        ("", "", "new_password", "Use at least 8 characters."),
        ("long enough one", "long enough two", "confirm", "The two new passwords differ."),
    ],
)
def test_bad_new_password_is_refused(team, login, post, app, new, confirm, field, message):
    response = post(
        login(team.agent),
        "/settings/password",
        {"current_password": PASSWORD, "new_password": new, "confirm": confirm},
        page="/settings/profile",
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="{field}-error"' in page and message in page
    assert _sign_in(app, team.agent.email, PASSWORD).status_code == 302


def test_api_token_secret_is_shown_once_and_works_until_revoked(team, login, post, app):
    client = login(team.agent)
    assert "You have no API tokens." in client.get("/settings/tokens").get_data(as_text=True)
    response = post(client, "/settings/tokens", {"name": "Website <import>"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    secret = re.search(r'id="new-token"[^>]*value="([^"]+)"', page).group(1)
    assert secret.startswith("rcrm_")
    assert "Website &lt;import&gt;" in page
    api = app.test_client()
    me = api.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.status_code == 200 and me.get_json()["email"] == team.agent.email
    listing = client.get("/settings/tokens").get_data(as_text=True)
    assert secret not in listing and secret[:9] in listing
    token = db.session.scalars(select(ApiToken).execution_options(**tenancy.unscoped())).one()
    assert post(client, f"/settings/tokens/{token.id}/revoke").status_code == 302
    assert "Revoked" in client.get("/settings/tokens").get_data(as_text=True)
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401


def test_users_see_only_their_own_tokens_and_cannot_revoke_a_colleagues(team, make, login, post):
    make.token(team.colleague)
    theirs = db.session.scalars(select(ApiToken).execution_options(**tenancy.unscoped())).one()
    client = login(team.agent)
    assert "You have no API tokens." in client.get("/settings/tokens").get_data(as_text=True)
    assert post(client, f"/settings/tokens/{theirs.id}/revoke").status_code == 403
    assert _fresh(ApiToken, theirs.id).revoked_at is None


def test_another_agencys_token_is_not_found(team, make, login, post):
    make.token(team.outsider)
    foreign = db.session.scalars(select(ApiToken).execution_options(**tenancy.unscoped())).one()
    assert (
        post(login(team.admin), f"/settings/tokens/{foreign.id}/revoke", page="/settings/tokens").status_code
        == 404
    )
    assert _fresh(ApiToken, foreign.id).revoked_at is None


def test_admin_changes_the_agency_settings(team, login, post):
    client = login(team.admin)
    initial = client.get("/settings/agency").get_data(as_text=True)
    assert 'value="Pisos Sol"' in initial
    response = post(client, "/settings/agency", AGENCY_FORM)
    assert response.status_code == 302
    agency = _fresh(Agency, team.agency.id)
    assert agency.name == "Pisos Sol & Luna" and agency.timezone == "Atlantic/Canary"
    assert agency.locale == "es" and agency.currency == "USD"
    assert agency.agents_see_unassigned is True and agency.default_visit_minutes == 60
    assert _fresh(Agency, team.other_agency.id).name == "Casas Luna"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "n" * 201}, "name"),
        ({"currency": "EURO"}, "currency"),
        ({"currency": "€"}, "currency"),
        ({"timezone": "Europe/Atlantis"}, "timezone"),
        ({"timezone": "Factory"}, "timezone"),
        ({"timezone": "W-SU"}, "timezone"),
        ({"timezone": "US/Eastern"}, "timezone"),
        ({"locale": "de"}, "locale"),
        ({"default_visit_minutes": "abc"}, "default_visit_minutes"),
        ({"default_visit_minutes": "2"}, "default_visit_minutes"),
        ({"default_visit_minutes": ""}, "default_visit_minutes"),
    ],
)
def test_bad_agency_settings_are_refused_and_nothing_changes(team, login, post, changes, field):
    response = post(login(team.admin), "/settings/agency", {**AGENCY_FORM, **changes})
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    agency = _fresh(Agency, team.agency.id)
    assert agency.name == "Pisos Sol" and agency.currency == "EUR"


@pytest.mark.parametrize("role", ["manager", "agent"])
def test_only_admins_change_the_agency(team, login, post, role):
    client = login(getattr(team, role))
    assert client.get("/settings/agency").status_code == 403
    assert post(client, "/settings/agency", AGENCY_FORM, page="/settings/profile").status_code == 403
    assert _fresh(Agency, team.agency.id).name == "Pisos Sol"
    assert 'href="/settings/agency"' not in client.get("/settings/profile").get_data(as_text=True)


def test_a_long_or_unicode_token_name_is_kept_short_and_escaped(team, login, post):
    client = login(team.agent)
    post(client, "/settings/tokens", {"name": "محمد 😀 " + "n" * 200})
    token = db.session.scalars(select(ApiToken).execution_options(**tenancy.unscoped())).one()
    assert len(token.name) == 100 and token.name.startswith("محمد 😀")
    assert "محمد 😀" in client.get("/settings/tokens").get_data(as_text=True)


@pytest.mark.parametrize(("language", "words"), [
    ("en", "The API described in OpenAPI 3"), ("es", "La API descrita en OpenAPI 3"),
])
def test_the_tokens_page_links_the_openapi_document(team, login, language, words):
    team.agent.locale = language
    db.session.commit()
    client = login(team.agent)
    page = client.get("/settings/tokens").get_data(as_text=True)
    link = re.search(r'<a href="([^"]+)">([^<]+)</a>', page[page.index("tokens-h"):])
    assert link is not None and link.group(1) == "/api/v1/openapi.json"
    assert link.group(2).startswith(words)
    document = client.get(link.group(1))
    assert document.status_code == 200 and document.get_json()["openapi"].startswith("3.")
