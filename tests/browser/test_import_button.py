"""In a real headless Chromium: the import button of a preview imports at once, problem rows
included in what its label says it skips."""

from __future__ import annotations

import pytest

from realty_crm.models import Role
from realty_crm.testing.factories import PASSWORD

pytestmark = pytest.mark.browser

WAIT_MS = 10_000


def test_the_import_button_imports_and_skips_the_rows_it_names(page, make, tmp_path):
    agency = make.agency(name="Inmobiliaria Sol")
    manager = make.user(agency, Role.MANAGER, name="Marta García")
    page.goto("/login")
    page.get_by_label("E-mail").fill(manager.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/", timeout=WAIT_MS)
    leads = tmp_path / "leads.csv"
    leads.write_text("Nombre;Apellidos;Correo\nLucía;Ortega;lucia@example.com\nBad;Row;not-an-email\n",
                     encoding="utf-8")

    page.goto("/imports/new")
    page.get_by_label("CSV file").set_input_files(str(leads))
    page.get_by_role("button", name="Upload and preview").click()
    page.wait_for_url("**/imports/*", timeout=WAIT_MS)
    assert page.locator("form.card input[type=checkbox]").count() == 0  # no box to tick first
    page.get_by_role("button", name="Import: create 1, merge 0, skip 1").click(timeout=WAIT_MS)

    page.get_by_text("Import finished: 1 created, 0 merged, 1 skipped.").wait_for(timeout=WAIT_MS)
    assert page.get_by_text("not a valid e-mail address").first.is_visible()
