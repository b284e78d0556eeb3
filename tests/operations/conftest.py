"""Fixtures of the operations tests: apps on databases of their own (created empty, on the
suite's kind of database), migrated to a chosen revision, and a picture of their data."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from flask import Flask
from psycopg import sql
from sqlalchemy import inspect, select, text
from sqlalchemy.engine import make_url

from realty_crm import create_app
from realty_crm.extensions import db
from realty_crm.testing.fixtures import RequestIsolatedClient, base_config

DATA_TABLES = ("agencies", "users", "api_tokens", "prospects", "properties", "visits", "calls",
               "follow_ups", "activities")


def _admin_url(url: str) -> str:
    return make_url(url).set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False
    )


@pytest.fixture
def own_database(database_url: str, tmp_path: Any) -> Iterator[str]:
    """The URL of a new, empty database: a SQLite file, or (on the PostgreSQL run) a new
    PostgreSQL database beside the suite's, dropped afterwards."""
    if not database_url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'own.sqlite3'}"
        return
    url = make_url(database_url)
    name = f"{url.database}_ops_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(_admin_url(database_url), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(_admin_url(database_url), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def app_on() -> Iterator[Callable[..., Flask]]:
    """``app_on(url, **settings)``: a test app on the database at ``url`` (engines disposed after)."""
    apps: list[Flask] = []

    def make(url: str, **overrides: Any) -> Flask:
        app = create_app({**base_config(url), **overrides})
        app.test_client_class = RequestIsolatedClient
        apps.append(app)
        return app

    yield make
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def migrate_to(app: Flask, revision: str) -> None:
    """Run the app's migrations up to ``revision`` (``heads``: every branch's latest)."""
    from flask_migrate import upgrade

    with app.app_context():
        upgrade(revision=revision)
        db.engine.dispose()


def snapshot(app: Flask) -> dict[str, list[tuple[str, ...]]]:
    """Every row of the data tables, as text, to compare a database before and after."""
    with app.app_context():
        with db.engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            picture = {
                table: sorted(
                    tuple(str(value) for value in row)
                    for row in conn.execute(select(text("*")).select_from(text(table)))
                )
                for table in DATA_TABLES if table in tables
            }
        db.engine.dispose()
    return picture
