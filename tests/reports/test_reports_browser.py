"""In a real headless Chromium: the reports page draws each chart beside its table (the
stylesheet loads under the site's security policy), and the filter narrows the figures."""

from __future__ import annotations

import pytest

from realty_crm.testing.factories import PASSWORD

pytestmark = pytest.mark.browser


def test_a_manager_reads_the_charts_beside_their_tables(page, data, tmp_path):
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto("/login")
    page.get_by_label("E-mail").fill(data.manager.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")

    page.get_by_role("link", name="Reports").click()
    page.wait_for_url("**/reports*")

    for section in ("pipeline", "sources", "agents", "properties"):
        report = page.locator(f"section#{section}")
        assert report.locator("svg").first.is_visible(), section
        assert report.locator("table").is_visible(), section
        chart, table = report.locator("svg").first.bounding_box(), report.locator("table").bounding_box()
        assert chart["width"] > 100 and chart["height"] > 50, section
        assert table["height"] > 20, section
    assert page.locator("link[rel=stylesheet][href*='reports.css']").count() == 1
    assert not [e for e in errors if "Content Security Policy" in e], errors
    page.screenshot(path=str(tmp_path / "reports.png"), full_page=True)
