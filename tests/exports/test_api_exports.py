"""GET /api/v1/exports/<kind>.csv|.xlsx: columns, values, visibility, filters and errors (SPEC §4)."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from sqlalchemy import update

from realty_crm import tenancy
from realty_crm.extensions import db
from realty_crm.models import Visit
from realty_crm.services import properties as property_service
from realty_crm.services import prospects as prospect_service

KINDS = ("prospects", "properties", "visits", "calls")
FORMATS = ("csv", "xlsx")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MADRID = ZoneInfo("Europe/Madrid")

# in the reader's language: English for these users
HEADERS = {
    "prospects": [
        "Number", "First name", "Last name", "E-mail", "Phone", "Source", "Source detail", "Status",
        "Reason lost", "Agent number", "Agent", "Operation", "Property types", "Minimum price",
        "Maximum price", "Minimum bedrooms", "Minimum area (m²)", "Areas", "Marketing consent", "Tags",
        "Created", "Updated", "Last contacted", "Next follow-up",
    ],
    "properties": [
        "Number", "Reference", "Title", "Description", "Operation", "Property type", "Status", "Price",
        "Address", "City", "Area", "Postcode", "Bedrooms", "Bathrooms", "Floor area (m²)", "Features",
        "Owner number", "Listing agent number", "Listing agent", "Created", "Updated", "Published",
    ],
    "visits": [
        "Number", "Property number", "Reference", "Property", "Prospect number", "Prospect", "Agent number",
        "Agent", "Starts", "Ends", "Status", "Reason cancelled", "Feedback", "Rating (1–5)", "Created",
        "Updated",
    ],
    "calls": [
        "Number", "Prospect number", "Prospect", "Agent number", "Agent", "Direction", "When",
        "Duration (seconds)", "Outcome", "Summary",
    ],
}




def _local(moment: datetime) -> str:
    """How an export shows a time: the office's (Madrid) wall clock with its offset."""
    return moment.astimezone(MADRID).isoformat(timespec="seconds")


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_downloads_in_both_formats_with_headers_in_the_readers_language(
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
    rows = {row["First name"]: row for row in csv_rows(response)}
    assert set(rows) == {"Carla", "Dan", "Pia"}
    carla = rows["Carla"]
    office_carla = office.carla
    assert carla["Number"] == str(office_carla.id)
    assert carla["Last name"] == "Cruz"
    assert carla["E-mail"] == "carla@example.com"
    # E.164 starts with "+": a spreadsheet would compute it, so the CSV keeps it as text
    assert carla["Phone"] == "'+34600111222"
    assert carla["Source"] == "Portal"
    assert carla["Status"] == "Visiting"  # the booked visit moved her on
    assert carla["Agent number"] == str(office.agent.id)
    assert carla["Agent"] == "Alba Agent"
    assert carla["Operation"] == "Buy"
    assert carla["Property types"] == "Flat, Penthouse"
    assert (carla["Minimum price"], carla["Maximum price"], carla["Minimum bedrooms"]) == (
        "200000", "350000", "2")
    assert carla["Areas"] == "Chamberí, Salamanca"
    assert carla["Marketing consent"] == "Yes"
    assert carla["Tags"] == "vip, cash"
    assert carla["Created"] == _local(office_carla.created_at)
    assert carla["Last contacted"] == "2026-01-15T10:30:00+01:00"
    assert carla["Next follow-up"] == ""
    pia = rows["Pia"]
    assert (pia["Agent number"], pia["Agent"], pia["Marketing consent"]) == ("", "", "No")


def _cells(response, key: str) -> dict[str, dict[str, openpyxl.cell.Cell]]:
    """The workbook's cells (typed, with their formats) by header, rows keyed by column ``key``."""
    sheet = openpyxl.load_workbook(io.BytesIO(response.get_data())).active
    header, *rows = list(sheet.iter_rows())
    names = [cell.value for cell in header]
    by_name = [dict(zip(names, row, strict=True)) for row in rows]
    return {row[key].value: row for row in by_name}


def test_prospect_xlsx_cells_are_numbers_dates_and_text_without_apostrophes(api, office):
    rows = _cells(api(office.manager).get("/api/v1/exports/prospects.xlsx"), "First name")
    carla = rows["Carla"]
    assert (carla["Number"].data_type, carla["Number"].value) == ("n", office.carla.id)
    assert (carla["Minimum price"].value, carla["Minimum bedrooms"].value) == (200000, 2)
    assert carla["Minimum price"].data_type == "n"
    # a string cell is never run as a formula: the phone reads exactly as stored
    assert (carla["Phone"].data_type, carla["Phone"].value) == ("s", "+34600111222")
    assert carla["Agent"].value == "Alba Agent"
    # a date cell with a date format, holding Madrid's wall clock (Excel has no time zones)
    contacted = carla["Last contacted"]
    assert contacted.is_date and contacted.number_format == "yyyy-mm-dd hh:mm"
    assert contacted.value == datetime(2026, 1, 15, 10, 30)
    created = office.carla.created_at.astimezone(MADRID).replace(tzinfo=None)
    assert abs(carla["Created"].value - created) < timedelta(milliseconds=1)
    assert carla["Next follow-up"].value is None
    assert (carla["Source"].value, carla["Marketing consent"].value) == ("Portal", "Yes")
    assert rows["Pia"]["Agent number"].value is None


def test_xlsx_date_columns_are_wide_enough_to_show_the_date(api, office):
    body = api(office.manager).get("/api/v1/exports/calls.xlsx").get_data()
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    when = [cell.value for cell in sheet[1]].index("When") + 1
    assert sheet.column_dimensions[get_column_letter(when)].width >= len("2026-01-15 10:30")


def test_property_export_names_the_listing_agent_and_keeps_prices_exact(api, office, csv_rows):
    client = api(office.manager)
    rows = {row["Reference"]: row for row in csv_rows(client.get("/api/v1/exports/properties.csv"))}
    flat, house = rows["MAD-001"], rows["MAD-002"]
    assert flat["Title"] == "Flat in Chamberí"
    assert (flat["Operation"], flat["Property type"], flat["Status"]) == ("Sale", "Flat", "Available")
    assert flat["Price"] == "250000.5"
    assert flat["Features"] == "lift, terrace"
    assert (flat["Listing agent number"], flat["Listing agent"]) == (str(office.agent.id), "Alba Agent")
    assert (house["Operation"], house["City"], house["Area"]) == ("Rent", "Pozuelo", "Somosaguas")
    assert house["Price"] == "1800"
    sheet = _cells(client.get("/api/v1/exports/properties.xlsx"), "Reference")
    assert (sheet["MAD-001"]["Price"].data_type, sheet["MAD-001"]["Price"].value) == ("n", 250000.5)
    assert sheet["MAD-002"]["Bedrooms"].value == 2
    assert sheet["MAD-001"]["Published"].is_date


def test_visit_export_names_property_prospect_and_agent_in_local_time(api, office, csv_rows):
    client = api(office.manager)
    rows = {int(row["Number"]): row for row in csv_rows(client.get("/api/v1/exports/visits.csv"))}
    visit = rows[office.agent_visit.id]
    assert visit["Property number"] == str(office.flat.id)
    assert (visit["Reference"], visit["Property"]) == ("MAD-001", "Flat in Chamberí")
    assert (visit["Prospect number"], visit["Prospect"]) == (str(office.carla.id), "Carla Cruz")
    assert (visit["Agent number"], visit["Agent"]) == (str(office.agent.id), "Alba Agent")
    assert visit["Starts"] == _local(office.agent_visit.starts_at)
    assert visit["Starts"][11:16] == "10:00"  # the Madrid wall clock, with Madrid's offset
    assert visit["Ends"][11:16] == "10:45"
    assert visit["Status"] == "Scheduled"
    assert (visit["Rating (1–5)"], visit["Feedback"]) == ("", "")
    # oldest first, as GET /visits lists them
    assert list(rows) == [office.agent_visit.id, office.colleague_visit.id]
    sheet = _cells(client.get("/api/v1/exports/visits.xlsx"), "Number")
    assert [row["Prospect"].value for row in sheet.values()] == ["Carla Cruz", "Dan Diaz"]
    starts = sheet[office.agent_visit.id]["Starts"]
    assert starts.is_date and starts.value == office.agent_visit.starts_at.astimezone(MADRID).replace(
        tzinfo=None)
    assert (starts.value.hour, starts.value.minute) == (10, 0)


def test_a_rated_visit_exports_its_rating_as_a_number(api, office, csv_rows):
    with tenancy.scope(office.agency.id):
        db.session.execute(update(Visit).where(Visit.id == office.agent_visit.id).values(
            status="done", rating=4, feedback="Liked it."))
        db.session.commit()
    client = api(office.manager)
    row = {int(r["Number"]): r for r in csv_rows(client.get("/api/v1/exports/visits.csv"))}[
        office.agent_visit.id]
    assert (row["Status"], row["Rating (1–5)"], row["Feedback"]) == ("Done", "4", "Liked it.")
    cell = _cells(client.get("/api/v1/exports/visits.xlsx"), "Number")[office.agent_visit.id]["Rating (1–5)"]
    assert (cell.data_type, cell.value) == ("n", 4)


def test_call_export_shows_each_time_with_the_offset_of_its_day(api, office, csv_rows):
    rows = csv_rows(api(office.manager).get("/api/v1/exports/calls.csv"))
    # newest first, as the call log
    assert [row["Prospect"] for row in rows] == ["Dan Diaz", "Carla Cruz"]
    summer, winter = rows
    assert summer["When"] == "2026-07-01T11:30:00+02:00"
    assert winter["When"] == "2026-01-15T10:30:00+01:00"
    assert (winter["Agent number"], winter["Agent"]) == (str(office.agent.id), "Alba Agent")
    assert (winter["Direction"], winter["Outcome"]) == ("Outbound", "Answered")
    assert winter["Duration (seconds)"] == "300"
    assert winter["Summary"] == "Wants a terrace."
    assert (summer["Direction"], summer["Outcome"]) == ("Inbound", "Voicemail")


def test_call_xlsx_holds_local_times_as_dates_and_durations_as_numbers(api, office):
    rows = _cells(api(office.manager).get("/api/v1/exports/calls.xlsx"), "Summary")
    summer, winter = rows["Left a message."], rows["Wants a terrace."]
    # each with the wall clock of its own day in Madrid: UTC+2 in summer, UTC+1 in winter
    assert summer["When"].value == datetime(2026, 7, 1, 11, 30)
    assert winter["When"].value == datetime(2026, 1, 15, 10, 30)
    assert winter["When"].is_date
    assert (winter["Duration (seconds)"].data_type, winter["Duration (seconds)"].value) == ("n", 300)
    assert (summer["Direction"].value, summer["Outcome"].value) == ("Inbound", "Voicemail")


# --- the reader's language ----------------------------------------------------------------------


SPANISH_HEADERS = {
    "prospects": ["Número", "Nombre", "Apellidos", "Correo electrónico", "Teléfono", "Origen"],
    "properties": ["Número", "Referencia", "Título", "Descripción", "Operación", "Tipo de inmueble"],
    "visits": ["Número", "Número de inmueble", "Referencia", "Inmueble", "Número de interesado"],
    "calls": ["Número", "Número de interesado", "Interesado", "Número de agente", "Agente", "Sentido"],
}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("kind", KINDS)
def test_a_spanish_reader_gets_spanish_headers(api, office, header_row, kind, fmt):
    office.manager.locale = "es"
    db.session.commit()
    headers = header_row(api(office.manager).get(f"/api/v1/exports/{kind}.{fmt}"))
    assert headers[:len(SPANISH_HEADERS[kind])] == SPANISH_HEADERS[kind]
    assert len(headers) == len(HEADERS[kind]) and len(set(headers)) == len(headers)
    assert not set(headers) & set(HEADERS[kind]), "every header is translated"


def test_a_spanish_reader_gets_choices_and_yes_no_in_spanish(api, office, csv_rows, xlsx_rows):
    office.manager.locale = "es"
    db.session.commit()
    client = api(office.manager)
    for read, fmt in ((csv_rows, "csv"), (xlsx_rows, "xlsx")):
        carla = {r["Nombre"]: r for r in read(client.get(f"/api/v1/exports/prospects.{fmt}"))}["Carla"]
        assert (carla["Origen"], carla["Estado"], carla["Operación"]) == (
            "Portal inmobiliario", "Visitando", "Compra")
        assert (carla["Tipos de inmueble"], carla["Acepta publicidad"]) == ("Piso, Ático", "Sí")
        house = {r["Referencia"]: r for r in read(client.get(f"/api/v1/exports/properties.{fmt}"))}["MAD-002"]
        assert (house["Operación"], house["Tipo de inmueble"], house["Estado"]) == (
            "Alquiler", "Casa", "Disponible")
        visit = read(client.get(f"/api/v1/exports/visits.{fmt}"))[0]
        assert visit["Estado"] == "Programada"
        call = read(client.get(f"/api/v1/exports/calls.{fmt}"))[0]
        assert (call["Sentido"], call["Resultado"]) == ("Entrante", "Buzón de voz")


def test_the_language_is_the_readers_not_the_agencys(api, office, header_row):
    office.agency.locale = "es"
    office.agent.locale = "en"
    db.session.commit()
    assert header_row(api(office.agent).get("/api/v1/exports/calls.csv"))[:3] == [
        "Number", "Prospect number", "Prospect"]
    assert header_row(api(office.manager).get("/api/v1/exports/calls.csv"))[:3] == [
        "Número", "Número de interesado", "Interesado"]


# --- who sees what ------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_agent_exports_only_their_own_prospects_visits_and_calls(api, office, csv_rows, xlsx_rows, fmt):
    client = api(office.agent)
    read = csv_rows if fmt == "csv" else xlsx_rows

    def names(kind: str, column: str) -> list[str]:
        return [row[column] for row in read(client.get(f"/api/v1/exports/{kind}.{fmt}"))]

    assert names("prospects", "First name") == ["Carla"]
    assert names("visits", "Prospect") == ["Carla Cruz"]
    assert names("calls", "Prospect") == ["Carla Cruz"]
    # every role sees every property
    assert sorted(names("properties", "Reference")) == ["MAD-001", "MAD-002"]


def test_an_agent_also_exports_the_unassigned_pool_when_the_agency_allows_it(api, office, csv_rows):
    office.agency.agents_see_unassigned = True
    db.session.commit()
    rows = csv_rows(api(office.agent).get("/api/v1/exports/prospects.csv"))
    assert sorted(row["First name"] for row in rows) == ["Carla", "Pia"]


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
    assert sorted(row["First name"] for row in rows) == ["Carla", "Dan"]
    assert [row["Reference"] for row in csv_rows(client.get("/api/v1/exports/properties.csv"))] == ["MAD-001"]
    # a visit keeps its slot when its property is in the trash (it can be restored): listed as on GET /visits
    visits = csv_rows(client.get("/api/v1/exports/visits.csv"))
    assert [row["Reference"] for row in visits] == ["MAD-001", "MAD-002"]
    refused = api(office.manager).get("/api/v1/exports/prospects.csv?deleted=true")
    assert refused.status_code == 422
    assert "deleted" in refused.get_json()["error"]["details"]


# --- filters ------------------------------------------------------------------------------------


def test_prospect_filters_are_those_of_the_list(api, office, csv_rows):
    client = api(office.manager)

    def first_names(query: str) -> list[str]:
        rows = csv_rows(client.get(f"/api/v1/exports/prospects.csv?{query}"))
        return sorted(row["First name"] for row in rows)

    assert first_names("q=cruz") == ["Carla"]
    assert first_names("q=600111222") == ["Carla"]
    assert first_names("status=visiting") == ["Carla", "Dan"]
    assert first_names("source=referral") == ["Dan"]
    assert first_names(f"assigned_agent_id={office.colleague.id}") == ["Dan"]
    assert first_names("unassigned=true") == ["Pia"]
    assert first_names("status=visiting&source=referral") == ["Dan"]
    # paging does not apply to an export
    assert first_names("page=2&per_page=1") == ["Carla", "Dan", "Pia"]
    names = [row["First name"] for row in csv_rows(client.get("/api/v1/exports/prospects.csv?sort=name"))]
    assert names == ["Carla", "Dan", "Pia"]  # Cruz, Diaz, Pool


def test_property_visit_and_call_filters_are_those_of_their_lists(api, office, csv_rows):
    client = api(office.manager)

    def column(path: str, name: str) -> list[str]:
        return [row[name] for row in csv_rows(client.get("/api/v1/exports/" + path))]

    assert column("properties.csv?operation=rent", "Reference") == ["MAD-002"]
    assert column("properties.csv?min_price=100000&city=Madrid", "Reference") == ["MAD-001"]
    assert column("properties.csv?q=pozuelo", "Reference") == ["MAD-002"]
    assert column(f"visits.csv?agent_id={office.colleague.id}", "Prospect") == ["Dan Diaz"]
    assert column(f"visits.csv?property_id={office.flat.id}", "Prospect") == ["Carla Cruz"]
    assert column("visits.csv?status=done", "Number") == []
    window = office.colleague_visit.starts_at.astimezone(UTC).isoformat().replace("+00:00", "Z")
    assert column(f"visits.csv?from={window}", "Prospect") == ["Dan Diaz"]
    assert column("calls.csv?direction=inbound", "Prospect") == ["Dan Diaz"]
    assert column(f"calls.csv?prospect_id={office.carla.id}", "Summary") == ["Wants a terrace."]
    assert column("calls.csv?from=2026-03-01T00:00:00Z", "Prospect") == ["Dan Diaz"]
    assert column("calls.csv?to=2026-03-01T00:00:00Z", "Prospect") == ["Carla Cruz"]


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
