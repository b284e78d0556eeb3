"""``realty-crm backup PATH`` and ``realty-crm restore PATH``: a restore drill, and the refusals
that leave the database as it was."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import Result
from flask import Flask
from sqlalchemy import text

from realty_crm import tenancy
from realty_crm.extensions import db
from realty_crm.models import Role, utcnow
from realty_crm.services import visits
from realty_crm.testing.factories import Factory, login

from .conftest import migrate_to, snapshot

pytestmark = pytest.mark.timeout(300)


def run(app: Flask, *args: str, input: str | None = None) -> Result:
    """``realty-crm ARGS`` on ``app``'s database."""
    return app.test_cli_runner().invoke(args=list(args), input=input)


def populate(app: Flask) -> dict[str, int]:
    """An agency with staff, a prospect with a call, a follow-up and a visit to a property."""
    with app.app_context():
        make = Factory(app)
        agency = make.agency("Inmobiliaria Sol", slug="sol")
        agent = make.user(agency, Role.AGENT, email="ana@sol.example.com")
        prospect = make.prospect(agent, first_name="Lucía", last_name="Backup")
        make.call(agent, prospect)
        make.follow_up(agent, prospect)
        listing = make.property(agent, title="Ático en Chamberí")
        with tenancy.scope(agency.id):
            visits.schedule_visit(agent, {
                "property_id": listing.id, "prospect_id": prospect.id,
                "starts_at": (utcnow() + timedelta(days=2)).isoformat(), "duration_minutes": 30,
            })
        ids = {"agent": agent.id, "prospect": prospect.id}
        db.session.remove()
    return ids


@pytest.fixture
def live(app_on: Callable[..., Flask], own_database: str) -> Flask:
    """An app on a database of its own, migrated and with data in it."""
    app = app_on(own_database)
    migrate_to(app, "heads")
    populate(app)
    return app


def spoil(app: Flask) -> None:
    """The mistakes a backup is for: data deleted, changed and added."""
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(text("DELETE FROM prospects"))
        conn.execute(text("UPDATE agencies SET name = 'Renamed by mistake'"))
        conn.execute(text("INSERT INTO agencies (name, slug, timezone, locale, currency, assignment_rule, "
                          "agents_see_unassigned, default_visit_minutes, settings, created_at) VALUES "
                          "('Stray', 'stray', 'UTC', 'en', 'EUR', 'manual', false, 30, '{}', "
                          "CURRENT_TIMESTAMP)"))
    with app.app_context():
        db.engine.dispose()


def test_restore_drill_brings_the_data_back(live: Flask, tmp_path: Path) -> None:
    before = snapshot(live)
    backup_file = tmp_path / "sol.backup"

    made = run(live, "backup", str(backup_file))
    spoil(live)
    assert snapshot(live) != before
    restored = run(live, "restore", str(backup_file), "--yes")

    assert made.exit_code == 0, made.output
    assert f"to {backup_file}" in made.output
    assert restored.exit_code == 0, restored.output
    assert "Restored" in restored.output
    assert snapshot(live) == before
    with live.app_context():
        from realty_crm.models import User

        agent = db.session.scalars(db.select(User).where(User.email == "ana@sol.example.com")).one()
        page = login(live.test_client(), agent).get("/prospects")
        db.session.remove()
    assert page.status_code == 200
    assert "Lucía" in page.get_data(as_text=True)
    assert live.test_client().get("/readyz").status_code == 200


def test_restore_asks_first_and_a_no_changes_nothing(live: Flask, tmp_path: Path) -> None:
    backup_file = tmp_path / "sol.backup"
    assert run(live, "backup", str(backup_file)).exit_code == 0
    spoil(live)
    spoiled = snapshot(live)

    declined = run(live, "restore", str(backup_file), input="n\n")

    assert declined.exit_code != 0
    assert "Replace ALL data of every agency" in declined.output
    assert "Aborted" in declined.output
    assert snapshot(live) == spoiled

    accepted = run(live, "restore", str(backup_file), input="y\n")

    assert accepted.exit_code == 0, accepted.output
    assert snapshot(live) != spoiled


def _sqlite_file(path: Path, sql: str) -> None:
    conn = sqlite3.connect(path)
    conn.executescript(sql)
    conn.close()


BAD_FILES: dict[str, Callable[[Path], None]] = {
    "empty file": lambda p: p.write_bytes(b""),
    "text": lambda p: p.write_text("agencies,users\nSol,ana\n"),
    "NUL bytes": lambda p: p.write_bytes(b"\x00" * 8192),
    "SQLite header then junk": lambda p: p.write_bytes(b"SQLite format 3\x00" + b"\xff\x00junk" * 2000),
    "pg_dump header then junk": lambda p: p.write_bytes(b"PGDMP" + b"\x01\x0e\x00junk" * 2000),
    "another program's SQLite database": lambda p: _sqlite_file(p, "CREATE TABLE notes (body TEXT);"),
    "SQLite without realty-crm's tables": lambda p: _sqlite_file(
        p, "CREATE TABLE alembic_version (version_num TEXT); "
        "INSERT INTO alembic_version VALUES ('0001_core');"
    ),
}


@pytest.mark.parametrize("kind", list(BAD_FILES))
def test_restore_refuses_a_file_that_is_not_a_backup_and_changes_nothing(
    live: Flask, tmp_path: Path, kind: str
) -> None:
    path = tmp_path / "suspect.backup"
    BAD_FILES[kind](path)
    before = snapshot(live)

    result = run(live, "restore", str(path), "--yes")

    assert result.exit_code == 1, result.output
    assert "Error:" in result.output
    assert str(path) in result.output
    assert "Traceback" not in result.output
    assert snapshot(live) == before


@pytest.mark.parametrize("where", ["missing.backup", "a-folder", "no-such-folder/x.backup"])
def test_restore_refuses_a_path_that_is_no_file(live: Flask, tmp_path: Path, where: str) -> None:
    (tmp_path / "a-folder").mkdir()
    before = snapshot(live)

    result = run(live, "restore", str(tmp_path / where), "--yes")

    assert result.exit_code == 1
    assert "is not a file" in result.output
    assert snapshot(live) == before


def test_restore_refuses_a_backup_of_the_other_kind_of_database(
    live: Flask, tmp_path: Path, database_url: str
) -> None:
    path = tmp_path / "other-kind.backup"
    if database_url.startswith("postgresql"):
        migrate_to(_sqlite_app(live, tmp_path), "heads")
        Path(tmp_path / "other.sqlite3").rename(path)
        expected = "is an SQLite database"
    else:
        path.write_bytes(b"PGDMP\x01\x0e\x00\x04\x08\x01\x01\x01")
        expected = "is a PostgreSQL archive"
    before = snapshot(live)

    result = run(live, "restore", str(path), "--yes")

    assert result.exit_code == 1
    assert expected in result.output
    assert snapshot(live) == before


def _sqlite_app(live: Flask, tmp_path: Path) -> Flask:
    from realty_crm import create_app
    from realty_crm.testing.fixtures import base_config

    return create_app(base_config(f"sqlite:///{tmp_path / 'other.sqlite3'}"))


def test_restore_refuses_a_backup_made_by_a_newer_version(live: Flask, tmp_path: Path) -> None:
    path = tmp_path / "future.backup"
    with live.app_context(), db.engine.begin() as conn:
        conn.execute(text("INSERT INTO alembic_version (version_num) VALUES ('0099_from_the_future')"))
    assert run(live, "backup", str(path)).exit_code == 0
    with live.app_context(), db.engine.begin() as conn:
        conn.execute(text("DELETE FROM alembic_version WHERE version_num = '0099_from_the_future'"))
    spoil(live)
    before = snapshot(live)

    result = run(live, "restore", str(path), "--yes")

    assert result.exit_code == 1
    assert "made by a newer realty-crm" in result.output
    assert "0099_from_the_future" in result.output
    assert snapshot(live) == before


def test_a_backup_of_an_older_version_is_migrated_after_the_restore(
    app_on: Callable[..., Flask], own_database: str, tmp_path: Path
) -> None:
    app = app_on(own_database)
    migrate_to(app, "0001_core")
    path = tmp_path / "first-release.backup"
    assert run(app, "backup", str(path)).exit_code == 0
    migrate_to(app, "heads")
    populate(app)

    result = run(app, "restore", str(path), "--yes")

    assert result.exit_code == 0, result.output
    assert "migrated to the current schema" in result.output
    assert app.test_client().get("/readyz").status_code == 200
    assert all(rows == [] for rows in snapshot(app).values())


def test_backup_does_not_overwrite_a_file_unless_told(live: Flask, tmp_path: Path) -> None:
    path = tmp_path / "precious.backup"
    path.write_text("an older backup")

    refused = run(live, "backup", str(path))

    assert refused.exit_code == 1
    assert "already exists" in refused.output
    assert path.read_text() == "an older backup"
    assert not list(tmp_path.glob("*.partial"))

    replaced = run(live, "backup", str(path), "--overwrite")

    assert replaced.exit_code == 0, replaced.output
    assert path.read_bytes() != b"an older backup"


def test_backup_into_a_missing_folder_is_refused(live: Flask, tmp_path: Path) -> None:
    result = run(live, "backup", str(tmp_path / "no-such-folder" / "x.backup"))

    assert result.exit_code == 1
    assert "does not exist" in result.output


@pytest.mark.skipif(bool(os.environ.get("REALTY_CRM_TEST_DATABASE_URL")),
                    reason="SQLite's online backup")
def test_sqlite_backup_runs_while_a_writer_holds_the_database(live: Flask, tmp_path: Path) -> None:
    database = Path(live.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
    writer = sqlite3.connect(database, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE agencies SET name = 'Not committed yet'")
    path = tmp_path / "online.backup"
    try:
        result = run(live, "backup", str(path))
    finally:
        writer.execute("ROLLBACK")
        writer.close()

    assert result.exit_code == 0, result.output
    copy = sqlite3.connect(path)
    assert copy.execute("SELECT name FROM agencies").fetchall() == [("Inmobiliaria Sol",)]
    assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    copy.close()
    assert not Path(f"{path}-wal").exists()


@pytest.mark.skipif(not os.environ.get("REALTY_CRM_TEST_DATABASE_URL"),
                    reason="PostgreSQL's tools")
def test_without_the_postgresql_tools_the_commands_say_how_to_do_it_by_hand(
    live: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = tmp_path / "sol.dump"
    assert run(live, "backup", str(archive)).exit_code == 0
    before = snapshot(live)
    monkeypatch.setenv("PATH", str(tmp_path / "no-tools-here"))

    backup = run(live, "backup", str(tmp_path / "new.dump"))
    restore = run(live, "restore", str(archive), "--yes")

    assert backup.exit_code == 1
    assert "pg_dump is not on PATH" in backup.output
    assert "pg_dump --format=custom" in backup.output and "README" in backup.output
    assert not (tmp_path / "new.dump").exists()
    assert restore.exit_code == 1
    assert "pg_restore is not on PATH" in restore.output
    assert "pg_restore --clean" in restore.output
    assert snapshot(live) == before


@pytest.mark.skipif(bool(os.environ.get("REALTY_CRM_TEST_DATABASE_URL")),
                    reason="SQLite's online backup")
def test_sqlite_restore_under_a_running_process_shows_it_the_restored_data(
    live: Flask, tmp_path: Path
) -> None:
    path = tmp_path / "sol.backup"
    assert run(live, "backup", str(path)).exit_code == 0
    spoil(live)
    database = Path(live.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
    running = sqlite3.connect(database, isolation_level=None)  # another process's open connection
    assert running.execute("SELECT name FROM agencies ORDER BY id").fetchall() == [
        ("Renamed by mistake",), ("Stray",)
    ]

    result = run(live, "restore", str(path), "--yes")

    assert result.exit_code == 0, result.output
    assert running.execute("SELECT name FROM agencies ORDER BY id").fetchall() == [("Inmobiliaria Sol",)]
    assert running.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    running.close()
