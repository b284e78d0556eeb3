"""The /reports page for every role: filters, charts with their tables, downloads."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from realty_crm import tenancy
from realty_crm.models import utcnow
from realty_crm.services import visits


def _html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["admin", "manager", "alba"])
def test_every_role_has_the_reports_page_in_the_navigation(data, login, role):
    browser = login(getattr(data, role))

    html = _html(browser.get("/"))
    assert re.search(r'<a href="/reports"[^>]*>Reports</a>', html)
    page = _html(browser.get("/reports", query_string=data.page_window))
    for heading in ("Pipeline", "Lead sources", "Agents", "Properties"):
        assert f">{heading}</h2>" in page
    assert page.count('<svg xmlns="http://www.w3.org/2000/svg"') >= 4
    assert page.count("<table>") == 4


def test_the_manager_sees_the_whole_team_with_an_agent_filter(data, login):
    page = _html(login(data.manager).get("/reports", query_string=data.page_window))

    assert '<select id="agent_id" name="agent_id">' in page
    assert "Alba Agent" in page and "Bruno Agent" in page
    # Alba's median speed to lead, 2100 s, and the team's, 2700 s
    assert ">35 min<" in page and ">45 min<" in page
    assert ">62.5%<" in page
    assert "MAD-1</a> · Flat in Chamberí" in page


def test_an_agent_sees_only_their_own_figures_and_no_agent_filter(data, login):
    asked = {**data.page_window, "agent_id": data.bruno.id}
    page = _html(login(data.alba).get("/reports", query_string=asked))

    assert 'name="agent_id"' not in page
    assert "These are your own figures." in page
    assert "Alba Agent" in page
    assert "Bruno Agent" not in page
    assert "MAD-2" not in page  # Bruno's visit


def test_charts_are_accessible_images_with_text_labels(data, login):
    page = _html(login(data.manager).get("/reports", query_string=data.page_window))

    labelled = 'aria-labelledby="chart-sources-title chart-sources-desc"'
    svg = re.search(rf"<svg [^>]*{labelled}.*?</svg>", page, re.S)
    assert svg is not None
    chart = svg.group(0)
    assert 'role="img"' in chart
    assert '<title id="chart-sources-title">Prospects, visits and wins per source</title>' in chart
    assert "<title>Web form · Won: 2</title>" in chart
    assert ">Walk-in</text>" in chart


def test_a_bad_period_reshows_the_form_with_the_message_and_the_default_period(data, login):
    page = _html(login(data.manager).get("/reports", query_string={"date_from": "2025-03-10",
                                                                   "date_to": "2025-03-01"}))

    assert "&#39;to&#39; is before &#39;from&#39;" in page or "'to' is before 'from'" in page
    assert "Last 90 days" in page
    # the figures of the default period (the last 90 days) are shown
    assert re.search(r"All prospects</th>\s*<td class=\"num\">8</td>", page)


def test_junk_in_the_filters_is_a_message_not_an_error(data, login):
    page = _html(login(data.manager).get("/reports", query_string={"date_from": "soon", "agent_id": "x"}))

    assert 'class="error"' in page


def test_page_downloads_honour_the_filters(data, login):
    browser = login(data.manager)
    page = _html(browser.get("/reports", query_string={**data.page_window,
                                                        "agent_id": data.bruno.id}))
    link = re.search(r'href="(/reports/agents\.csv\?[^"]+)"', page).group(1).replace("&amp;", "&")

    response = browser.get(link)
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[1:] == [["Bruno Agent", "3", "2", "1", "2", "1", "2", "1.5"]]


def test_page_xlsx_download(data, login):
    response = login(data.manager).get("/reports/properties.xlsx", query_string=data.page_window)

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    assert [list(row) for row in sheet.iter_rows(values_only=True)] == [
        ["Reference", "Title", "Visits done", "Visits", "Average rating", "Ratings"],
        ["MAD-1", "Flat in Chamberí", 1, 2, 4, 1],
        ["MAD-2", "House in Pozuelo", 1, 1, 2, 1],
        ["MAD-4", "Penthouse in Salamanca", 0, 1, None, 0],
    ]


def test_an_agents_page_download_is_their_own(data, login):
    asked = {**data.page_window, "agent_id": data.bruno.id}
    response = login(data.alba).get("/reports/agents.csv", query_string=asked)

    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert [row[0] for row in rows[1:]] == ["Alba Agent"]


def test_bad_download_requests(data, login):
    browser = login(data.manager)

    assert browser.get("/reports/secrets.csv").status_code == 404
    assert browser.get("/reports/pipeline.pdf").status_code == 404
    assert browser.get("/reports/pipeline.csv", query_string={"date_from": "junk"}).status_code == 422
    foreign = {"agent_id": data.outsider_agent.id}
    assert browser.get("/reports/pipeline.csv", query_string=foreign).status_code == 422


def test_signed_out_visitors_are_sent_to_login(client):
    assert client.get("/reports").status_code == 302
    assert client.get("/reports/pipeline.csv").status_code == 302


def test_text_in_charts_and_tables_is_escaped(data, make, login):
    nasty = make.property(data.manager, reference="<b>X&Y</b>", title="<script>alert(1)</script>")
    make.user(data.agency, "agent", name="<i>Eve</i>")
    with tenancy.scope(data.agency.id):
        visits.schedule_visit(data.bruno, {"property_id": nasty.id, "prospect_id": data.p[6].id,
                                           "starts_at": (utcnow() - timedelta(days=1)).isoformat(),
                                           "status": "done", "rating": 5})

    page = _html(login(data.manager).get("/reports", query_string=data.page_window))

    assert "<script>alert(1)" not in page and "<b>X" not in page and "<i>Eve" not in page
    assert "&lt;b&gt;X&amp;Y&lt;/b&gt;</text>" in page  # the chart's label
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # the table
    assert "&lt;i&gt;Eve&lt;/i&gt;</text>" in page


def test_the_form_shows_the_period_in_use(data, login):
    page = _html(login(data.alba).get("/reports"))

    start = data.today - timedelta(days=89)
    assert f'name="date_from" type="date" value="{start.isoformat()}"' in page
    assert f'name="date_to" type="date" value="{data.today.isoformat()}"' in page
