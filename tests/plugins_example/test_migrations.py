"""``realty-crm init`` creates the example plugin's table through the plugin's own Alembic branch,
on a fresh database of the kind the suite runs on (a SQLite file, or a new PostgreSQL database)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import realty_crm_visit_notes
from alembic.script import ScriptDirectory
from flask import Flask
from flask_migrate import downgrade
from sqlalchemy import create_engine, inspect, make_url, select, text

from realty_crm.extensions import db
from realty_crm.models import Agency
from realty_crm.services import accounts
from realty_crm.testing.fixtures import TEST_DB_ENV

TABLE = "visit_notes_debriefs"
REVISION = "visit_notes_0001"


@pytest.fixture
def fresh_database_url(tmp_path: Path) -> Iterator[str]:
    """An empty database: a new SQLite file, or a new PostgreSQL database beside the suite's."""
    suite_url = os.environ.get(TEST_DB_ENV)
    if not suite_url:
        yield f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
        return
    url = make_url(suite_url)
    name = f"{url.database}_vn_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _tables_and_versions(app: Flask) -> tuple[set[str], set[str]]:
    with app.app_context():
        tables = set(inspect(db.engine).get_table_names())
        with db.engine.connect() as conn:
            versions = set(conn.scalars(text("SELECT version_num FROM alembic_version")))
    return tables, versions


def _script(app: Flask) -> ScriptDirectory:
    with app.app_context():
        return ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())


def _init(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["init"])
    assert result.exit_code == 0, result.output


def test_the_plugins_revision_is_a_branch_of_its_own_inside_the_package(app):
    revision = _script(app).get_revision(REVISION)

    assert revision.branch_labels == {"visit_notes"}
    assert revision.down_revision is None
    assert revision.dependencies == "0001_core"
    assert Path(revision.path).is_relative_to(Path(realty_crm_visit_notes.__file__).parent)


def test_init_creates_the_plugins_table_through_its_branch_on_a_fresh_database(
    fresh_database_url: str, app_factory: Callable[..., Flask]
):
    app = app_factory(DATABASE_URL=fresh_database_url)

    _init(app)

    tables, versions = _tables_and_versions(app)
    assert TABLE in tables and "visits" in tables
    assert REVISION in versions
    assert versions == set(_script(app).get_heads())


def test_init_adds_the_table_to_a_database_made_before_the_plugin_was_installed(
    fresh_database_url: str, app_factory: Callable[..., Flask]
):
    app = app_factory(DATABASE_URL=fresh_database_url)
    _init(app)
    with app.app_context():
        downgrade(revision="visit_notes@base")
        accounts.create_agency("Inmobiliaria Sol", "sol")
    tables, versions = _tables_and_versions(app)
    assert TABLE not in tables and REVISION not in versions and versions

    _init(app)

    tables, versions = _tables_and_versions(app)
    assert TABLE in tables and REVISION in versions
    with app.app_context():
        assert db.session.scalars(select(Agency.slug)).all() == ["sol"]

    _init(app)  # and again: nothing left to do

    assert _tables_and_versions(app) == (tables, versions)
