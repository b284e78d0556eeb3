"""Engine set-up per database, and the write lock that makes check-then-write rules race-safe.

SQLite: WAL, foreign keys, a busy timeout, and transactions begun by us (pysqlite's own
implicit ``BEGIN`` is switched off) so that a service can open its write transaction with
``BEGIN IMMEDIATE``: writers then queue instead of both passing a check and both inserting.
PostgreSQL: constraints (unique indexes, exclusion constraints) guard the same rules.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, SessionTransaction

from . import collation
from .extensions import db

IMMEDIATE = "sqlite_begin_immediate"
WRITE_LOCK = "realty_crm_write_lock"


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # we emit BEGIN ourselves, see _sqlite_begin
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(IMMEDIATE) else "BEGIN")


def configure(app: Flask) -> None:
    """Engine options that must be known before the engine is created."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        # copies: the defaults' dict is shared by every app of the process (a PostgreSQL app
        # made after a SQLite one must not inherit SQLite's connect arguments)
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        options["connect_args"] = {"timeout": 15, **options.get("connect_args", {})}
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def install_events(app: Flask) -> None:
    """Listen on the app's engine (once) for the per-dialect connection set-up."""
    with app.app_context():
        engine: Engine = db.engine
        if engine.dialect.name == "sqlite" and not event.contains(engine, "connect", _sqlite_connect):
            event.listen(engine, "connect", _sqlite_connect)
            event.listen(engine, "connect", collation.register_sqlite)
            event.listen(engine, "begin", _sqlite_begin)


def begin_write() -> None:
    """Start the session's write transaction now, holding SQLite's write lock until commit.

    Call it at the top of a service whose rule is "check, then write" (no double booking,
    round robin). Whatever the session read before is committed first (it holds no changes
    at that point), so the check reads fresh data under the lock. No-op beyond that on
    PostgreSQL, where constraints and row locks do the job. Inside a transaction that
    already holds it (a batch of writes), it changes nothing.
    """
    session = db.session()
    if session.info.get(WRITE_LOCK):
        return
    if session.in_transaction():
        session.commit()
    if db.engine.dialect.name == "sqlite":
        session.connection(execution_options={IMMEDIATE: True})
    session.info[WRITE_LOCK] = True


def holds_write_lock() -> bool:
    """Whether the current session is inside a ``begin_write`` transaction."""
    return bool(db.session().info.get(WRITE_LOCK))


@event.listens_for(Session, "after_transaction_end")
def _release(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the transaction itself ended, not a savepoint in it
        session.info.pop(WRITE_LOCK, None)
