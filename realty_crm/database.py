"""Engine set-up per database, and the write lock that makes check-then-write rules race-safe.

SQLite: WAL, foreign keys, a busy timeout, and transactions begun by us (pysqlite's own
implicit ``BEGIN`` is switched off). Every transaction that writes holds SQLite's write
lock from its ``BEGIN IMMEDIATE``; a transaction is never upgraded from a read to a write in
place. Such an upgrade is what fails with "database is locked" whatever the busy timeout:
once another connection has committed since the read began, SQLite refuses the upgrade at
once (``SQLITE_BUSY_SNAPSHOT``), as a sign-in writing ``last_login_at`` while a scheduler job
committed used to. Two ways in:

- ``begin_write()``, called by a service (or job, or plugin) before the reads its writes
  depend on ("check, then write": no double booking, round robin): the check reads fresh data
  under the lock, and writers queue instead of both passing the check.
- The safety net, for every other write wherever it starts (pages, API, CLI, jobs, plugins,
  APScheduler's job store): when a transaction begun with a plain ``BEGIN`` is about to run
  its first ``INSERT``/``UPDATE``/``DELETE`` (or a ``SAVEPOINT``, which precedes writes), the
  engine ends its read (it has written nothing, so nothing is lost) and begins again with
  ``BEGIN IMMEDIATE`` on the same connection, waiting for the lock up to the busy timeout.
  The reads before that point are then as fresh as PostgreSQL's READ COMMITTED makes them,
  the same guarantee on both databases; a rule that must hold against them calls
  ``begin_write()`` first.

Why not ``BEGIN IMMEDIATE`` for every transaction, or for every POST request: SQLite has one
write lock; taking it for reads would queue every page behind every writer, and taking it for
a whole request or job would hold it over password hashing, rendering, mail and calendar
fetches. The net costs a flag check per statement and nothing on the read-only pages.
PostgreSQL: constraints (unique indexes, exclusion constraints) and row locks guard the same
rules.
"""

from __future__ import annotations

import re
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
# on the DBAPI connection's info: how its open SQLite transaction began ("deferred"/"immediate")
BEGUN = "realty_crm_sqlite_begun"
WRITE_STATEMENT = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # we emit BEGIN ourselves, see _sqlite_begin
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    immediate = bool(conn.get_execution_options().get(IMMEDIATE))
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
    conn.info[BEGUN] = "immediate" if immediate else "deferred"


def _sqlite_end(conn: Connection) -> None:
    conn.info.pop(BEGUN, None)


def _take_write_lock(conn: Connection) -> None:
    """Turn the connection's deferred transaction, which has written nothing yet, into one
    begun with ``BEGIN IMMEDIATE`` (never an in-place upgrade of its read)."""
    if conn.info.get(BEGUN) != "deferred":
        return
    driver = conn.connection.driver_connection
    assert driver is not None
    if driver.in_transaction:
        driver.execute("COMMIT")  # ends the read: nothing was written in it
    driver.execute("BEGIN IMMEDIATE")  # waits for the lock up to the busy timeout
    conn.info[BEGUN] = "immediate"


def _sqlite_before_execute(conn: Connection, _cursor: Any, statement: str, _parameters: Any,
                           context: Any, _executemany: bool) -> None:
    if conn.info.get(BEGUN) == "deferred" and (
        (context is not None and (context.isinsert or context.isupdate or context.isdelete))
        or WRITE_STATEMENT.match(statement)
    ):
        _take_write_lock(conn)


def _sqlite_savepoint(conn: Connection, _name: str) -> None:
    _take_write_lock(conn)  # a savepoint is taken to write in it


def configure(app: Flask) -> None:
    """Engine options that must be known before the engine is created."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        # copies: the defaults' dict is shared by every app of the process (a PostgreSQL app
        # made after a SQLite one must not inherit SQLite's connect arguments)
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        options["connect_args"] = {"timeout": 15, **options.get("connect_args", {})}
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    elif app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # times are read in UTC whatever the server's zone: a stored time near the calendar's
        # ends (year 1, 9999) seen in a local zone falls outside what Python's datetime holds
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        connect_args = dict(options.get("connect_args", {}))
        connect_args["options"] = f"{connect_args.get('options', '')} -c timezone=UTC".strip()
        options["connect_args"] = connect_args
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def install_events(app: Flask) -> None:
    """Listen on the app's engine (once) for the per-dialect connection set-up."""
    with app.app_context():
        engine: Engine = db.engine
        if engine.dialect.name == "sqlite" and not event.contains(engine, "connect", _sqlite_connect):
            event.listen(engine, "connect", _sqlite_connect)
            event.listen(engine, "connect", collation.register_sqlite)
            event.listen(engine, "begin", _sqlite_begin)
            event.listen(engine, "commit", _sqlite_end)
            event.listen(engine, "rollback", _sqlite_end)
            event.listen(engine, "savepoint", _sqlite_savepoint)
            event.listen(engine, "before_cursor_execute", _sqlite_before_execute)


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


def hold(record: Any) -> None:
    """``begin_write()``, then read ``record`` afresh and keep other writers off it until commit
    (SQLite: the write lock; PostgreSQL: ``FOR NO KEY UPDATE`` on its row).

    For a service whose write depends on the record's current values: a maximum or an
    aggregate kept on it, a rule between a field sent and one not sent. Call it before
    changing ``record``. Unlike ``begin_write()`` it commits nothing and leaves the session's
    other records as they were read."""
    session = db.session()
    if db.engine.dialect.name == "sqlite" and not session.info.get(WRITE_LOCK):
        if session.in_transaction():
            _take_write_lock(session.connection())
        else:
            session.connection(execution_options={IMMEDIATE: True})
        session.info[WRITE_LOCK] = True
    session.refresh(record, with_for_update={"key_share": True})


def holds_write_lock() -> bool:
    """Whether the current session is inside a ``begin_write`` transaction."""
    return bool(db.session().info.get(WRITE_LOCK))


@event.listens_for(Session, "after_transaction_end")
def _release(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the transaction itself ended, not a savepoint in it
        session.info.pop(WRITE_LOCK, None)
