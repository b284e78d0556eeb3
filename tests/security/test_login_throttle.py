"""Wrong passwords slow down one (account, address) pair, more after each one; nobody is locked
out (tests/serving shows the counts shared by several server processes)."""

from __future__ import annotations

import re
import time

import pytest

from realty_crm.extensions import db
from realty_crm.login_throttle import delay_after
from realty_crm.testing.factories import PASSWORD, form_token

ATTACKER = "198.51.100.7"
OWNER = "203.0.113.20"


def _post_login(client, email, password, address, **headers):
    token = form_token(client, "/login")
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token},
        environ_base={"REMOTE_ADDR": address},
        headers=headers,
    )


def _fail(client, email, address, times):
    for _ in range(times):
        assert _post_login(client, email, "wrong", address).status_code == 401


def _signed_in(client, address) -> bool:
    return client.get("/", environ_base={"REMOTE_ADDR": address}).status_code == 200


def test_an_attacker_s_wrong_passwords_do_not_lock_the_owner_out(make, app):
    owner = make.user()
    attacker = app.test_client()
    _fail(attacker, owner.email, ATTACKER, 5)
    assert _post_login(attacker, owner.email, "still wrong", ATTACKER).status_code == 429
    client = app.test_client()
    assert _post_login(client, owner.email, PASSWORD, OWNER).status_code == 302
    assert _signed_in(client, OWNER)


def test_after_five_wrong_passwords_the_pair_waits_and_nothing_is_checked(make, app):
    user = make.user()
    client = app.test_client()
    _fail(client, user.email, ATTACKER, 5)
    response = _post_login(client, user.email, PASSWORD, ATTACKER)
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) >= 30
    html = response.get_data(as_text=True)
    assert "Too many wrong passwords for this account from your address: wait 30 seconds" in html
    assert 'name="email"' in html  # the login page, with its form
    assert not _signed_in(client, ATTACKER)
    db.session.refresh(user)
    assert user.last_login_at is None


def test_the_wait_doubles_with_each_further_wrong_password(make, app_factory):
    user = make.user()
    client = app_factory(LOGIN_FIRST_DELAY_SECONDS=1).test_client()
    _fail(client, user.email, ATTACKER, 4)
    fifth = _post_login(client, user.email, "wrong", ATTACKER)
    assert "wait 1 second " in fifth.get_data(as_text=True)
    time.sleep(1.2)
    sixth = _post_login(client, user.email, "wrong", ATTACKER)
    assert sixth.status_code == 401
    assert "wait 2 seconds" in sixth.get_data(as_text=True)
    assert _post_login(client, user.email, PASSWORD, ATTACKER).status_code == 429
    time.sleep(2.2)
    assert _post_login(client, user.email, PASSWORD, ATTACKER).status_code == 302


def test_the_wait_doubles_up_to_fifteen_minutes_at_most(app):
    assert [delay_after(n) for n in (1, 4, 5, 6, 7, 9, 10, 100, 10**6)] == [
        0, 0, 30, 60, 120, 480, 900, 900, 900
    ]


def test_a_success_forgets_the_pair_s_failures(make, app):
    user = make.user()
    client = app.test_client()
    _fail(client, user.email, ATTACKER, 4)
    assert _post_login(client, user.email, PASSWORD, ATTACKER).status_code == 302
    other = app.test_client()
    _fail(other, user.email, ATTACKER, 4)
    assert _post_login(other, user.email, PASSWORD, ATTACKER).status_code == 302


def test_the_wait_is_explained_in_spanish(make, app):
    user = make.user()
    client = app.test_client()
    _fail(client, user.email, ATTACKER, 5)
    response = _post_login(client, user.email, PASSWORD, ATTACKER, **{"Accept-Language": "es"})
    assert response.status_code == 429
    text = re.sub(r"\s+", " ", response.get_data(as_text=True))
    assert "Demasiadas contraseñas incorrectas para esta cuenta desde tu dirección" in text
    assert "espera 30 segundos" in text


@pytest.mark.parametrize("email", ["nobody@example.com", "x" * 240 + "@example.com"])
def test_unknown_e_mails_are_throttled_alike(app, email):
    client = app.test_client()
    _fail(client, email, ATTACKER, 5)
    assert _post_login(client, email, "wrong", ATTACKER).status_code == 429
