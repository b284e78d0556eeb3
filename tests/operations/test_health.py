"""``/healthz`` (the process answers) and ``/readyz`` (the database answers and is fully migrated)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from flask import Flask
from sqlalchemy import event, text

from realty_crm.extensions import db, limiter
from realty_crm.health import migration_heads
from realty_crm.testing.factories import Factory

from .conftest import migrate_to


def _unreachable(database_url: str) -> str:
    """A database of the suite's kind that cannot be reached."""
    if database_url.startswith("postgresql"):
        return "postgresql+psycopg://postgres@127.0.0.1:1/nowhere?connect_timeout=2"
    return "sqlite:////nonexistent-folder/realty_crm.sqlite3"


@contextmanager
def _statements(app: Flask) -> Iterator[list[str]]:
    """The SQL statements the app sends while the block runs."""
    sent: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        sent.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_healthz_answers_ok_without_sign_in_or_database(
    app_on: Callable[..., Flask], database_url: str
) -> None:
    app = app_on(_unreachable(database_url))

    response = app.test_client().get("/healthz")

    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_healthz_reads_nothing_from_the_database_even_for_a_signed_in_browser(
    app: Flask, make: Factory, login: Callable
) -> None:
    browser = login(make.user())

    with _statements(app) as sent:
        response = browser.get("/healthz")

    assert response.status_code == 200
    assert sent == []


@pytest.fixture
def limited_app(app_factory: Callable[..., Flask]) -> Iterator[Flask]:
    """An app whose every route is limited to one request an hour (``RATELIMIT_DEFAULT``).

    Flask-Limiter keeps default limits on the shared ``limiter`` once set: they are cleared
    afterwards so later tests' apps do not inherit them."""
    yield app_factory(RATELIMIT_DEFAULT="1 per hour")
    limiter.limit_manager.set_default_limits([])


def test_health_checks_are_not_rate_limited(limited_app: Flask) -> None:
    client = limited_app.test_client()
    assert [client.get("/login").status_code for _ in range(2)] == [200, 429]  # the limit applies

    assert {client.get("/healthz").status_code for _ in range(5)} == {200}
    assert {client.get("/readyz").status_code for _ in range(5)} == {200}


def test_readyz_is_ok_on_a_database_at_the_migrations_heads(app: Flask) -> None:
    response = app.test_client().get("/readyz")

    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert set(body["revisions"]) == migration_heads(app)


def test_readyz_is_unavailable_when_the_database_does_not_answer(
    app_on: Callable[..., Flask], database_url: str
) -> None:
    app = app_on(_unreachable(database_url))

    response = app.test_client().get("/readyz")

    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unavailable"
    assert body["reason"] == "database_unreachable"


def test_readyz_is_unavailable_until_the_database_is_migrated(
    app_on: Callable[..., Flask], own_database: str
) -> None:
    app = app_on(own_database)
    client = app.test_client()

    never_migrated = client.get("/readyz")
    migrate_to(app, "0001_core")
    first_release = client.get("/readyz")
    migrate_to(app, "heads")
    current = client.get("/readyz")

    assert never_migrated.status_code == 503
    assert never_migrated.get_json()["reason"] == "migrations_pending"
    assert never_migrated.get_json()["database"] == []
    assert first_release.status_code == 503
    assert first_release.get_json()["reason"] == "migrations_pending"
    assert first_release.get_json()["database"] == ["0001_core"]
    assert set(first_release.get_json()["expected"]) == migration_heads(app)
    assert "realty-crm init" in first_release.get_json()["detail"]
    assert current.status_code == 200


def test_readyz_is_unavailable_on_a_database_migrated_by_a_newer_version(
    app_on: Callable[..., Flask], own_database: str
) -> None:
    app = app_on(own_database)
    migrate_to(app, "heads")
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(text("INSERT INTO alembic_version (version_num) VALUES ('0099_from_the_future')"))

    response = app.test_client().get("/readyz")

    assert response.status_code == 503
    assert response.get_json()["reason"] == "unknown_revision"
    assert "0099_from_the_future" in response.get_json()["database"]
