"""User management: admins list, add and change the agency's users; nobody else may."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from realty_crm import tenancy
from realty_crm.extensions import db
from realty_crm.models import User
from realty_crm.testing.factories import form_token

NEW_USER = {
    "name": "Nadia Nueva",
    "email": "nadia@pisos-sol.example.com",
    "role": "agent",
    "phone": "600 555 444",
    "areas": "Centro, Retiro",
    "languages": "es, fr",
    "password": "a long password",
}


def _user(email: str) -> User | None:
    db.session.expire_all()
    return db.session.scalars(
        select(User).where(User.email == email).execution_options(**tenancy.unscoped())
    ).first()


def _user_count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(User).execution_options(**tenancy.unscoped()))


def test_admin_lists_the_agencys_users_only(team, login):
    page = login(team.admin).get("/users").get_data(as_text=True)
    for user in (team.admin, team.manager, team.agent, team.colleague):
        assert user.name in page
    assert team.outsider.name not in page


@pytest.mark.parametrize("role", ["manager", "agent"])
def test_only_admins_manage_users(team, login, post, role):
    client = login(getattr(team, role))
    assert client.get("/users").status_code == 403
    assert client.get("/users/new").status_code == 403
    assert client.get(f"/users/{team.agent.id}/edit").status_code == 403
    assert post(client, "/users/new", NEW_USER, page="/").status_code == 403
    assert _user(NEW_USER["email"]) is None
    assert 'href="/users"' not in client.get("/").get_data(as_text=True)


def test_admin_adds_a_user_who_can_then_sign_in(team, login, post, app):
    response = post(login(team.admin), "/users/new", NEW_USER)
    assert response.status_code == 302
    created = _user(NEW_USER["email"])
    assert created.agency_id == team.agency.id and created.role == "agent"
    assert created.areas == ["Centro", "Retiro"] and created.languages == ["es", "fr"]
    assert created.phone == "+34600555444"
    browser = app.test_client()
    token = form_token(browser, "/login")
    signed_in = browser.post(
        "/login", data={"email": NEW_USER["email"], "password": NEW_USER["password"], "csrf_token": token}
    )
    assert signed_in.status_code == 302


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": ""}, "name", "at least 1 character"),
        ({"name": "n" * 101}, "name", "at most 100 characters"),
        ({"email": "not-an-email"}, "email", "not a valid e-mail"),
        ({"email": ""}, "email", "not a valid e-mail"),
        ({"password": "short"}, "password", "at least 8 characters"),
        ({"password": ""}, "password", "at least 8 characters"),
        ({"role": "owner"}, "role", "Input should be"),
        ({"phone": "123"}, "phone", "phone number"),
        ({"languages": "e"}, "languages", "at least 2 characters"),
        ({"areas": "a" * 101}, "areas", "at most 100 characters"),
    ],
)
def test_bad_user_input_is_refused_next_to_its_field(team, login, post, changes, field, message):
    response = post(login(team.admin), "/users/new", {**NEW_USER, **changes})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="{field}-error"' in page and message in page
    assert _user(NEW_USER["email"]) is None


def test_an_email_already_used_in_the_agency_is_refused_naming_the_agency(team, login, post):
    response = post(login(team.admin), "/users/new", {**NEW_USER, "email": team.agent.email.upper()})
    assert response.status_code == 409
    assert "A user of your agency already has this e-mail." in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("locale", "message"),
    [("en", "This e-mail cannot be used; choose another."),
     ("es", "Este correo electrónico no se puede usar; elige otro.")],
)
def test_an_email_of_another_agency_is_refused_without_revealing_it(team, login, post, locale, message):
    team.admin.locale = locale
    db.session.commit()
    users_before = _user_count()
    twin = {**NEW_USER, "name": "Twin", "email": team.outsider.email}
    response = post(login(team.admin), "/users/new", twin)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="email-error"' in page and message in page
    for secret in (team.other_agency.name, team.outsider.name, "another agency", "otra agencia"):
        assert secret not in page
    assert _user_count() == users_before
    assert _user(team.outsider.email).agency_id == team.other_agency.id


@pytest.mark.parametrize("name", ["José 😀", "محمد", "<script>alert(1)</script>"])
def test_user_names_are_saved_and_shown_escaped(team, login, post, name):
    client = login(team.admin)
    assert post(client, "/users/new", {**NEW_USER, "name": name}).status_code == 302
    page = client.get("/users").get_data(as_text=True)
    assert name.replace("<", "&lt;").replace(">", "&gt;") in page
    assert "<script>alert(1)</script>" not in page


def test_admin_changes_role_areas_languages_and_deactivates(team, login, post):
    client = login(team.admin)
    initial = client.get(f"/users/{team.agent.id}/edit").get_data(as_text=True)
    assert 'value="Alba Agent"' in initial
    response = post(
        client,
        f"/users/{team.agent.id}/edit",
        {
            "name": "Alba Agent",
            "phone": "",
            "role": "manager",
            "areas": "Norte",
            "languages": "en",
        },
    )
    assert response.status_code == 302
    changed = _user(team.agent.email)
    assert changed.role == "manager" and changed.areas == ["Norte"] and changed.languages == ["en"]
    assert changed.active is False  # the box was left unticked
    assert "Inactive" in client.get("/users").get_data(as_text=True)


def test_admin_cannot_demote_or_deactivate_themselves(team, login, post):
    client = login(team.admin)
    for form in (
        {"name": "Ada Admin", "role": "agent", "active": "y", "areas": "", "languages": ""},
        {"name": "Ada Admin", "role": "admin", "areas": "", "languages": ""},
    ):
        response = post(client, f"/users/{team.admin.id}/edit", form)
        assert response.status_code == 422
        assert "You cannot demote or deactivate yourself." in response.get_data(as_text=True)
    me = _user(team.admin.email)
    assert me.role == "admin" and me.active is True


def test_edit_with_bad_input_changes_nothing(team, login, post):
    response = post(
        login(team.admin),
        f"/users/{team.agent.id}/edit",
        {"name": "", "role": "manager", "active": "y", "areas": "", "languages": ""},
    )
    assert response.status_code == 422
    assert _user(team.agent.email).role == "agent"


def test_another_agencys_user_is_not_found(team, login, post):
    client = login(team.admin)
    assert client.get(f"/users/{team.outsider.id}/edit").status_code == 404
    response = post(
        client,
        f"/users/{team.outsider.id}/edit",
        {"name": "Hacked", "role": "agent", "areas": "", "languages": ""},
        page="/users",
    )
    assert response.status_code == 404
    assert _user(team.outsider.email).name == "Otto Outsider"
