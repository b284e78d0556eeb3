"""``realty-crm init`` creates the example plugin's table through the plugin's own Alembic branch,
on a fresh database of the kind the suite runs on (a SQLite file, or a new PostgreSQL database)."""

from __future__ import annotations

from pathlib import Path

import realty_crm_visit_notes
from alembic.script import ScriptDirectory
from flask import Flask
from flask_migrate import downgrade
from sqlalchemy import inspect, select, text

from realty_crm.plugin_api import Agency, db
from realty_crm.testing.plugin_tools import accounts

TABLE = "visit_notes_debriefs"
REVISION = "visit_notes_0001"


def _tables_and_versions(app: Flask) -> tuple[set[str], set[str]]:
    with app.app_context():
        tables = set(inspect(db.engine).get_table_names())
        with db.engine.connect() as conn:
            versions = set(conn.scalars(text("SELECT version_num FROM alembic_version")))
    return tables, versions


def _init(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["init"])
    assert result.exit_code == 0, result.output


def test_the_plugins_revision_is_a_branch_of_its_own_inside_the_package(migration_script: ScriptDirectory):
    revision = migration_script.get_revision(REVISION)

    assert revision.branch_labels == {"visit_notes"}
    assert revision.down_revision is None
    assert revision.dependencies == "0001_core"
    assert Path(revision.path).is_relative_to(Path(realty_crm_visit_notes.__file__).parent)


def test_init_creates_the_plugins_table_through_its_branch_on_a_fresh_database(fresh_app: Flask):
    _init(fresh_app)

    tables, versions = _tables_and_versions(fresh_app)
    assert TABLE in tables and "visits" in tables
    assert REVISION in versions
    with fresh_app.app_context():
        script = ScriptDirectory.from_config(fresh_app.extensions["migrate"].migrate.get_config())
        assert versions == set(script.get_heads())


def test_init_adds_the_table_to_a_database_made_before_the_plugin_was_installed(fresh_app: Flask):
    app = fresh_app
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
