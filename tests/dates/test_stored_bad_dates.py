"""Rows already holding times at the calendar's ends (year 1, 9999) are shown, never a 500.

Python cannot move such a time into a zone on the other side of UTC, so every reader that
shows or exports it goes through the shared conversions of ``realty_crm.dates``.
"""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

PAGES = [
    "/",
    "/prospects",
    "/prospects?sort=next_follow_up",
    "/prospects?sort=last_contacted",
    "/prospects/{prospect}",
    "/prospects/{prospect}/edit",
    "/visits",
    "/visits/{visit_past}",
    "/visits/{visit_future}",
    "/calendar",
    "/calendar?date={visit_future_day}",
    "/calendar?view=week",
    "/reports",
    "/distribution/workload",
]

API = [
    "/api/v1/prospects",
    "/api/v1/prospects/{prospect}",
    "/api/v1/prospects/{prospect}/timeline",
    "/api/v1/calls",
    "/api/v1/calls/{call}",
    "/api/v1/follow-ups",
    "/api/v1/visits",
    "/api/v1/visits/{visit_past}",
    "/api/v1/agents",
    "/api/v1/reports/agents",
]

EXPORTS = ["prospects", "visits", "calls"]


def _ids(office, bad_rows) -> dict[str, int]:
    return {
        "prospect": office.prospect.id,
        "call": bad_rows.calls[0].id,
        "visit_past": bad_rows.visits[0].id,
        "visit_future": bad_rows.visits[1].id,
        "visit_future_day": bad_rows.visits[1].starts_at.date().isoformat(),
    }


@pytest.mark.parametrize("who", ["manager", "agent"])
def test_every_reader_shows_records_with_times_at_the_calendar_ends(login, api, office, bad_rows, who):
    user, ids = getattr(office, who), _ids(office, bad_rows)
    browser = login(user)
    for path in PAGES:
        response = browser.get(path.format(**ids))
        assert response.status_code in (200, 403), (path, response.status_code)
    client = api(user)
    for path in API:
        response = client.get(path.format(**ids))
        assert response.status_code in (200, 403), (path, response.get_json())
    times = {item["summary"]: item["occurred_at"] for item in client.get("/api/v1/calls").get_json()["items"]}
    assert times["Dialled in year one"].startswith("0001-01-01T00:00:00")
    assert times["Dialled in 9999"].startswith("9999-12-31T23:59:59")


def test_prospect_page_shows_the_raw_times_it_cannot_convert(login, office, bad_rows):
    page = login(office.agent).get(f"/prospects/{office.prospect.id}").get_data(as_text=True)
    assert "Call back in year one" in page
    assert "0001-01-01T00:00:00+00:00" in page  # the follow-up's due time, as stored (UTC)


@pytest.mark.parametrize("kind", EXPORTS)
def test_csv_exports_run_to_the_end(api, login, office, bad_rows, kind):
    web = {"prospects": "/prospects/export.csv", "visits": "/visits/export.csv",
           "calls": "/prospects/calls/export.csv"}[kind]
    for response in (api(office.manager).get(f"/api/v1/exports/{kind}.csv"),
                     login(office.manager).get(web)):
        assert response.status_code == 200
        rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
        expected = {"prospects": 1, "visits": 2, "calls": 2}[kind]
        assert len(rows) == 1 + expected, rows


def test_csv_export_of_calls_writes_the_far_times_as_utc_text(api, office, bad_rows):
    body = api(office.manager).get("/api/v1/exports/calls.csv").get_data(as_text=True)
    assert "0001-01-01T00:00:00+00:00" in body
    assert "9999-12-31T23:59:59+00:00" in body


@pytest.mark.parametrize("kind", EXPORTS)
def test_xlsx_exports_hold_every_row(api, office, bad_rows, kind):
    response = api(office.manager).get(f"/api/v1/exports/{kind}.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    expected = {"prospects": 1, "visits": 2, "calls": 2}[kind]
    assert sheet.max_row == 1 + expected
