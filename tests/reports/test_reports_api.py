"""GET /api/v1/reports/<name> (JSON) and /api/v1/reports/<name>.csv|.xlsx."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook


def test_pipeline_json_with_the_filters_it_used(data, api):
    response = api(data.manager).get("/api/v1/reports/pipeline", query_string=data.window)

    assert response.status_code == 200
    body = response.get_json()
    assert body["report"] == "pipeline"
    assert body["filters"] == {**data.window, "agent_id": None, "timezone": "Europe/Madrid"}
    assert [(row["stage"], row["prospects"], row["reached"], row["conversion"]) for row in body["items"]] == [
        ("new", 2, 8, None), ("contacted", 0, 5, 62.5), ("qualified", 0, 5, 100.0),
        ("visiting", 1, 4, 80.0), ("offer", 1, 3, 75.0), ("won", 2, 2, 66.7),
    ]
    assert body["totals"] == {"prospects": 8, "won": 2, "lost": 2, "win_rate": 25.0}


def test_sources_agents_and_properties_json(data, api):
    client = api(data.admin)

    sources = client.get("/api/v1/reports/sources", query_string=data.window).get_json()
    agents = client.get("/api/v1/reports/agents", query_string=data.window).get_json()
    properties = client.get("/api/v1/reports/properties", query_string=data.window).get_json()

    assert sources["items"][0] == {"source": "web_form", "prospects": 3, "with_visit": 1, "won": 2,
                                   "conversion": 66.7}
    assert agents["items"][1] == {
        "agent_id": data.bruno.id, "name": "Bruno Agent", "leads": 3, "calls": 2, "visits_done": 1,
        "visits": 2, "wins": 1, "contacted": 2, "median_speed_to_lead": 5400,
    }
    assert agents["totals"]["median_speed_to_lead"] == 2700
    assert properties["items"][0] == {
        "property_id": data.flat.id, "reference": "MAD-1", "title": "Flat in Chamberí", "visits_done": 1,
        "visits": 2, "average_rating": 4.0, "ratings": 1,
    }


def test_an_agent_passing_a_colleagues_id_gets_their_own_figures(data, api):
    response = api(data.alba).get(
        "/api/v1/reports/agents", query_string={**data.window, "agent_id": data.bruno.id}
    )

    assert response.status_code == 200
    body = response.get_json()
    assert body["filters"]["agent_id"] == data.alba.id
    assert [row["name"] for row in body["items"]] == ["Alba Agent"]


def test_staff_filter_by_agent(data, api):
    body = api(data.manager).get(
        "/api/v1/reports/pipeline", query_string={**data.window, "agent_id": data.bruno.id}
    ).get_json()

    assert body["totals"] == {"prospects": 3, "won": 1, "lost": 0, "win_rate": 33.3}


def test_another_agencys_manager_sees_only_their_agency(data, api):
    body = api(data.outsider).get("/api/v1/reports/sources", query_string=data.window).get_json()

    assert body["items"] == [{"source": "web_form", "prospects": 1, "with_visit": 1, "won": 1,
                              "conversion": 100.0}]


def test_unknown_report_is_404(data, api):
    for path in ("/api/v1/reports/secrets", "/api/v1/reports/pipeline.pdf", "/api/v1/reports/secrets.csv"):
        response = api(data.manager).get(path)
        assert response.status_code == 404, path
        assert response.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "2025-03-10", "to": "2025-03-01"}, "to"),
        ({"from": "junk"}, "from"),
        ({"to": "2025-13-01"}, "to"),
        ({"agent_id": "-3"}, "agent_id"),
    ],
)
def test_bad_filters_are_422_naming_the_field(data, api, query, field):
    for path in ("/api/v1/reports/agents", "/api/v1/reports/agents.csv", "/api/v1/reports/agents.xlsx"):
        response = api(data.manager).get(path, query_string=query)
        assert response.status_code == 422, path
        error = response.get_json()["error"]
        assert error["code"] == "validation_error"
        assert field in error["details"]


def test_an_agent_of_another_agency_is_422(data, api):
    query = {"agent_id": data.outsider_agent.id}
    response = api(data.manager).get("/api/v1/reports/agents", query_string=query)

    assert response.status_code == 422
    assert "agent_id" in response.get_json()["error"]["details"]


def test_csv_download_has_the_reports_rows(data, api):
    response = api(data.manager).get("/api/v1/reports/sources.csv", query_string=data.window)

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    stem = f"sources_{data.window['from']}_{data.window['to']}"
    assert f'filename="{stem}.csv"' in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows == [
        ["Source", "Prospects", "With a visit", "Won", "Conversion (%)"],
        ["Web form", "3", "1", "2", "66.7"],
        ["Portal", "2", "1", "0", "0.0"],
        ["Referral", "2", "1", "0", "0.0"],
        ["Walk-in", "1", "0", "0", "0.0"],
    ]


def test_pipeline_csv_ends_with_the_lost_prospects(data, api):
    response = api(data.manager).get("/api/v1/reports/pipeline.csv", query_string=data.window)

    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][0] == "Stage"
    assert rows[2] == ["Contacted", "0", "5", "62.5", "0"]
    assert rows[-1] == ["Lost", "2", "", "", ""]


def test_xlsx_download_opens_with_numbers_in_cells(data, api):
    response = api(data.manager).get("/api/v1/reports/agents.xlsx", query_string=data.window)

    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["Agent", "Leads", "Calls", "Visits done", "Visits", "Wins", "Leads contacted",
                       "Median speed to lead (hours)"]
    assert rows[1:] == [
        ["Alba Agent", 4, 3, 1, 2, 1, 4, 0.58],
        ["Bruno Agent", 3, 2, 1, 2, 1, 2, 1.5],
    ]


def test_an_agents_download_holds_only_their_figures(data, api):
    response = api(data.alba).get(
        "/api/v1/reports/properties.csv", query_string={**data.window, "agent_id": data.bruno.id}
    )

    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert [row[0] for row in rows[1:]] == ["MAD-1"]


def test_reports_are_documented_in_openapi(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]

    for name in ("pipeline", "sources", "agents", "properties"):
        operation = paths[f"/api/v1/reports/{name}"]["get"]
        assert {"from", "to", "agent_id"} <= {p["name"] for p in operation["parameters"]}
        assert "422" in operation["responses"]
        assert "text/csv" in str(paths[f"/api/v1/reports/{name}.csv"]["get"]["responses"]["200"]["content"])
        assert f"/api/v1/reports/{name}.xlsx" in paths
