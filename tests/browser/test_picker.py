"""In a real headless Chromium: the search-as-you-type picker of a property's owner, by keyboard
and by pointer; the form posts the chosen prospect's id."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from realty_crm import tenancy
from realty_crm.extensions import db
from realty_crm.models import Property, Role
from realty_crm.testing.factories import PASSWORD

pytestmark = pytest.mark.browser

WAIT_MS = 10_000


def _sign_in(page, user) -> None:
    page.goto("/login")
    page.get_by_label("E-mail").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/", timeout=WAIT_MS)


def _owner_of(agency_id: int, reference: str) -> int | None:
    db.session.rollback()  # end the test's read transaction: see what the server committed
    with tenancy.scope(agency_id):
        return db.session.scalars(select(Property.owner_id).where(Property.reference == reference)).one()


def test_the_owner_is_picked_by_typing_part_of_the_name_and_using_the_keyboard(page, make):
    agency = make.agency(name="Inmobiliaria Sol")
    agent = make.user(agency, Role.AGENT, name="Ana García")
    make.prospect(agent, first_name="Olga", last_name="Olmedo", email="olmedo@example.com")
    wanted = make.prospect(agent, first_name="Olga", last_name="Ortiz", email="olga@example.com")
    other = make.agency(name="Casas Luna")
    make.prospect(make.user(other, Role.ADMIN), first_name="Olga", last_name="Outsider")

    _sign_in(page, agent)
    page.goto("/properties/new")
    owner = page.get_by_role("combobox", name="Owner")
    owner.press_sequentially("olga", delay=20)
    options = page.get_by_role("listbox", name="Owner").get_by_role("option")
    options.first.wait_for(timeout=WAIT_MS)
    assert options.count() == 2 and "Outsider" not in page.get_by_role("listbox", name="Owner").inner_text()
    assert owner.get_attribute("aria-expanded") == "true"
    owner.press("ArrowDown")
    owner.press("ArrowDown")
    assert owner.get_attribute("aria-activedescendant") == "owner-options-1"
    owner.press("Enter")
    assert owner.input_value() == "Olga Ortiz"  # the second, in name order
    assert owner.get_attribute("aria-expanded") == "false"

    page.get_by_label("Reference").fill("SOL-9")
    page.get_by_label("Title").fill("Piso con terraza")
    page.get_by_label("Price").fill("250000")
    page.get_by_role("button", name="List property").click()
    page.get_by_text("Property SOL-9 was listed.").wait_for(timeout=WAIT_MS)
    assert _owner_of(agency.id, "SOL-9") == wanted.id


def test_a_click_picks_an_owner_and_escape_closes_the_list(page, make):
    agency = make.agency(name="Inmobiliaria Sol")
    agent = make.user(agency, Role.AGENT, name="Ana García")
    make.prospect(agent, first_name="Luis", last_name="Landa", phone="611 222 333")

    _sign_in(page, agent)
    page.goto("/properties/new")
    owner = page.get_by_role("combobox", name="Owner")
    owner.press_sequentially("222 3", delay=20)
    option = page.get_by_role("option", name="Luis Landa")
    option.wait_for(timeout=WAIT_MS)
    owner.press("Escape")
    assert page.get_by_role("listbox", name="Owner").is_hidden()
    owner.press_sequentially("3", delay=20)
    option.wait_for(timeout=WAIT_MS)
    option.click()
    assert owner.input_value() == "Luis Landa"
    assert page.locator('input[name="owner_id"]').input_value() != ""


def test_a_manager_filters_visits_by_an_agent_picked_by_name(page, make):
    agency = make.agency(name="Inmobiliaria Sol")
    manager = make.user(agency, Role.MANAGER, name="Marta Gerente")
    alba = make.user(agency, Role.AGENT, name="Alba Álvarez")
    make.user(agency, Role.AGENT, name="Bruno Blanco")
    make.user(make.agency(name="Casas Luna"), Role.AGENT, name="Alba Outsider")

    _sign_in(page, manager)
    page.goto("/visits")
    agent = page.get_by_role("combobox", name="Agent")
    agent.press_sequentially("alba", delay=20)
    option = page.get_by_role("option", name="Alba Álvarez")
    option.wait_for(timeout=WAIT_MS)
    assert page.get_by_role("listbox", name="Agent").get_by_role("option").count() == 1
    agent.press("ArrowDown")
    agent.press("Enter")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url(f"**/visits?*agent={alba.id}*", timeout=WAIT_MS)
    assert page.get_by_role("combobox", name="Agent").input_value() == "Alba Álvarez"
