"""In a real headless Chromium: a manager ticks unassigned leads, picks an agent, checks the
confirmation page and confirms."""

from __future__ import annotations

import pytest

from realty_crm.extensions import db
from realty_crm.models import Prospect, Visit
from realty_crm.testing.factories import PASSWORD

pytestmark = pytest.mark.browser


def _sign_in(page, user) -> None:
    page.goto("/login")
    page.get_by_label("E-mail").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")


def test_a_manager_hands_out_leads_after_confirming(page, team, make, book, at, tmp_path):
    lucia = make.prospect(team.manager, first_name="Lucía", last_name="Fernández", source="portal")
    marco = make.prospect(team.manager, first_name="Marco", last_name="Rossi")
    make.prospect(team.manager, first_name="Waiting", last_name="Still")
    visit = book(team.manager, team.flat, marco, at(11), agent=team.colleague)

    _sign_in(page, team.manager)
    page.get_by_role("link", name="Distribution").click()
    page.wait_for_url("**/distribution")
    page.get_by_label("Tick Lucía Fernández").check()
    page.get_by_label("Tick Marco Rossi").check()
    page.get_by_label("Give them to").select_option(label="Alba Agent (0 open)")
    page.get_by_role("button", name="Review and reassign").click()

    page.wait_for_url("**/distribution/reassign?*")
    assert page.get_by_role("heading", name="Reassign 2 prospects").is_visible()
    moves = page.locator("#what-moves").inner_text()
    assert "2 prospects go to Alba Agent." in moves
    assert "1 future visit moves with them." in moves
    assert db.session.get(Prospect, lucia.id).assigned_agent_id is None  # nothing changed yet
    page.screenshot(path=str(tmp_path / "confirm.png"), full_page=True)

    page.get_by_role("button", name="Confirm the reassignment").click()
    page.wait_for_url("**/distribution")
    assert page.get_by_text("2 prospects given to Alba Agent.").is_visible()
    rows = page.locator("table tbody tr")
    assert rows.count() == 1
    assert "Waiting Still" in rows.first.inner_text()

    db.session.rollback()  # end the test's read transaction: see what the server committed
    assert db.session.get(Prospect, lucia.id).assigned_agent_id == team.agent.id
    assert db.session.get(Prospect, marco.id).assigned_agent_id == team.agent.id
    assert db.session.get(Visit, visit.id).agent_id == team.agent.id
