"""Signing in: hashed passwords, rate limits, cookies, CSRF and headers."""

from __future__ import annotations

import pytest

from realty_crm.extensions import db
from realty_crm.models import Role
from realty_crm.testing.factories import PASSWORD, form_token


def _post_login(client, email, password, **environ):
    token = form_token(client, "/login")
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token},
        environ_base=environ,
    )


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_login_page_has_labelled_email_and_password_fields(client):
    html = client.get("/login").get_data(as_text=True)
    assert '<label for="email">' in html
    assert '<label for="password">' in html
    assert 'type="password"' in html


def test_user_signs_in_and_out(make, client):
    user = make.user(role=Role.AGENT)
    response = _post_login(client, user.email.upper(), PASSWORD)
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    token = form_token(client, "/")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/").status_code == 302


def test_wrong_password_is_refused_with_a_message(make, client):
    user = make.user()
    response = _post_login(client, user.email, "not the password")
    assert response.status_code == 401
    assert "Wrong e-mail or password" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_inactive_user_cannot_sign_in(make, client):
    user = make.user(active=False)
    assert _post_login(client, user.email, PASSWORD).status_code == 401


def test_password_is_stored_hashed(make):
    user = make.user()
    assert PASSWORD not in (user.password_hash or "")
    assert user.check_password(PASSWORD)


def test_login_without_csrf_token_is_refused(make, client):
    user = make.user()
    client.get("/login")
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/").status_code == 302


def test_failed_logins_are_limited_per_address_across_accounts(make, client, app):
    agency = make.agency()
    users = [make.user(agency) for _ in range(21)]
    for user in users[:20]:
        assert _post_login(client, user.email, "wrong", REMOTE_ADDR="127.0.0.7").status_code == 401
    assert _post_login(client, users[20].email, PASSWORD, REMOTE_ADDR="127.0.0.7").status_code == 429
    assert _post_login(client, users[20].email, PASSWORD, REMOTE_ADDR="127.0.0.8").status_code == 302


def test_successful_logins_do_not_count_against_the_limit(make, app):
    user = make.user()
    for _ in range(8):
        client = app.test_client()
        assert _post_login(client, user.email, PASSWORD).status_code == 302


def test_session_cookie_is_httponly_and_samesite(make, client):
    user = make.user()
    response = _post_login(client, user.email, PASSWORD)
    cookie = next(v for k, v in response.headers.items() if k == "Set-Cookie" and "session=" in v)
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_session_cookie_is_secure_over_https(make, app):
    user = make.user()
    client = app.test_client()
    token = form_token(client, "https://localhost/login")
    response = client.post(
        "https://localhost/login",
        data={"email": user.email, "password": PASSWORD, "csrf_token": token},
        headers={"Referer": "https://localhost/login"},
    )
    cookie = next(v for k, v in response.headers.items() if k == "Set-Cookie" and "session=" in v)
    assert "Secure" in cookie


@pytest.mark.parametrize(
    "target", ["//evil.example.com/", "https://evil.example.com/", "javascript:alert(1)"]
)
def test_login_never_redirects_off_site(make, client, target):
    user = make.user()
    token = form_token(client, "/login")
    response = client.post(
        f"/login?next={target}", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_pages_carry_security_headers(client):
    headers = client.get("/login").headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert "script-src 'self'" in headers["Content-Security-Policy"]


def test_login_page_follows_the_browser_language(client):
    html = client.get("/login", headers={"Accept-Language": "es-ES,es;q=0.9"}).get_data(as_text=True)
    assert 'lang="es"' in html
    assert "Contraseña" in html


def test_last_login_is_recorded(make, client):
    user = make.user()
    _post_login(client, user.email, PASSWORD)
    db.session.refresh(user)
    assert user.last_login_at is not None
