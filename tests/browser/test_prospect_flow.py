"""In a real headless Chromium: sign in, create a prospect, find it by search."""

from __future__ import annotations

import pytest

from realty_crm.models import Role
from realty_crm.testing.factories import PASSWORD

pytestmark = pytest.mark.browser


def _sign_in(page, user) -> None:
    page.goto("/login")
    page.get_by_label("E-mail").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")


def test_agent_signs_in_creates_a_prospect_and_finds_it_by_search(page, make):
    agency = make.agency(name="Inmobiliaria Sol")
    agent = make.user(agency, Role.AGENT, name="Ana García")
    make.prospect(agent, first_name="Someone", last_name="Else")

    _sign_in(page, agent)
    page.goto("/prospects/new")
    page.get_by_label("First name").fill("Lucía")
    page.get_by_label("Last name").fill("Fernández 😀")
    page.get_by_label("E-mail").fill("Lucia.Fernandez@Example.com")
    page.get_by_label("Phone").fill("600 111 222")
    page.get_by_role("button", name="Add prospect").click()
    page.wait_for_url("**/prospects/*")
    assert page.get_by_role("heading", name="Lucía Fernández 😀").is_visible()

    page.goto("/prospects")
    page.get_by_label("Search").fill("fernan")
    page.get_by_label("Search").press("Enter")
    page.wait_for_url("**/prospects?*")
    rows = page.locator("table tbody tr")
    assert rows.count() == 1
    assert "Lucía" in rows.first.inner_text()

    page.get_by_label("Search").fill("600111")
    page.get_by_label("Search").press("Enter")
    page.wait_for_load_state()
    assert page.locator("table tbody tr").count() == 1


def test_wrong_password_shows_a_message_in_the_browser(page, make):
    user = make.user(name="Ben")
    page.goto("/login")
    page.get_by_label("E-mail").fill(user.email)
    page.get_by_label("Password").fill("nope")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_text("Wrong e-mail or password").is_visible()


def test_the_prospect_page_works_on_a_phone(browser, live_server, make, tmp_path):
    agency = make.agency(name="Inmobiliaria Sol")
    manager = make.user(agency, Role.MANAGER, name="Marta")
    prospect = make.prospect(manager, first_name="Lucía", last_name="Fernández", email="lucia@example.com")
    make.call(manager, prospect)
    context = browser.new_context(base_url=live_server, viewport={"width": 390, "height": 844},
                                  locale="en-GB")
    page = context.new_page()
    _sign_in(page, manager)
    page.goto(f"/prospects/{prospect.id}")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the page scrolls sideways on a phone"
    shot = tmp_path / "phone.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000, "the page rendered blank"
    context.close()
