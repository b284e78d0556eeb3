"""Exports are safe against spreadsheet formula injection (OWASP "CSV injection", SPEC §6).

A text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would run as a
formula when the file is opened: in CSV it gets a leading apostrophe; in XLSX it is written as a
string cell, which a spreadsheet shows as it is and never runs, so it reads exactly as stored.
"""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
from sqlalchemy import update

from realty_crm import tenancy
from realty_crm.extensions import db
from realty_crm.models import Prospect
from realty_crm.services import calls, visits

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
NAMES = ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)"]
# the services strip surrounding white space, but a record may hold it (an older import, SQL)
RAW_NAMES = ["\tTab", "\rReturn"]


@pytest.fixture
def hostile(office, make):
    """Prospects named like formulas, with a call and a visit whose texts are formulas too."""
    records = [make.prospect(office.manager, first_name=name, last_name="Smith") for name in NAMES]
    records += [make.prospect(office.manager, first_name=f"Raw{n}") for n, _name in enumerate(RAW_NAMES)]
    for record, name in zip(records[len(NAMES):], RAW_NAMES, strict=True):
        db.session.execute(update(Prospect).where(Prospect.id == record.id).values(first_name=name))
    db.session.commit()
    target = records[0]
    with tenancy.scope(office.agency.id):
        calls.log_call(office.manager, {"prospect_id": target.id, "direction": "inbound",
                                        "outcome": "answered", "summary": "=1+2"})
        visit = visits.schedule_visit(office.manager, {
            "property_id": office.house.id, "prospect_id": target.id, "agent_id": office.manager.id,
            "starts_at": office.agent_visit.starts_at.isoformat(),
        })
        visits.update_visit(office.manager, visit, {"status": "cancelled", "cancel_reason": "@evil"})
    make.property(office.manager, reference="INJ-1", title="-cmd|' /C calc'!A0", features=["=1", "lift"])
    return records


EXPECTED_FIRST_NAMES = {
    "'=HYPERLINK(\"http://x\")", "'+1", "'-2", "'@SUM(A1)", "'\tTab", "'\rReturn",
}


def test_every_csv_cell_that_would_be_a_formula_starts_with_an_apostrophe(api, office, hostile, csv_rows):
    client = api(office.manager)
    prospects = csv_rows(client.get("/api/v1/exports/prospects.csv"))
    assert {row["First name"] for row in prospects} >= EXPECTED_FIRST_NAMES
    assert {"'=1+2"} == {row["Summary"] for row in csv_rows(client.get("/api/v1/exports/calls.csv"))} - {
        "Wants a terrace.", "Left a message."}
    visit_rows = csv_rows(client.get("/api/v1/exports/visits.csv"))
    assert "'@evil" in {row["Reason cancelled"] for row in visit_rows}
    assert "'=HYPERLINK(\"http://x\") Smith" in {row["Prospect"] for row in visit_rows}
    properties = {row["Reference"]: row for row in csv_rows(client.get("/api/v1/exports/properties.csv"))}
    assert properties["INJ-1"]["Title"] == "'-cmd|' /C calc'!A0"
    assert properties["INJ-1"]["Features"] == "'=1, lift"
    for kind in ("prospects", "properties", "visits", "calls"):
        for row in csv_rows(client.get(f"/api/v1/exports/{kind}.csv")):
            for column, cell in row.items():
                assert not cell.startswith(TRIGGERS), (kind, column, cell)


def test_xlsx_cells_are_strings_never_formulas_and_read_as_stored(api, office, hostile):
    client = api(office.manager)
    for kind in ("prospects", "properties", "visits", "calls"):
        body = client.get(f"/api/v1/exports/{kind}.xlsx").get_data()
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
        assert "<f>" not in sheet_xml and "<f " not in sheet_xml, kind
        sheet = openpyxl.load_workbook(io.BytesIO(body)).active
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                assert cell.data_type != "f", (kind, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not cell.value.startswith("'"), (kind, cell.coordinate, cell.value)
    sheet = openpyxl.load_workbook(io.BytesIO(client.get("/api/v1/exports/prospects.xlsx").get_data())).active
    header = [cell.value for cell in sheet[1]]
    column = header.index("First name")
    cells = [row[column] for row in sheet.iter_rows(min_row=2)]
    assert all(cell.data_type == "s" for cell in cells)
    # the file stores a carriage return as OOXML's escape _x000D_ (Excel shows it as the character)
    assert {cell.value.replace("_x000D_", "\r") for cell in cells} >= set(NAMES + RAW_NAMES)
    phones = {row[header.index("Phone")].value for row in sheet.iter_rows(min_row=2)}
    assert "+34600111222" in phones
    properties = openpyxl.load_workbook(
        io.BytesIO(client.get("/api/v1/exports/properties.xlsx").get_data())).active
    header = [cell.value for cell in properties[1]]
    titles = {row[header.index("Reference")].value: row for row in properties.iter_rows(min_row=2)}
    assert titles["INJ-1"][header.index("Title")].value == "-cmd|' /C calc'!A0"
    assert titles["INJ-1"][header.index("Features")].value == "=1, lift"


def test_the_web_downloads_are_guarded_too(login, office, hostile, csv_rows):
    browser = login(office.manager)
    rows = csv_rows(browser.get("/prospects/export.csv"))
    assert {row["First name"] for row in rows} >= EXPECTED_FIRST_NAMES
    calls_rows = csv_rows(browser.get("/prospects/calls/export.csv"))
    assert "'=1+2" in {row["Summary"] for row in calls_rows}
