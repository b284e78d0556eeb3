"""Fixtures of the command-line tests: a CLI runner on the test app, and row counting."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from flask import Flask
from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from realty_crm.extensions import db
from realty_crm.models import Visit, VisitStatus


@pytest.fixture
def cli(app: Flask, tmp_path: Path) -> Callable[..., Result]:
    """``cli("create-agency", "Sol", input=None)``: run a ``realty-crm`` command on the test database.

    The command runs in the test's app context, with an instance folder of its own (``demo``
    writes its secret key there); afterwards the test's session starts a fresh transaction, so
    it sees what the command committed.
    """
    app.instance_path = str(tmp_path / "instance")
    runner = app.test_cli_runner()

    def invoke(*args: str, input: str | None = None) -> Result:
        result = runner.invoke(args=list(args), input=input)
        db.session.rollback()
        return result

    return invoke


@pytest.fixture
def rows() -> Callable[..., int]:
    """``rows(Model, condition...)``: matching rows in every agency, deleted ones included."""

    def count(model: Any, *where: Any) -> int:
        return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0

    return count


@pytest.fixture
def table_counts() -> Callable[[], dict[str, int]]:
    """``table_counts()``: rows per table, to show that a refused command wrote nothing."""

    def counts() -> dict[str, int]:
        return {
            table.name: db.session.scalar(select(func.count()).select_from(table)) or 0
            for table in db.metadata.sorted_tables
        }

    return counts


@pytest.fixture
def overlapping_visits() -> Callable[[str], int]:
    """``overlapping_visits("agent_id")``: pairs of non-cancelled visits of one agent (or
    ``"property_id"``) whose half-open times overlap."""

    def count(column: str) -> int:
        a, b = aliased(Visit), aliased(Visit)
        return db.session.scalar(
            select(func.count())
            .select_from(a)
            .join(b, and_(getattr(a, column) == getattr(b, column), a.id < b.id))
            .where(
                a.status != VisitStatus.CANCELLED,
                b.status != VisitStatus.CANCELLED,
                a.starts_at < b.ends_at,
                b.starts_at < a.ends_at,
            )
        ) or 0

    return count
