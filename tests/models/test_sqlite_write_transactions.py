"""SQLite: a transaction that read, then writes after another connection committed, goes
through (it is begun again with BEGIN IMMEDIATE, never upgraded in place), whichever way
the write is made; a transaction that only reads never holds the write lock."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import select, update

from realty_crm.extensions import db
from realty_crm.models import Agency, Role, User


@pytest.fixture
def other_connection(app) -> Iterator[sqlite3.Connection]:
    """Another process's connection to the same SQLite file."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's write lock")
    connection = sqlite3.connect(db.engine.url.database, timeout=15, isolation_level=None)
    yield connection
    connection.close()


def _commit_elsewhere(connection: sqlite3.Connection, agency_id: int, name: str) -> None:
    connection.execute("UPDATE agencies SET name = ? WHERE id = ?", (name, agency_id))


def _orm_write(user_id: int) -> None:
    db.session.get(User, user_id).name = "Written by the ORM"


def _core_write(user_id: int) -> None:
    db.session.execute(update(User).where(User.id == user_id).values(name="Written by the ORM"))


def _write_in_savepoint(user_id: int) -> None:
    with db.session.begin_nested():
        _orm_write(user_id)


@pytest.mark.parametrize("write", [_orm_write, _core_write, _write_in_savepoint],
                         ids=["orm flush", "core update", "savepoint"])
def test_a_write_after_a_read_goes_through_when_another_connection_committed_between(
    app, make, other_connection, write: Callable[[int], None]
):
    agency = make.agency("Pisos Sol")
    user = make.user(agency, Role.AGENT, name="Before")
    agency_id, user_id = agency.id, user.id
    db.session.commit()

    assert db.session.scalars(select(User).where(User.id == user_id)).one().name == "Before"  # the read
    _commit_elsewhere(other_connection, agency_id, "Renamed meanwhile")
    write(user_id)
    db.session.commit()

    names = other_connection.execute(
        "SELECT users.name, agencies.name FROM users JOIN agencies ON agencies.id = users.agency_id"
        " WHERE users.id = ?", (user_id,)
    ).fetchone()
    assert names == ("Written by the ORM", "Renamed meanwhile")


def test_a_transaction_that_only_reads_leaves_the_write_lock_free(app, make, other_connection):
    agency = make.agency("Pisos Sol")
    agency_id = agency.id
    db.session.commit()

    assert db.session.get(Agency, agency_id).name == "Pisos Sol"  # a read transaction stays open
    other_connection.execute("PRAGMA busy_timeout = 0")  # would fail at once if the lock were held
    other_connection.execute("BEGIN IMMEDIATE")
    _commit_elsewhere(other_connection, agency_id, "Renamed meanwhile")
    other_connection.execute("COMMIT")

    db.session.rollback()
    assert db.session.get(Agency, agency_id).name == "Renamed meanwhile"
