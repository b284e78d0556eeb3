"""Fixtures of the service tests: two agencies with their staff, agency A in scope."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select

from realty_crm import tenancy
from realty_crm.extensions import db
from realty_crm.models import Agency, Role, User
from realty_crm.testing.factories import Factory


@dataclass
class Team:
    """Agency A (admin, manager, two agents) and agency B (admin, agent)."""

    a: Agency
    admin: User
    manager: User
    agent: User
    agent2: User
    b: Agency
    admin_b: User
    agent_b: User


@pytest.fixture
def team(make: Factory) -> Team:
    """Two agencies and their users; agency A stays in scope for the test."""
    a = make.agency("Pisos Sol")
    b = make.agency("Casas Luna")
    t = Team(
        a=a,
        admin=make.user(a, Role.ADMIN, name="Ana Admin"),
        manager=make.user(a, Role.MANAGER, name="Marta Manager"),
        agent=make.user(a, Role.AGENT, name="Alba Agent"),
        agent2=make.user(a, Role.AGENT, name="Bruno Agent"),
        b=b,
        admin_b=make.user(b, Role.ADMIN, name="Berta Admin"),
        agent_b=make.user(b, Role.AGENT, name="Bea Agent"),
    )
    tenancy.enter(a.id)
    return t


def _count(model: Any, **where: Any) -> int:
    table = model.__table__
    stmt = select(func.count()).select_from(table)
    for column, value in where.items():
        stmt = stmt.where(table.c[column] == value)
    return db.session.scalar(stmt) or 0


def _row_counts() -> dict[str, int]:
    return {
        t.name: db.session.scalar(select(func.count()).select_from(t)) or 0
        for t in db.metadata.sorted_tables
    }


@pytest.fixture
def count() -> Callable[..., int]:
    """``count(Model, column=value)``: rows in every agency, deleted ones included (no scoping)."""
    return _count


@pytest.fixture
def row_counts() -> Callable[[], dict[str, int]]:
    """``row_counts()``: rows per table, to prove that a refused change wrote nothing."""
    return _row_counts
