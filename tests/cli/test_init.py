"""``realty-crm init``: creates or upgrades the database, and is safe to run again."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy import inspect, select, text

from realty_crm.extensions import db
from realty_crm.models import Agency
from realty_crm.services import accounts

CORE_TABLES = {
    "agencies", "users", "api_tokens", "prospects", "properties", "visits", "calls", "follow_ups",
    "activities",
}


def _state(app: Flask) -> tuple[set[str], set[str]]:
    with app.app_context():
        tables = set(inspect(db.engine).get_table_names())
        with db.engine.connect() as conn:
            versions = set(conn.scalars(text("SELECT version_num FROM alembic_version")))
    return tables, versions


def _heads(app: Flask) -> set[str]:
    """Every head ``init`` upgrades to: the core's and each installed plugin's branch."""
    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config()
    return set(ScriptDirectory.from_config(config).get_heads())


def test_init_builds_the_schema_on_an_empty_database(
    app_factory: Callable[..., Flask], tmp_path: Path
) -> None:
    database = tmp_path / "fresh.sqlite3"
    app = app_factory(DATABASE_URL=f"sqlite:///{database}")

    result = app.test_cli_runner().invoke(args=["init"])

    assert result.exit_code == 0, result.output
    assert "Database is up to date" in result.output
    assert str(database) in result.output
    tables, versions = _state(app)
    assert tables >= CORE_TABLES
    assert versions == _heads(app)


def test_init_again_changes_nothing_and_keeps_the_data(
    app_factory: Callable[..., Flask], tmp_path: Path
) -> None:
    app = app_factory(DATABASE_URL=f"sqlite:///{tmp_path / 'again.sqlite3'}")
    runner = app.test_cli_runner()
    assert runner.invoke(args=["init"]).exit_code == 0
    with app.app_context():
        accounts.create_agency("Inmobiliaria Sol", "sol")
    before = _state(app)

    second = runner.invoke(args=["init"])

    assert second.exit_code == 0, second.output
    assert "Database is up to date" in second.output
    assert _state(app) == before
    with app.app_context():
        assert db.session.scalars(select(Agency.slug)).all() == ["sol"]
