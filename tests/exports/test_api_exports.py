"""GET /api/v1/exports/<kind>.csv|.xlsx: columns, values, visibility, filters and errors (SPEC §4)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from realty_crm import tenancy
from realty_crm.extensions import db
from realty_crm.services import properties as property_service
from realty_crm.services import prospects as prospect_service

KINDS = ("prospects", "properties", "visits", "calls")
FORMATS = ("csv", "xlsx")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

HEADERS = {
    "prospects": [
        "id", "first_name", "last_name", "email", "phone", "source", "source_detail", "status",
        "lost_reason", "assigned_agent_id", "assigned_agent_name", "operation", "property_types",
        "min_price", "max_price", "min_bedrooms", "min_area_m2", "areas", "marketing_consent", "tags",
        "created_at", "updated_at", "last_contacted_at", "next_follow_up_at",
    ],
    "properties": [
        "id", "reference", "title", "description", "operation", "property_type", "status", "price",
        "address", "city", "area", "postcode", "bedrooms", "bathrooms", "area_m2", "features", "owner_id",
        "listing_agent_id", "listing_agent_name", "created_at", "updated_at", "published_at",
    ],
    "visits": [
        "id", "property_id", "property_reference", "property_title", "prospect_id", "prospect_name",
        "agent_id", "agent_name", "starts_at", "ends_at", "status", "cancel_reason", "feedback", "rating",
        "created_at", "updated_at",
    ],
    "calls": [
        "id", "prospect_id", "prospect_name", "agent_id", "agent_name", "direction", "occurred_at",
        "duration_seconds", "outcome", "summary",
    ],
}




def _local(moment: datetime) -> str:
    """How an export shows a time: the office's (Madrid) wall clock with its offset."""
    return moment.astimezone(ZoneInfo("Europe/Madrid")).isoformat(timespec="seconds")


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_downloads_in_both_formats_with_the_json_names_as_header(
    api, office, header_row, kind, fmt
):
    response = api(office.manager).get(f"/api/v1/exports/{kind}.{fmt}")
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and f"{kind}-" in disposition and f".{fmt}" in disposition
    assert response.content_type == {"csv": "text/csv; charset=utf-8", "xlsx": XLSX}[fmt]
    assert header_row(response) == HEADERS[kind]


def test_csv_is_streamed_as_it_is_read(api, office):
    response = api(office.manager).get("/api/v1/exports/prospects.csv")
    assert response.is_streamed
    assert "Content-Length" not in response.headers


def test_prospect_csv_holds_every_field_in_plain_text(api, office, csv_rows):
    response = api(office.manager).get("/api/v1/exports/prospects.csv")
    rows = {row["first_name"]: row for row in csv_rows(response)}
    assert set(rows) == {"Carla", "Dan", "Pia"}
    carla = rows["Carla"]
    office_carla = office.carla
    assert carla["id"] == str(office_carla.id)
    assert carla["last_name"] == "Cruz"
    assert carla["email"] == "carla@example.com"
    # E.164 starts with "+": a spreadsheet would compute it, so it is kept as text
    assert carla["phone"] == "'+34600111222"
    assert carla["source"] == "portal"
    assert carla["status"] == "visiting"  # the booked visit moved her on
    assert carla["assigned_agent_id"] == str(office.agent.id)
    assert carla["assigned_agent_name"] == "Alba Agent"
    assert carla["operation"] == "buy"
    assert carla["property_types"] == "flat, penthouse"
    assert (carla["min_price"], carla["max_price"], carla["min_bedrooms"]) == ("200000", "350000", "2")
    assert carla["areas"] == "Chamberí, Salamanca"
    assert carla["marketing_consent"] == "yes"
    assert carla["tags"] == "vip, cash"
    assert carla["created_at"] == _local(office_carla.created_at)
    assert carla["last_contacted_at"] == "2026-01-15T10:30:00+01:00"
    assert carla["next_follow_up_at"] == ""
    pia = rows["Pia"]
    assert (pia["assigned_agent_id"], pia["assigned_agent_name"], pia["marketing_consent"]) == ("", "", "no")


def test_prospect_xlsx_keeps_numbers_as_numbers_and_text_as_text(api, office, xlsx_rows):
    response = api(office.manager).get("/api/v1/exports/prospects.xlsx")
    rows = {row["first_name"]: row for row in xlsx_rows(response)}
    carla = rows["Carla"]
    assert carla["id"] == office.carla.id
    assert carla["min_price"] == 200000 and carla["min_bedrooms"] == 2
    assert carla["assigned_agent_name"] == "Alba Agent"
    assert carla["phone"] == "'+34600111222"
    assert carla["last_contacted_at"] == "2026-01-15T10:30:00+01:00"
    assert rows["Pia"]["assigned_agent_id"] is None


def test_property_export_names_the_listing_agent_and_keeps_prices_exact(api, office, csv_rows, xlsx_rows):
    client = api(office.manager)
    rows = {row["reference"]: row for row in csv_rows(client.get("/api/v1/exports/properties.csv"))}
    flat, house = rows["MAD-001"], rows["MAD-002"]
    assert flat["title"] == "Flat in Chamberí"
    assert (flat["operation"], flat["property_type"], flat["status"]) == ("sale", "flat", "available")
    assert flat["price"] == "250000.5"
    assert flat["features"] == "lift, terrace"
    assert (flat["listing_agent_id"], flat["listing_agent_name"]) == (str(office.agent.id), "Alba Agent")
    assert (house["operation"], house["city"], house["area"]) == ("rent", "Pozuelo", "Somosaguas")
    assert house["price"] == "1800"
    sheet = {row["reference"]: row for row in xlsx_rows(client.get("/api/v1/exports/properties.xlsx"))}
    assert sheet["MAD-001"]["price"] == 250000.5
    assert sheet["MAD-002"]["bedrooms"] == 2


def test_visit_export_names_property_prospect_and_agent_in_local_time(api, office, csv_rows, xlsx_rows):
    rows = {int(row["id"]): row for row in csv_rows(api(office.manager).get("/api/v1/exports/visits.csv"))}
    visit = rows[office.agent_visit.id]
    assert visit["property_id"] == str(office.flat.id)
    assert (visit["property_reference"], visit["property_title"]) == ("MAD-001", "Flat in Chamberí")
    assert (visit["prospect_id"], visit["prospect_name"]) == (str(office.carla.id), "Carla Cruz")
    assert (visit["agent_id"], visit["agent_name"]) == (str(office.agent.id), "Alba Agent")
    assert visit["starts_at"] == _local(office.agent_visit.starts_at)
    assert visit["starts_at"][11:16] == "10:00"  # the Madrid wall clock, with Madrid's offset
    assert visit["ends_at"][11:16] == "10:45"
    assert visit["status"] == "scheduled"
    assert (visit["rating"], visit["feedback"]) == ("", "")
    # oldest first, as GET /visits lists them
    assert list(rows) == [office.agent_visit.id, office.colleague_visit.id]
    sheet = xlsx_rows(api(office.manager).get("/api/v1/exports/visits.xlsx"))
    assert [row["prospect_name"] for row in sheet] == ["Carla Cruz", "Dan Diaz"]


def test_call_export_shows_each_time_with_the_offset_of_its_day(api, office, csv_rows):
    rows = csv_rows(api(office.manager).get("/api/v1/exports/calls.csv"))
    # newest first, as the call log
    assert [row["prospect_name"] for row in rows] == ["Dan Diaz", "Carla Cruz"]
    summer, winter = rows
    assert summer["occurred_at"] == "2026-07-01T11:30:00+02:00"
    assert winter["occurred_at"] == "2026-01-15T10:30:00+01:00"
    assert (winter["agent_id"], winter["agent_name"]) == (str(office.agent.id), "Alba Agent")
    assert (winter["direction"], winter["outcome"]) == ("outbound", "answered")
    assert winter["duration_seconds"] == "300"
    assert winter["summary"] == "Wants a terrace."
    assert (summer["direction"], summer["outcome"]) == ("inbound", "voicemail")


# --- who sees what ------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_agent_exports_only_their_own_prospects_visits_and_calls(api, office, csv_rows, xlsx_rows, fmt):
    client = api(office.agent)
    read = csv_rows if fmt == "csv" else xlsx_rows

    def names(kind: str, column: str) -> list[str]:
        return [row[column] for row in read(client.get(f"/api/v1/exports/{kind}.{fmt}"))]

    assert names("prospects", "first_name") == ["Carla"]
    assert names("visits", "prospect_name") == ["Carla Cruz"]
    assert names("calls", "prospect_name") == ["Carla Cruz"]
    # every role sees every property
    assert sorted(names("properties", "reference")) == ["MAD-001", "MAD-002"]


def test_an_agent_also_exports_the_unassigned_pool_when_the_agency_allows_it(api, office, csv_rows):
    office.agency.agents_see_unassigned = True
    db.session.commit()
    rows = csv_rows(api(office.agent).get("/api/v1/exports/prospects.csv"))
    assert sorted(row["first_name"] for row in rows) == ["Carla", "Pia"]


@pytest.mark.parametrize("role", ["admin", "manager"])
def test_staff_export_everything_in_their_agency(api, office, csv_rows, role):
    client = api(getattr(office, role))
    assert len(csv_rows(client.get("/api/v1/exports/prospects.csv"))) == 3
    assert len(csv_rows(client.get("/api/v1/exports/visits.csv"))) == 2
    assert len(csv_rows(client.get("/api/v1/exports/calls.csv"))) == 2


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("kind", KINDS)
def test_another_agencys_records_never_appear(api, office, foreign, csv_rows, xlsx_rows, kind, fmt):
    read = csv_rows if fmt == "csv" else xlsx_rows
    for user in (office.admin, office.agent):
        text = repr(read(api(user).get(f"/api/v1/exports/{kind}.{fmt}")))
        assert "oreign" not in text and "FOREIGN" not in text
    theirs = repr(read(api(foreign.manager).get(f"/api/v1/exports/{kind}.{fmt}")))
    assert "oreign" in theirs or "FOREIGN" in theirs
    assert "Carla" not in theirs and "MAD-001" not in theirs


def test_deleted_prospects_and_properties_are_not_exported(api, office, csv_rows):
    with tenancy.scope(office.agency.id):
        prospect_service.delete_prospect(office.manager, office.pia)
        property_service.delete_property(office.manager, office.house)
    client = api(office.manager)
    rows = csv_rows(client.get("/api/v1/exports/prospects.csv"))
    assert sorted(row["first_name"] for row in rows) == ["Carla", "Dan"]
    assert [row["reference"] for row in csv_rows(client.get("/api/v1/exports/properties.csv"))] == ["MAD-001"]
    # a visit keeps its slot when its property is in the trash (it can be restored): listed as on GET /visits
    visits = csv_rows(client.get("/api/v1/exports/visits.csv"))
    assert [row["property_reference"] for row in visits] == ["MAD-001", "MAD-002"]
    refused = api(office.manager).get("/api/v1/exports/prospects.csv?deleted=true")
    assert refused.status_code == 422
    assert "deleted" in refused.get_json()["error"]["details"]


# --- filters ------------------------------------------------------------------------------------


def test_prospect_filters_are_those_of_the_list(api, office, csv_rows):
    client = api(office.manager)

    def first_names(query: str) -> list[str]:
        rows = csv_rows(client.get(f"/api/v1/exports/prospects.csv?{query}"))
        return sorted(row["first_name"] for row in rows)

    assert first_names("q=cruz") == ["Carla"]
    assert first_names("q=600111222") == ["Carla"]
    assert first_names("status=visiting") == ["Carla", "Dan"]
    assert first_names("source=referral") == ["Dan"]
    assert first_names(f"assigned_agent_id={office.colleague.id}") == ["Dan"]
    assert first_names("unassigned=true") == ["Pia"]
    assert first_names("status=visiting&source=referral") == ["Dan"]
    # paging does not apply to an export
    assert first_names("page=2&per_page=1") == ["Carla", "Dan", "Pia"]
    names = [row["first_name"] for row in csv_rows(client.get("/api/v1/exports/prospects.csv?sort=name"))]
    assert names == ["Carla", "Dan", "Pia"]  # Cruz, Diaz, Pool


def test_property_visit_and_call_filters_are_those_of_their_lists(api, office, csv_rows):
    client = api(office.manager)

    def column(path: str, name: str) -> list[str]:
        return [row[name] for row in csv_rows(client.get("/api/v1/exports/" + path))]

    assert column("properties.csv?operation=rent", "reference") == ["MAD-002"]
    assert column("properties.csv?min_price=100000&city=Madrid", "reference") == ["MAD-001"]
    assert column("properties.csv?q=pozuelo", "reference") == ["MAD-002"]
    assert column(f"visits.csv?agent_id={office.colleague.id}", "prospect_name") == ["Dan Diaz"]
    assert column(f"visits.csv?property_id={office.flat.id}", "prospect_name") == ["Carla Cruz"]
    assert column("visits.csv?status=done", "id") == []
    window = office.colleague_visit.starts_at.astimezone(UTC).isoformat().replace("+00:00", "Z")
    assert column(f"visits.csv?from={window}", "prospect_name") == ["Dan Diaz"]
    assert column("calls.csv?direction=inbound", "prospect_name") == ["Dan Diaz"]
    assert column(f"calls.csv?prospect_id={office.carla.id}", "summary") == ["Wants a terrace."]
    assert column("calls.csv?from=2026-03-01T00:00:00Z", "prospect_name") == ["Dan Diaz"]
    assert column("calls.csv?to=2026-03-01T00:00:00Z", "prospect_name") == ["Carla Cruz"]


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/v1/exports/prospects.csv?status=asleep", "status"),
        ("/api/v1/exports/prospects.xlsx?assigned_agent_id=abc", "assigned_agent_id"),
        ("/api/v1/exports/properties.csv?min_price=500&max_price=100", "max_price"),
        ("/api/v1/exports/visits.xlsx?from=yesterday", "from"),
        ("/api/v1/exports/calls.csv?outcome=maybe", "outcome"),
    ],
)
def test_a_bad_filter_is_a_422_naming_it_and_no_file(api, office, path, field):
    response = api(office.manager).get(path)
    assert response.status_code == 422
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert error["code"] == "validation_error"
    assert field in error["details"]


@pytest.mark.parametrize(
    "path",
    ["/api/v1/exports/agents.csv", "/api/v1/exports/follow-ups.xlsx", "/api/v1/exports/prospects.json",
     "/api/v1/exports/prospects.xls", "/api/v1/exports/prospects", "/api/v1/exports/.csv"],
)
def test_an_unknown_kind_or_format_is_a_404(api, office, path):
    response = api(office.manager).get(path)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_exports_need_a_token(client, office):
    response = client.get("/api/v1/exports/prospects.csv")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_exports_are_documented_with_their_filters_and_media_type(client):
    document = client.get("/api/v1/openapi.json").get_json()
    for kind in KINDS:
        for fmt, media in (("csv", "text/csv; charset=utf-8"),
                           ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")):
            op = document["paths"][f"/api/v1/exports/{kind}.{fmt}"]["get"]
            assert list(op["responses"]["200"]["content"]) == [media]
            params = {p["name"] for p in op.get("parameters", [])}
            assert "page" not in params and "per_page" not in params and "deleted" not in params

    def params(path: str) -> set[str]:
        return {p["name"] for p in document["paths"][f"/api/v1/exports/{path}"]["get"]["parameters"]}

    assert {"q", "status", "source", "assigned_agent_id", "unassigned", "sort"} <= params("prospects.csv")
    assert {"agent_id", "property_id", "prospect_id", "status", "from", "to"} <= params("visits.xlsx")
