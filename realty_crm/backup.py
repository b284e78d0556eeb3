"""``realty-crm backup`` and ``restore``: a whole database to one file and back.

SQLite: SQLite's online backup API (``sqlite3.Connection.backup``) copies a consistent
snapshot while the app runs, and restores the same way, into the live file, so running
processes see either the old data or the restored data, never a mix. PostgreSQL: ``pg_dump
--format=custom``, and ``pg_restore`` then ``psql`` replacing the public schema in one
transaction, when they are on ``PATH``.

A restore first checks that the file is a realty-crm backup of the same kind of database
whose migrations this version knows; a backup from an older version is migrated to the
current schema after the restore.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from flask import Flask
from sqlalchemy.engine import URL, make_url

from .extensions import db
from .health import known_revisions, migration_heads

SQLITE_HEADER = b"SQLite format 3\x00"
PG_ARCHIVE_HEADER = b"PGDMP"
REQUIRED_TABLES = ("alembic_version", "agencies", "users")
PG_HELP = (
    "Back up PostgreSQL with 'pg_dump --format=custom --file=PATH DATABASE_URL' and restore with "
    "'pg_restore --clean --if-exists --no-owner --single-transaction --dbname=DATABASE_URL PATH' "
    "(see README, Operations)."
)


class BackupError(Exception):
    """A backup or restore refused or failed; the message says why, for the operator."""


@dataclass(frozen=True)
class RestoreResult:
    """What ``restore`` did: the revisions the backup was at and whether it was migrated."""

    revisions: frozenset[str]
    migrated: bool


def _url(app: Flask) -> URL:
    return make_url(app.config["SQLALCHEMY_DATABASE_URI"])


def describe(app: Flask) -> str:
    """The app's database, password hidden, for messages."""
    return _url(app).render_as_string(hide_password=True)


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
        raise BackupError(f"Cannot back up or restore the SQLite database {url.database!r}: not a file.")
    return Path(url.database)


def _read_only(path: Path) -> str:
    """An SQLite URI opening ``path`` read-only (any character in the name is safe)."""
    return f"{path.resolve().as_uri()}?mode=ro"


def backup(app: Flask, path: Path, *, overwrite: bool = False) -> None:
    """Write a backup of the app's database to ``path`` (refuses an existing file unless
    ``overwrite``). The file appears complete or not at all."""
    if path.is_dir():
        raise BackupError(f"{path} is a directory: give a file name.")
    if path.exists() and not overwrite:
        raise BackupError(f"{path} already exists: choose another name or add --overwrite.")
    if not path.parent.is_dir():
        raise BackupError(f"The folder {path.parent} does not exist.")
    partial = path.with_name(path.name + ".partial")
    try:
        if _url(app).get_backend_name() == "sqlite":
            _sqlite_backup(_sqlite_path(_url(app)), partial)
        else:
            _pg_backup(_url(app), partial)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def _sqlite_backup(source: Path, target: Path) -> None:
    if not source.is_file():
        raise BackupError(f"There is no database at {source} to back up.")
    try:
        src = sqlite3.connect(_read_only(source), uri=True, timeout=15)
        dest = sqlite3.connect(target)
    except sqlite3.Error as exc:
        raise BackupError(f"The backup failed: {exc}") from None
    try:
        src.backup(dest)
        dest.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
    except sqlite3.Error as exc:
        raise BackupError(f"The backup failed: {exc}") from None
    finally:
        dest.close()
        src.close()


def check_backup(app: Flask, path: Path) -> frozenset[str]:
    """The migration revisions of the backup at ``path``; raises ``BackupError`` unless it is a
    realty-crm backup of the app's kind of database made by this or an older version."""
    if not path.is_file():
        raise BackupError(f"{path} is not a file.")
    with path.open("rb") as file:
        head = file.read(len(SQLITE_HEADER))
    sqlite_app = _url(app).get_backend_name() == "sqlite"
    if sqlite_app and not head.startswith(SQLITE_HEADER):
        kind = "a PostgreSQL archive" if head.startswith(PG_ARCHIVE_HEADER) else "not an SQLite database"
        raise BackupError(f"{path} is {kind}: not a realty-crm backup of this SQLite database.")
    if not sqlite_app and not head.startswith(PG_ARCHIVE_HEADER):
        kind = "an SQLite database" if head.startswith(SQLITE_HEADER) else "not a pg_dump archive"
        raise BackupError(
            f"{path} is {kind}: a PostgreSQL database is restored from 'realty-crm backup' "
            "(pg_dump --format=custom) files."
        )
    revisions = _sqlite_revisions(path) if sqlite_app else _pg_revisions(path)
    unknown = revisions - known_revisions(app)
    if unknown:
        raise BackupError(
            f"{path} was made by a newer realty-crm (migration {', '.join(sorted(unknown))} is "
            "unknown here): restore it with that version."
        )
    return revisions


def _not_ours(path: Path, why: str) -> BackupError:
    return BackupError(f"{path} is not a realty-crm backup: {why}.")


def _sqlite_revisions(path: Path) -> frozenset[str]:
    try:
        conn = sqlite3.connect(_read_only(path), uri=True)
    except sqlite3.Error as exc:
        raise _not_ours(path, str(exc)) from None
    try:
        if conn.execute("PRAGMA quick_check").fetchone() != ("ok",):
            raise _not_ours(path, "the SQLite file is damaged")
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        missing = [t for t in REQUIRED_TABLES if t not in tables]
        if missing:
            raise _not_ours(path, f"it has no {', '.join(missing)} table")
        return frozenset(row[0] for row in conn.execute("SELECT version_num FROM alembic_version"))
    except sqlite3.Error as exc:
        raise _not_ours(path, str(exc)) from None
    finally:
        conn.close()


def restore(app: Flask, path: Path) -> RestoreResult:
    """Replace the app's database with the backup at ``path`` (checked first: nothing changes
    when it is refused), then migrate it to the current schema if it is older."""
    revisions = check_backup(app, path)
    with app.app_context():
        db.engine.dispose()  # this process's pooled connections would hold the old data
    if _url(app).get_backend_name() == "sqlite":
        _sqlite_restore(path, _sqlite_path(_url(app)))
    else:
        _pg_restore(_url(app), path)
    migrated = revisions != migration_heads(app)
    if migrated:
        from flask_migrate import upgrade

        with app.app_context():
            upgrade(revision="heads")
            db.engine.dispose()
    return RestoreResult(revisions=revisions, migrated=migrated)


def _sqlite_restore(source: Path, target: Path) -> None:
    try:
        src = sqlite3.connect(_read_only(source), uri=True)
        dest = sqlite3.connect(target, timeout=15)
    except sqlite3.Error as exc:
        raise BackupError(f"Restoring into {target} failed, nothing was changed: {exc}") from None
    try:
        src.backup(dest)  # waits for the app's writers, then replaces every page at once
        dest.execute("PRAGMA journal_mode=WAL")
    except sqlite3.Error as exc:
        raise BackupError(f"Restoring into {target} failed, nothing was changed: {exc}") from None
    finally:
        dest.close()
        src.close()


def _pg_tool(name: str) -> str:
    tool = shutil.which(name)
    if tool is None:
        raise BackupError(f"{name} is not on PATH, so realty-crm cannot do this itself. {PG_HELP}")
    return tool


def _pg_connection(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq URL without the password, and an environment giving it (not on a command line)."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return url.set(drivername="postgresql", password=None).render_as_string(), env


def _run(args: list[str], env: dict[str, str] | None = None) -> str:
    try:
        done = subprocess.run(args, env=env, capture_output=True, text=True, check=False, timeout=3600)
    except subprocess.TimeoutExpired:
        raise BackupError(f"{Path(args[0]).name} took over an hour and was stopped.") from None
    if done.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} failed: {done.stderr.strip()}")
    return done.stdout


def _pg_backup(url: URL, target: Path) -> None:
    conninfo, env = _pg_connection(url)
    _run([_pg_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={target}",
          f"--dbname={conninfo}"], env)


COPY_VERSIONS = re.compile(r"^COPY \S*alembic_version \(version_num\) FROM stdin;\n(.*?)^\\\.$",
                           re.MULTILINE | re.DOTALL)


def _pg_revisions(path: Path) -> frozenset[str]:
    tool = _pg_tool("pg_restore")
    try:
        listing = _run([tool, "--list", str(path)])
    except BackupError as exc:
        raise _not_ours(path, str(exc)) from None
    for table in REQUIRED_TABLES:
        if not re.search(rf" TABLE (DATA )?\S+ {table} ", listing):
            raise _not_ours(path, f"it has no {table} table")
    data = _run([tool, "--data-only", "--table=alembic_version", "--file=-", str(path)])
    found = COPY_VERSIONS.search(data)
    return frozenset(found.group(1).split()) if found else frozenset()


def _pg_restore(url: URL, source: Path) -> None:
    """Turn the archive into SQL (pg_restore), then in one transaction (psql) empty the public
    schema and run it: the database ends as the backup was, or is left as it is on an error."""
    conninfo, env = _pg_connection(url)
    with tempfile.TemporaryDirectory(prefix="realty-crm-restore-") as folder:
        script = Path(folder) / "restore.sql"
        _run([_pg_tool("pg_restore"), "--no-owner", "--no-privileges", f"--file={script}", str(source)])
        _run([_pg_tool("psql"), "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1",
              "--single-transaction", "--command=DROP SCHEMA public CASCADE",
              "--command=CREATE SCHEMA public", f"--file={script}", f"--dbname={conninfo}"], env)
