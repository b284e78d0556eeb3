"""Passwords (OWASP ASVS 2.1): 8 to 200 characters, no composition rules, none of the common
passwords nor very weak ones, wherever one is set; signing in costs a password check even for an
e-mail nobody has."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from realty_crm import passwords, tenancy
from realty_crm.errors import ValidationFailed
from realty_crm.extensions import db
from realty_crm.models import Role, User
from realty_crm.services import accounts
from realty_crm.testing.factories import PASSWORD, form_token

EMAIL = "nadia.nueva@pisos-sol.example.com"

WEAK = [
    ("password", "common"),
    ("12345678", "common"),
    ("PassWord1", "common"),
    ("qwertyuiop", "common"),
    ("iloveyou", "common"),
    ("aaaaaaaa", "common"),
    ("zzzzzzzzzq", "too few"),
    ("abababababab", "too few"),
    ("77778888", "too few"),
    ("kzkzkzkzkzkz", "too few"),
    ("pass\x00word-and-more", "control characters"),
    ("\x00" * 8, "control characters"),
    (EMAIL, "e-mail"),
    ("Nadia.Nueva", "e-mail"),
    ("short", "at least 8"),
    ("", "at least 8"),
    ("p" * 150 + "assphrase with" + "x" * 40, "at most 200"),
]
STRONG = [
    "correct horse battery", "s3cret-pass", "Pisos Sol 2026!", "ñandú-en-la-azotea", "q" * 63 + "wertyuiop",
]


def _users() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(User.id)).execution_options(**tenancy.unscoped()))


@pytest.mark.parametrize(("password", "reason"), WEAK)
def test_a_weak_password_is_refused_when_creating_a_user(make, password, reason):
    agency = make.agency()
    before = _users()
    with pytest.raises(ValidationFailed) as refused:
        accounts.create_user(agency, {"email": EMAIL, "name": "Nadia", "password": password})
    assert reason in refused.value.details["password"]
    assert _users() == before


@pytest.mark.parametrize("password", STRONG)
def test_long_or_uncommon_passwords_are_accepted_without_composition_rules(make, password):
    user = accounts.create_user(make.agency(), {"email": EMAIL, "name": "Nadia", "password": password})
    assert user.check_password(password)


def test_a_common_password_is_refused_by_the_web_form_with_a_message(app, make):
    admin = make.user(role=Role.ADMIN)
    desk = app.test_client()
    token = form_token(desk, "/login")
    desk.post("/login", data={"email": admin.email, "password": PASSWORD, "csrf_token": token})
    before = _users()

    response = desk.post("/users/new", data={
        "csrf_token": form_token(desk, "/users/new"), "name": "Nadia", "email": EMAIL,
        "role": "agent", "password": "password",
    })

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="password-error"' in page and "one of the most common" in page
    assert _users() == before


def test_a_common_password_is_refused_by_the_command_line(app, make):
    agency = make.agency()
    before = _users()
    result = app.test_cli_runner().invoke(args=[
        "create-user", EMAIL, "--agency", agency.slug, "--role", "agent", "--password", "12345678",
    ])
    db.session.rollback()
    assert result.exit_code != 0
    assert "one of the most common" in result.output
    assert _users() == before


@pytest.mark.parametrize(("password", "reason"), WEAK[:12])
def test_a_weak_new_password_is_refused_and_nothing_changes(app, make, password, reason):
    user = make.user()
    old_hash, old_version = user.password_hash, user.session_version
    with pytest.raises(ValidationFailed) as refused:
        accounts.change_password(user, PASSWORD, password)
    assert reason in refused.value.details["password"]
    db.session.rollback()
    db.session.expire_all()
    fresh = db.session.get(User, user.id)
    assert (fresh.password_hash, fresh.session_version) == (old_hash, old_version)


def test_the_password_form_names_the_rule_in_spanish(app, make):
    user = make.user(make.agency(locale="es"))
    device = app.test_client()
    device.post("/login", data={
        "email": user.email, "password": PASSWORD, "csrf_token": form_token(device, "/login"),
    })
    response = device.post("/settings/password", data={
        "csrf_token": form_token(device, "/settings/profile"), "current_password": PASSWORD,
        "new_password": "password", "confirm": "password",
    })
    assert response.status_code == 422
    assert "Esta contraseña es de las más habituales" in response.get_data(as_text=True)


def test_an_unknown_email_costs_the_same_password_check_as_a_known_one(app, make, monkeypatch):
    user = make.user()
    checked: list[str] = []
    real_check = passwords.check_password_hash

    def counting_check(password_hash: str, password: str) -> bool:
        checked.append(password_hash.split("$", 1)[0])
        return real_check(password_hash, password)

    monkeypatch.setattr(passwords, "check_password_hash", counting_check)

    assert accounts.authenticate(user.email, "not the password") is None
    assert accounts.authenticate("nobody@nowhere.example.com", "not the password") is None
    assert accounts.authenticate("", "") is None

    method = user.password_hash.split("$", 1)[0]
    assert checked == [method, method, method]
