"""Every route that takes a date-time or a date, walked with the calendar's extremes.

Each one answers a clear refusal (API: 422 naming the field; pages: 422, or the list shown
with the field's message) and stores nothing. Never a 500. The accepted range is one rule,
``realty_crm.dates``: instants 1900-01-01T00:00:00Z..2199-12-31T23:59:59Z, days 1900..2199.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text

from realty_crm import tenancy
from realty_crm.extensions import db
from realty_crm.models import utcnow
from realty_crm.services import visits
from realty_crm.testing.factories import form_token

# instants the API must refuse: the calendar's ends (also once an offset is applied), year 0,
# years Python cannot hold, just outside the range, garbage and NUL bytes
BAD_INSTANTS = [
    "0001-01-01T00:00:00Z",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "9999-12-31T23:59:59Z",
    "0000-01-01T00:00:00Z",
    "99999-01-01T00:00:00Z",
    "+275760-09-13T00:00:00Z",
    "1899-12-31T23:59:59Z",
    "1900-01-01T00:00:00+01:00",
    "2200-01-01T00:00:00Z",
    "2199-12-31T23:59:59-00:01",
    "yesterday",
    "2025-03-01T10:00:00\x00Z",
    "\x00",
]
# the same on a page's datetime-local field, typed in the user's zone (a NUL byte never reaches
# a page's form: it is a 400 at the edge, tests/web/test_nul_bytes.py)
BAD_LOCAL_TIMES = [
    "0001-01-01T00:00", "9999-12-31T23:59", "0000-01-01T00:00", "99999-01-01T00:00",
    "1899-12-31T12:00", "2200-01-01T12:00", "yesterday",
]
BAD_DAYS = [
    "0001-01-01", "9999-12-31", "0000-01-01", "99999-01-01", "1899-12-31", "2200-01-01",
    "2025-02-30", "yesterday",
]

TABLES = ("calls", "follow_ups", "visits", "prospects", "activities", "users")


def snapshot() -> dict[str, list[Any]]:
    """Every row of the tables a date could be written to."""
    db.session.rollback()
    return {table: [tuple(row) for row in db.session.execute(text(f"SELECT * FROM {table} ORDER BY id"))]
            for table in TABLES}


@dataclass
class Records:
    ids: dict[str, int] = field(default_factory=dict)


@pytest.fixture
def records(make, office) -> Records:
    call = make.call(office.agent, office.prospect)
    follow_up = make.follow_up(office.agent, office.prospect)
    with tenancy.scope(office.agency.id):
        visit = visits.schedule_visit(
            office.agent,
            {"property_id": office.property.id, "prospect_id": office.prospect.id,
             "starts_at": (utcnow() + timedelta(days=2)).isoformat()},
        )
    return Records({"prospect": office.prospect.id, "property": office.property.id, "call": call.id,
                    "follow_up": follow_up.id, "visit": visit.id, "agent": office.agent.id})


# (who, method, path, body or query with {bad} where the value goes, the field the error names)
API_BODIES: list[tuple[str, str, str, Callable[[Records, str], dict], str]] = [
    ("agent", "post", "/api/v1/calls", lambda r, v: {"prospect_id": r.ids["prospect"], "direction": "inbound",
                                                     "outcome": "answered", "occurred_at": v}, "occurred_at"),
    ("agent", "post", "/api/v1/calls", lambda r, v: {"prospect_id": r.ids["prospect"], "direction": "inbound",
                                                     "outcome": "answered", "follow_up_at": v},
     "follow_up_at"),
    ("agent", "patch", "/api/v1/calls/{call}", lambda r, v: {"occurred_at": v}, "occurred_at"),
    ("agent", "post", "/api/v1/follow-ups", lambda r, v: {"prospect_id": r.ids["prospect"], "title": "Ring",
                                                          "due_at": v}, "due_at"),
    ("agent", "patch", "/api/v1/follow-ups/{follow_up}", lambda r, v: {"due_at": v}, "due_at"),
    ("agent", "post", "/api/v1/visits", lambda r, v: {"prospect_id": r.ids["prospect"],
                                                      "property_id": r.ids["property"], "starts_at": v},
     "starts_at"),
    ("agent", "post", "/api/v1/visits", lambda r, v: {"prospect_id": r.ids["prospect"],
                                                      "property_id": r.ids["property"],
                                                      "starts_at": "2030-01-01T10:00:00Z", "ends_at": v},
     "ends_at"),
    ("agent", "patch", "/api/v1/visits/{visit}", lambda r, v: {"starts_at": v}, "starts_at"),
    ("agent", "patch", "/api/v1/visits/{visit}", lambda r, v: {"ends_at": v}, "ends_at"),
    ("agent", "post", "/api/v1/prospects", lambda r, v: {"first_name": "Eva", "next_follow_up_at": v},
     "next_follow_up_at"),
    ("agent", "patch", "/api/v1/prospects/{prospect}", lambda r, v: {"next_follow_up_at": v},
     "next_follow_up_at"),
    ("admin", "patch", "/api/v1/agents/{agent}", lambda r, v: {"away_from": v}, "away_from"),
    ("admin", "patch", "/api/v1/agents/{agent}", lambda r, v: {"away_until": v}, "away_until"),
]

API_TIME_QUERIES = [
    "/api/v1/visits", "/api/v1/calls", "/api/v1/exports/visits.csv", "/api/v1/exports/calls.xlsx",
]
API_DAY_QUERIES = [
    "/api/v1/reports/pipeline", "/api/v1/reports/agents", "/api/v1/reports/sources",
    "/api/v1/reports/properties", "/api/v1/reports/agents.csv",
]


@pytest.fixture
def admin(make, office):
    return make.user(office.agency, "admin", name="Ana Admin")


def _user(office, admin, who: str):
    return admin if who == "admin" else getattr(office, who)


def test_api_bodies_refuse_out_of_range_times(api, office, admin, records):
    before = snapshot()
    for who, method, path, body, name in API_BODIES:
        client = api(_user(office, admin, who))
        for value in BAD_INSTANTS:
            response = getattr(client, method)(path.format(**records.ids), json=body(records, value))
            assert response.status_code == 422, (path, name, value, response.status_code)
            assert name in response.get_json()["error"]["details"], (path, value, response.get_json())
    assert snapshot() == before


def test_api_filters_refuse_out_of_range_times_and_days(api, office, records):
    client = api(office.manager)
    for paths, values in ((API_TIME_QUERIES, BAD_INSTANTS), (API_DAY_QUERIES, BAD_DAYS)):
        for path in paths:
            for name in ("from", "to"):
                for value in values:
                    response = client.get(path, query_string={name: value})
                    assert response.status_code == 422, (path, name, value, response.status_code)
                    assert name in response.get_json()["error"]["details"], (path, value, response.get_json())


def test_api_message_names_the_range_and_its_ends_are_accepted(api, office, records):
    client = api(office.agent)
    response = client.patch(f"/api/v1/calls/{records.ids['call']}",
                            json={"occurred_at": "0001-01-01T00:00:00+14:00"})
    assert response.get_json()["error"]["details"]["occurred_at"] == (
        "Give a date and time between 1900-01-01 and 2199-12-31 (UTC)."
    )
    for value in ("1900-01-01T00:00:00Z", "2199-12-31T23:59:59Z", "1900-01-01T00:00:00-01:00"):
        response = client.patch(f"/api/v1/follow-ups/{records.ids['follow_up']}", json={"due_at": value})
        assert response.status_code == 200, (value, response.get_json())


# pages: (who, path of the form, path posted to, fields, the field given the bad value, kind of value)
PAGE_FORMS: list[tuple[str, str, str, dict[str, str], str, str]] = [
    ("agent", "/prospects/{prospect}", "/prospects/{prospect}/calls",
     {"direction": "inbound", "outcome": "answered", "duration_minutes": "2"}, "follow_up_at", "time"),
    ("agent", "/prospects/{prospect}", "/prospects/{prospect}/follow-ups", {"title": "Ring"}, "due_at",
     "time"),
    ("agent", "/prospects/{prospect}/calls/{call}/edit", "/prospects/{prospect}/calls/{call}/edit",
     {"direction": "inbound", "outcome": "answered", "duration_minutes": "2"}, "occurred_at", "time"),
    ("agent", "/visits/new", "/visits/new",
     {"prospect_id": "{prospect}", "property_id": "{property}", "start": "10:00", "duration_minutes": "45"},
     "day", "day"),
    ("agent", "/visits/{visit}", "/visits/{visit}/reschedule", {"start": "10:00", "duration_minutes": "45"},
     "day", "day"),
    ("admin", "/users/{agent}/edit", "/users/{agent}/edit",
     {"name": "Alberto Agent", "role": "agent", "active": "y"}, "away_from", "day"),
    ("admin", "/users/{agent}/edit", "/users/{agent}/edit",
     {"name": "Alberto Agent", "role": "agent", "active": "y"}, "away_until", "day"),
]


def test_page_forms_refuse_out_of_range_dates(login, office, admin, records):
    clients = {"agent": login(office.agent), "admin": login(admin)}
    before = snapshot()
    for who, page, target, fields, name, kind in PAGE_FORMS:
        client = clients[who]
        page, target = page.format(**records.ids), target.format(**records.ids)
        data = {key: value.format(**records.ids) for key, value in fields.items()}
        for value in BAD_LOCAL_TIMES if kind == "time" else BAD_DAYS:
            response = client.post(target, data={**data, name: value, "csrf_token": form_token(client, page)})
            assert response.status_code == 422, (target, name, value, response.status_code)
            field = response.get_data(as_text=True).split(f'name="{name}"')[1].split("</div>")[0]
            assert 'class="error"' in field, (target, name, value)
    assert snapshot() == before


PAGE_FILTERS = [
    ("/visits", "date_from"), ("/visits", "date_to"),
    ("/reports", "date_from"), ("/reports", "date_to"),
    ("/reports/pipeline.csv", "date_from"), ("/reports/agents.xlsx", "date_to"),
    ("/calendar", "date"),
]


def test_page_filters_refuse_out_of_range_days_with_a_message(login, office, records):
    """A list's filter is shown with its message and left out (the list still answers);
    a download has nothing to show it on: 422."""
    client = login(office.manager)
    for path, name in PAGE_FILTERS:
        for value in BAD_DAYS:
            response = client.get(path, query_string={name: value})
            body = response.get_data(as_text=True)
            if "." in path:
                assert response.status_code == 422, (path, value, response.status_code)
            else:
                assert response.status_code == 200, (path, value, response.status_code)
                field = body.split(f'name="{name}"')[1].split("</div>")[0]
                assert 'class="error"' in field, (path, name, value)
