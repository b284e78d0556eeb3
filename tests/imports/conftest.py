"""An office that imports prospect files: staff of every role, a second agency, and helpers to
build CSV files, run the import steps in the agency's scope and count what the database holds."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import text

from realty_crm import tenancy
from realty_crm.extensions import db
from realty_crm.models import Agency, ProspectImport, Role, User
from realty_crm.services import prospect_import
from realty_crm.testing.factories import Factory

TABLES = ("prospects", "prospect_imports", "activities", "prospect_areas")


@dataclass
class Office:
    """An agency with an admin, a manager, two agents, and a second agency with its admin."""

    make: Factory
    agency: Agency
    admin: User
    manager: User
    agent: User
    colleague: User
    outsider: User

    def upload(self, data: bytes, filename: str = "leads.csv", actor: User | None = None) -> ProspectImport:
        actor = actor or self.manager
        with tenancy.scope(actor.agency_id):
            return prospect_import.upload(actor, filename, data)

    def preview(self, imp: ProspectImport, mapping: dict[str, str] | None = None,
                actor: User | None = None) -> prospect_import.Preview:
        actor = actor or self.manager
        with tenancy.scope(actor.agency_id):
            return prospect_import.preview(actor, imp, imp.mapping if mapping is None else mapping)

    def run(self, imp: ProspectImport, mapping: dict[str, str] | None = None,
            actor: User | None = None) -> ProspectImport:
        actor = actor or self.manager
        with tenancy.scope(actor.agency_id):
            return prospect_import.run(actor, imp, imp.mapping if mapping is None else mapping)

    def prospect(self, **fields: Any) -> Any:
        return self.make.prospect(self.manager, **fields)


@pytest.fixture
def office(make: Factory) -> Office:
    agency = make.agency("Pisos Sol")
    other = make.agency("Casas Luna")
    return Office(
        make=make,
        agency=agency,
        admin=make.user(agency, Role.ADMIN, name="Ada Admin"),
        manager=make.user(agency, Role.MANAGER, name="Manu Manager"),
        agent=make.user(agency, Role.AGENT, name="Alba Agent"),
        colleague=make.user(agency, Role.AGENT, name="Carlos Colleague"),
        outsider=make.user(other, Role.ADMIN, name="Otto Outsider"),
    )


def _csv(rows: list[list[str]], delimiter: str = ",", encoding: str = "utf-8", bom: bool = False) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    data = buffer.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


@pytest.fixture
def csv_file() -> Callable[..., bytes]:
    """``csv_file(rows, delimiter=",", encoding="utf-8", bom=False)``: the bytes of a CSV file."""
    return _csv


@pytest.fixture
def counts(app: Any) -> Callable[[], dict[str, int]]:
    """``counts()``: the rows of every table an import may write, across all agencies."""

    def count() -> dict[str, int]:
        db.session.rollback()  # see what requests committed
        return {t: db.session.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in TABLES}

    return count
