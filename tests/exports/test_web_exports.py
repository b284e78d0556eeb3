"""Export links on the prospect, property and visit lists: the list as filtered, every page of it."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from realty_crm.extensions import db

EXPORT_LINK = re.compile(r'href="([^"]*/export\.(?:csv|xlsx)[^"]*)"')


def export_links(page_html: str) -> dict[str, dict[str, list[str]]]:
    """The page's export links: path → its query arguments."""
    links = {}
    for href in EXPORT_LINK.findall(page_html):
        parts = urlsplit(html.unescape(href))
        links[parts.path] = parse_qs(parts.query)
    return links


@pytest.mark.parametrize(
    ("page", "filters", "paths"),
    [
        ("/prospects", "q=cruz&status=visiting&sort=name",
         {"/prospects/export.csv", "/prospects/export.xlsx"}),
        ("/properties", "operation=sale&min_bedrooms=2&city=Madrid",
         {"/properties/export.csv", "/properties/export.xlsx"}),
        ("/visits", "status=scheduled&date_from=2026-01-01", {"/visits/export.csv", "/visits/export.xlsx"}),
    ],
)
def test_each_list_links_to_its_export_with_the_current_filters_but_not_the_page(
    login, office, page, filters, paths
):
    body = login(office.manager).get(f"{page}?{filters}&page=2").get_data(as_text=True)
    links = export_links(body)
    assert paths <= set(links)
    for path in paths:
        assert links[path] == parse_qs(filters), path


def test_the_prospect_list_links_to_the_call_export(login, office):
    body = login(office.agent).get("/prospects").get_data(as_text=True)
    assert {"/prospects/calls/export.csv", "/prospects/calls/export.xlsx"} <= set(export_links(body))


def test_the_prospect_export_is_the_filtered_list(login, office, csv_rows, xlsx_rows):
    browser = login(office.manager)
    rows = csv_rows(browser.get("/prospects/export.csv?status=visiting&sort=name"))
    assert [row["First name"] for row in rows] == ["Carla", "Dan"]
    rows = xlsx_rows(browser.get(f"/prospects/export.xlsx?agent={office.colleague.id}"))
    assert [row["First name"] for row in rows] == ["Dan"]
    # a filter the page cannot read is dropped there, and so it is here: the same list
    assert len(csv_rows(browser.get("/prospects/export.csv?status=asleep"))) == 3


def test_an_agent_downloads_only_their_own_prospects_visits_and_calls(login, office, csv_rows):
    browser = login(office.agent)
    # the agent filter is for staff: an agent cannot widen their list with it
    prospects = csv_rows(browser.get(f"/prospects/export.csv?agent={office.colleague.id}"))
    assert [row["First name"] for row in prospects] == ["Carla"]
    assert [row["Agent"] for row in csv_rows(browser.get("/visits/export.csv"))] == ["Alba Agent"]
    assert [row["Summary"] for row in csv_rows(browser.get("/prospects/calls/export.csv"))] == [
        "Wants a terrace."
    ]
    assert len(csv_rows(browser.get("/properties/export.csv"))) == 2


def test_the_property_export_is_the_search(login, office, csv_rows):
    browser = login(office.agent)
    rows = csv_rows(browser.get("/properties/export.csv?operation=rent"))
    assert [row["Reference"] for row in rows] == ["MAD-002"]
    rows = csv_rows(browser.get("/properties/export.csv?q=flat"))
    assert [row["Reference"] for row in rows] == ["MAD-001"]
    rows = csv_rows(browser.get("/properties/export.csv?sort=price_asc"))
    assert [row["Reference"] for row in rows] == ["MAD-002", "MAD-001"]


def test_the_visit_export_is_the_filtered_list_newest_first(login, office, csv_rows, xlsx_rows):
    browser = login(office.manager)
    rows = csv_rows(browser.get("/visits/export.csv"))
    assert [row["Prospect"] for row in rows] == ["Dan Diaz", "Carla Cruz"]
    day = office.agent_visit.starts_at.date().isoformat()
    query = f"agent={office.agent.id}&date_from={day}&date_to={day}"
    rows = xlsx_rows(browser.get(f"/visits/export.xlsx?{query}"))
    assert [row["Number"] for row in rows] == [office.agent_visit.id]
    rows = csv_rows(browser.get(f"/visits/export.csv?property_id={office.house.id}"))
    assert [row["Reference"] for row in rows] == ["MAD-002"]
    # a number naming nothing in the agency: an empty list, as on the page
    assert csv_rows(browser.get("/visits/export.csv?property_id=999999")) == []


def test_the_list_pages_still_filter_as_before(login, office):
    browser = login(office.manager)
    page = browser.get(f"/visits?property_id={office.house.id}").get_data(as_text=True)
    assert "Dan Diaz" in page and "Carla Cruz" not in page
    page = browser.get("/visits?property_id=999999").get_data(as_text=True)
    assert "Nothing with this number in the agency." in page
    page = browser.get("/prospects?status=new").get_data(as_text=True)
    assert "Pia" in page and "Carla" not in page


@pytest.mark.parametrize(
    "path",
    ["/prospects/export.json", "/properties/export.xls", "/visits/export.pdf", "/prospects/calls/export.txt"],
)
def test_an_unknown_format_is_a_404(login, office, path):
    assert login(office.manager).get(path).status_code == 404


@pytest.mark.parametrize(
    "path",
    ["/prospects/export.csv", "/properties/export.xlsx", "/visits/export.csv", "/prospects/calls/export.csv"],
)
def test_downloads_need_a_signed_in_user(client, office, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_another_agencys_records_never_appear_in_the_downloads(login, office, foreign, csv_rows):
    browser = login(office.admin)
    for path in ("/prospects/export.csv", "/properties/export.csv", "/visits/export.csv",
                 "/prospects/calls/export.csv"):
        text = repr(csv_rows(browser.get(path)))
        assert "oreign" not in text and "FOREIGN" not in text, path


def test_the_downloads_speak_the_readers_language(login, office, csv_rows, xlsx_rows):
    office.agent.locale = "es"
    db.session.commit()
    browser = login(office.agent)
    carla = xlsx_rows(browser.get("/prospects/export.xlsx"))[0]
    assert (carla["Nombre"], carla["Origen"], carla["Estado"], carla["Teléfono"]) == (
        "Carla", "Portal inmobiliario", "Visitando", "+34600111222")
    visit = csv_rows(browser.get("/visits/export.csv"))[0]
    assert (visit["Interesado"], visit["Estado"]) == ("Carla Cruz", "Programada")
    call = csv_rows(browser.get("/prospects/calls/export.csv"))[0]
    assert (call["Sentido"], call["Resultado"], call["Duración (segundos)"]) == (
        "Saliente", "Contestada", "300")
    flat = {row["Referencia"]: row for row in csv_rows(browser.get("/properties/export.csv"))}["MAD-001"]
    assert (flat["Operación"], flat["Tipo de inmueble"], flat["Precio"]) == ("Venta", "Piso", "250000.5")
