"""With the rate-limit storage (Redis) configured but unreachable, sign-in and every limited page
still work: limits and the login throttle fail open, and each failure is logged."""

from __future__ import annotations

import logging
import socket

import pytest

from realty_crm.testing.factories import PASSWORD, form_token


def _closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def unreachable_redis_app(app_factory):
    """An app whose limits live in a Redis that does not answer. Ask for it after ``make``: the
    limiter is one object, and the last app built sets its storage."""
    app = app_factory(RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{_closed_port()}/0")
    with app.app_context():
        yield app


def _sign_in(client, email, password):
    return client.post("/login", data={
        "email": email, "password": password, "csrf_token": form_token(client, "/login"),
    })


def test_signing_in_works_while_the_limit_storage_is_down(make, unreachable_redis_app, caplog):
    user = make.user()
    client = unreachable_redis_app.test_client()

    with caplog.at_level(logging.WARNING):
        answer = _sign_in(client, user.email, PASSWORD)

    assert answer.status_code == 302
    assert client.get("/").status_code == 200
    assert any("rate-limit storage failed" in record.getMessage() for record in caplog.records)


def test_a_wrong_password_is_still_refused_while_the_limit_storage_is_down(make, unreachable_redis_app):
    user = make.user()
    client = unreachable_redis_app.test_client()

    answer = _sign_in(client, user.email, "not the password")

    assert answer.status_code == 401
    assert "Wrong e-mail or password." in answer.get_data(as_text=True)
    assert client.get("/").status_code == 302  # still signed out: sent to the sign-in page
