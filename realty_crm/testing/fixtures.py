"""pytest fixtures: an app on a real database (SQLite, or PostgreSQL when
``REALTY_CRM_TEST_DATABASE_URL`` names one), a client, factories and signed-in helpers.

The schema is built once per run with the real migrations; every test starts
from empty tables.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, g
from flask.testing import FlaskClient
from sqlalchemy import text

from .. import create_app
from ..extensions import db
from ..models import Activity, User
from .factories import ApiClient, Factory
from .factories import login as _login

TEST_DB_ENV = "REALTY_CRM_TEST_DATABASE_URL"

# a plugin's own suite gets its sample agencies with these fixtures
pytest_plugins = ["realty_crm.testing.plugin_fixtures"]


def test_database_url(tmp_dir: Path) -> str:
    """The database the suite runs on: the env's PostgreSQL URL, else a fresh SQLite file."""
    return os.environ.get(TEST_DB_ENV) or f"sqlite:///{tmp_dir / 'test.sqlite3'}"


def base_config(database_url: str) -> dict[str, Any]:
    """Settings for an app under test."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "DATABASE_URL": database_url,
        "WTF_CSRF_ENABLED": True,
        "RATELIMIT_STORAGE_URI": "memory://",
        # one hashing round: tests create and sign in many users (checking still works);
        # production keeps scrypt
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1",
    }


class RequestIsolatedClient(FlaskClient):
    """A test client whose every request gets a fresh app context (its own ``g`` and DB session),
    as in production, even while the test holds an app context of its own."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        _see_fresh_data()
        return response


def _see_fresh_data() -> None:
    """End the test's own read transaction so it sees what the request committed."""
    from flask import has_app_context

    if not has_app_context():
        return
    session = db.session()
    if session.in_transaction() and not (session.new or session.dirty or session.deleted):
        session.rollback()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated, empty database for the whole run."""
    from flask_migrate import upgrade

    url = test_database_url(tmp_path_factory.mktemp("db"))
    app = create_app(base_config(url))
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade(revision="heads")
        db.engine.dispose()
    return url


def _empty_tables() -> None:
    # DELETE beats TRUNCATE on PostgreSQL for the few rows a test leaves
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def app_factory(database_url: str) -> Iterator[Callable[..., Flask]]:
    """Build apps on the test database with extra settings; tables are emptied afterwards."""
    apps: list[Flask] = []

    def make_app(**overrides: Any) -> Flask:
        config = base_config(database_url)
        config.update(overrides)
        app = create_app(config)
        app.test_client_class = RequestIsolatedClient
        apps.append(app)
        return app

    yield make_app
    for index, app in enumerate(apps):
        with app.app_context():
            db.session.remove()
            if index == 0:
                _empty_tables()
            db.engine.dispose()


@pytest.fixture
def app(app_factory: Callable[..., Flask]) -> Iterator[Flask]:
    """The application, with an app context pushed for the test's direct service calls."""
    application = app_factory()
    with application.app_context():
        yield application
        db.session.remove()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A browser-like test client (cookies kept between requests)."""
    return app.test_client()


@pytest.fixture
def make(app: Flask) -> Factory:
    """Factories for agencies, users, prospects, properties, calls and follow-ups."""
    return Factory(app)


@pytest.fixture
def login(app: Flask) -> Callable[[User], FlaskClient]:
    """``login(user)``: a new test client signed in as ``user``."""

    def sign_in(user: User) -> FlaskClient:
        return _login(app.test_client(), user)

    return sign_in


@pytest.fixture
def api(app: Flask, make: Factory) -> Callable[[User], ApiClient]:
    """``api(user)``: a client that calls the REST API with a token of ``user``."""

    def client_for(user: User) -> ApiClient:
        return ApiClient(app.test_client(), make.token(user))

    return client_for


@pytest.fixture
def read_entry(app: Flask) -> Callable[..., str]:
    """``read_entry(entry, reader=None)``: a timeline entry's words as ``reader`` reads them
    (their language and time zone; without a reader, the app's defaults: English, UTC)."""
    from flask_babel import refresh

    from ..timeline_text import summary

    def read(entry: Activity, reader: User | None = None) -> str:
        # the test's app context (and its ``g``, where Flask-Babel keeps the locale) is shared
        with app.test_request_context("/"):
            previous = g.pop("api_user", None)
            g.api_user = reader
            refresh()
            try:
                return summary(entry)
            finally:
                g.api_user = previous
                refresh()

    return read



@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The app served by the production server (waitress) on 127.0.0.1; yields its base URL."""
    import threading

    from waitress.server import create_server

    server = create_server(app, host="127.0.0.1", port=0, threads=4, ident="realty-crm-test")
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.close()
        thread.join(timeout=5)


CHROMIUM = os.environ.get("REALTY_CRM_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """A headless Debian Chromium driven by Playwright (its own browser download is not used)."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (make system-deps)")
    with playwright_api.sync_playwright() as p:
        instance = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Any, live_server: str) -> Iterator[Any]:
    """A fresh browser page (own cookies) whose relative URLs go to the live server."""
    context = browser.new_context(base_url=live_server, locale="en-GB")
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    yield tab
    context.close()


REDIS_URL = os.environ.get("REALTY_CRM_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture(scope="session")
def redis_limits() -> Iterator[dict[str, str]]:
    """Rate-limit settings on the real Redis with a key prefix of this run's own
    (``RATELIMIT_STORAGE_URI``, ``RATELIMIT_KEY_PREFIX``); its keys are deleted afterwards."""
    import uuid

    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_timeout=5)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.fail(f"Redis is needed at {REDIS_URL}: {exc}")
    prefix = f"realty-crm-test-{uuid.uuid4().hex}"
    yield {"RATELIMIT_STORAGE_URI": REDIS_URL, "RATELIMIT_KEY_PREFIX": prefix}
    for key in client.scan_iter(match=f"*{prefix}*", count=1000):
        client.delete(key)
    client.close()
