"""An office with a little of everything to export, another agency's records, and file readers."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from realty_crm import tenancy
from realty_crm.models import Agency, Call, Property, Prospect, Role, User, Visit, utcnow
from realty_crm.services import visits
from realty_crm.testing.factories import Factory

MADRID = ZoneInfo("Europe/Madrid")
# a winter and a summer call: the export shows each with the offset of its own day
WINTER_CALL = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)
SUMMER_CALL = datetime(2026, 7, 1, 9, 30, tzinfo=UTC)


@dataclass
class Office:
    """An agency (Madrid time) with one user per role and a second agent, and their records:
    Carla is the agent's prospect, Dan the colleague's, Pia nobody's; each agent has a visit and a call."""

    agency: Agency
    admin: User
    manager: User
    agent: User
    colleague: User
    carla: Prospect
    dan: Prospect
    pia: Prospect
    flat: Property
    house: Property
    agent_visit: Visit
    colleague_visit: Visit
    agent_call: Call
    colleague_call: Call


def _book(actor: User, prop: Property, prospect: Prospect, agent: User, starts_at: datetime) -> Visit:
    with tenancy.scope(actor.agency_id):
        return visits.schedule_visit(
            actor,
            {"property_id": prop.id, "prospect_id": prospect.id, "agent_id": agent.id,
             "starts_at": starts_at.isoformat(), "duration_minutes": 45},
        )


def tomorrow_at(hour: int) -> datetime:
    """Tomorrow at this Madrid wall-clock hour, aware."""
    day = (utcnow() + timedelta(days=1)).astimezone(MADRID).date()
    return datetime.combine(day, time(hour), tzinfo=MADRID)


@pytest.fixture
def office(make: Factory) -> Office:
    agency = make.agency("Pisos Sol")
    admin = make.user(agency, Role.ADMIN, name="Ada Admin")
    manager = make.user(agency, Role.MANAGER, name="Manu Manager")
    agent = make.user(agency, Role.AGENT, name="Alba Agent")
    colleague = make.user(agency, Role.AGENT, name="Carlos Colleague")
    carla = make.prospect(
        manager, first_name="Carla", last_name="Cruz", email="carla@example.com", phone="+34 600 111 222",
        source="portal", assigned_agent_id=agent.id, tags=["vip", "cash"], marketing_consent=True,
        requirements={"operation": "buy", "property_types": ["flat", "penthouse"], "min_price": 200000,
                      "max_price": 350000, "min_bedrooms": 2, "areas": ["Chamberí", "Salamanca"]},
    )
    dan = make.prospect(manager, first_name="Dan", last_name="Diaz", source="referral",
                        assigned_agent_id=colleague.id)
    pia = make.prospect(manager, first_name="Pia", last_name="Pool", source="web_form")
    flat = make.property(manager, reference="MAD-001", title="Flat in Chamberí", price="250000.50",
                         listing_agent_id=agent.id, features=["lift", "terrace"])
    house = make.property(manager, reference="MAD-002", title="House in Pozuelo", property_type="house",
                          operation="rent", price="1800", city="Pozuelo", area="Somosaguas")
    return Office(
        agency=agency, admin=admin, manager=manager, agent=agent, colleague=colleague,
        carla=carla, dan=dan, pia=pia, flat=flat, house=house,
        agent_visit=_book(manager, flat, carla, agent, tomorrow_at(10)),
        colleague_visit=_book(manager, house, dan, colleague, tomorrow_at(12)),
        agent_call=make.call(agent, carla, occurred_at=WINTER_CALL.isoformat(), duration_seconds=300,
                             summary="Wants a terrace."),
        colleague_call=make.call(colleague, dan, occurred_at=SUMMER_CALL.isoformat(), direction="inbound",
                                 outcome="voicemail", summary="Left a message."),
    )


@dataclass
class Foreign:
    """Another agency whose records must never appear in the office's exports."""

    agency: Agency
    manager: User


@pytest.fixture
def foreign(make: Factory) -> Foreign:
    agency = make.agency("Casas Luna")
    manager = make.user(agency, Role.MANAGER, name="Fernando Foreign")
    prospect = make.prospect(manager, first_name="Foreignpros", email="foreign@example.com",
                             assigned_agent_id=manager.id)
    prop = make.property(manager, reference="FOREIGN-1", title="Foreign flat")
    _book(manager, prop, prospect, manager, tomorrow_at(10))
    make.call(manager, prospect, summary="Foreign call")
    return Foreign(agency=agency, manager=manager)


def _csv_rows(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/csv"
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf"), "UTF-8 with a byte order mark, for Excel"
    text = body.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=_delimiter(text)))


def _delimiter(text: str) -> str:
    """The file's delimiter: the reader's list separator, ``;`` in Spanish and ``,`` in English."""
    return csv.Sniffer().sniff(text.partition("\n")[0], delimiters=",;").delimiter


def _xlsx_rows(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = openpyxl.load_workbook(io.BytesIO(response.get_data())).active
    header, *rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(header, row, strict=True)) for row in rows]


@pytest.fixture
def csv_rows() -> Callable[[Any], list[dict[str, str]]]:
    """``csv_rows(response)``: the downloaded CSV as dicts keyed by the header row."""
    return _csv_rows


@pytest.fixture
def xlsx_rows() -> Callable[[Any], list[dict[str, Any]]]:
    """``xlsx_rows(response)``: the downloaded workbook's first sheet as dicts keyed by its header row."""
    return _xlsx_rows


def _headers(response: Any) -> list[str]:
    body = response.get_data()
    if response.mimetype == "text/csv":
        text = body.decode("utf-8-sig")
        return next(csv.reader(io.StringIO(text), delimiter=_delimiter(text)))
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    return [cell.value for cell in next(sheet.iter_rows(max_row=1))]


@pytest.fixture
def header_row() -> Callable[[Any], list[str]]:
    """``header_row(response)``: the column names of a downloaded CSV or XLSX, in order."""
    return _headers
