"""The import pages: upload, preview with the column mapping, confirmation, result and history;
staff only, one agency's imports out of another's reach, CSRF on every form."""

from __future__ import annotations

import io
import os
import re

import pytest
from sqlalchemy import select

from realty_crm import tenancy
from realty_crm.extensions import db
from realty_crm.models import ProspectImport
from realty_crm.testing.factories import form_token

SPANISH = [
    ["Nombre", "Apellidos", "Correo", "Teléfono", "Zonas"],
    ["Lucía", "Ortega", "lucia@example.com", "600 111 222", "Centro"],
    ["Bad", "Row", "not-an-email", "", ""],
]


def upload(browser, data: bytes, filename: str = "leads.csv", token: str | None = None):
    token = token if token is not None else form_token(browser, "/imports/new")
    return browser.post(
        "/imports/new",
        data={"csrf_token": token, "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def import_id(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return int(re.search(r"/imports/(\d+)$", response.headers["Location"]).group(1))


def test_upload_preview_confirm_and_result(office, login, csv_file, counts):
    browser = login(office.manager)
    ident = import_id(upload(browser, csv_file(SPANISH, delimiter=";")))

    page = browser.get(f"/imports/{ident}").get_data(as_text=True)
    # a select per column, pre-set to the guess
    assert re.search(r'<select[^>]*name="column_2".*?<option selected value="email">', page, re.S)
    assert re.search(r'<select[^>]*name="column_4".*?<option selected value="areas">', page, re.S)
    assert "not a valid e-mail address" in page
    assert "Import: create 1, merge 0, skip 1" in page

    token = form_token(browser, f"/imports/{ident}")
    mapping = {f"column_{i}": f for i, f in enumerate(["first_name", "last_name", "email", "phone", "areas"])}
    before = counts()
    refused = browser.post(f"/imports/{ident}", data={"csrf_token": token, "action": "import", **mapping})
    assert refused.status_code == 422
    assert "confirm that they are to be skipped" in refused.get_data(as_text=True)
    assert counts() == before

    assert 'name="skip_errors"' not in page
    assert re.search(r'<button[^>]*value="import-skipping">\s*Import: create 1, merge 0, skip 1', page)
    confirmed = {"csrf_token": token, "action": "import-skipping", **mapping}
    done = browser.post(f"/imports/{ident}", data=confirmed)
    assert done.status_code == 302
    result = browser.get(f"/imports/{ident}").get_data(as_text=True)
    assert "Import finished: 1 created, 0 merged, 1 skipped." in result
    assert "not a valid e-mail address" in result
    history = browser.get("/imports").get_data(as_text=True)
    assert "leads.csv" in history and "Manu Manager" in history and "Imported" in history
    assert counts()["prospects"] == before["prospects"] + 1


def test_changing_a_column_updates_the_preview_and_a_stale_confirmation_is_not_run(office, login, csv_file,
                                                                                     counts):
    browser = login(office.admin)
    data = csv_file([["Contacto", "Dirección"], ["Julia Vidal", "julia@example.com"]])
    ident = import_id(upload(browser, data))
    page = browser.get(f"/imports/{ident}").get_data(as_text=True)
    assert "Choose the column that holds the e-mail or the phone (or both)." in page
    assert "Import: create" not in page  # nothing to confirm yet

    token = form_token(browser, f"/imports/{ident}")
    saved = browser.post(f"/imports/{ident}", data={"csrf_token": token, "action": "preview",
                                                    "column_0": "full_name", "column_1": "email"})
    assert saved.status_code == 302
    page = browser.get(f"/imports/{ident}").get_data(as_text=True)
    assert "Import: create 1, merge 0, skip 0" in page and "Vidal" in page

    before = counts()
    stale = browser.post(f"/imports/{ident}", data={"csrf_token": token, "action": "import",
                                                    "column_0": "first_name", "column_1": "email"})
    assert stale.status_code == 422
    assert "The columns changed: check the preview below, then import." in stale.get_data(as_text=True)
    assert counts() == before


def test_file_problems_are_shown_on_the_upload_form_and_nothing_is_stored(office, login, counts):
    browser = login(office.manager)
    before = counts()
    token = form_token(browser, "/imports/new")
    nothing = browser.post("/imports/new", data={"csrf_token": token}, content_type="multipart/form-data")
    assert nothing.status_code == 422
    assert "Choose the file to import." in nothing.get_data(as_text=True)
    for data, message in [
        (b"", "The file is empty."),
        (b"  \n", "The file is empty."),
        (os.urandom(50_000), "This is not a CSV text file"),
        (b"First name,Email\n", "The file has column names but no rows of prospects."),
        ("Nombre,Correo\nAna,a@example.com\n".encode("utf-16-le"), "This is not a CSV text file"),
    ]:
        response = upload(browser, data)
        assert response.status_code == 422, message
        assert message in response.get_data(as_text=True)
    assert counts() == before


def test_ten_megabytes_of_garbage_get_a_413_with_the_form_and_a_message(office, login, counts):
    browser = login(office.manager)
    before = counts()
    response = upload(browser, os.urandom(10 * 1024 * 1024), filename="huge.csv")
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "The file is larger than 5 MB. Split it into smaller files." in page
    assert 'enctype="multipart/form-data"' in page
    assert counts() == before


def test_a_file_just_over_the_limit_is_refused_by_the_check_not_the_transport(office, login, counts):
    browser = login(office.manager)
    before = counts()
    data = b"First name,Email\n" + b"x" * (5 * 1024 * 1024)
    response = upload(browser, data)
    assert response.status_code == 422
    assert "The file is larger than 5 MB." in response.get_data(as_text=True)
    assert counts() == before


def test_a_three_megabyte_file_is_accepted(office, login, csv_file):
    rows = [["First name", "Email", "Notes"]]
    rows += [[f"P{i}", f"p{i}@example.com", "n" * 650] for i in range(4_500)]
    data = csv_file(rows)
    assert 2.5 * 2**20 < len(data) < 5 * 2**20
    browser = login(office.manager)
    import_id(upload(browser, data))


def test_the_upload_form_needs_its_csrf_token(office, login, csv_file, counts):
    browser = login(office.manager)
    before = counts()
    response = upload(browser, csv_file(SPANISH), token="forged")
    assert response.status_code == 400
    assert counts() == before


def test_the_mapping_and_discard_forms_need_their_csrf_token(office, login, csv_file):
    imp = office.upload(csv_file(SPANISH))
    browser = login(office.manager)
    unsigned = {"action": "import", "column_0": "first_name"}
    assert browser.post(f"/imports/{imp.id}", data=unsigned).status_code == 400
    assert browser.post(f"/imports/{imp.id}/discard").status_code == 400
    db.session.rollback()
    assert db.session.get(ProspectImport, imp.id).status.value == "previewed"


def test_discarding_deletes_the_file_and_keeps_the_history_line(office, login, csv_file):
    imp = office.upload(csv_file(SPANISH))
    browser = login(office.manager)
    token = form_token(browser, f"/imports/{imp.id}")
    assert browser.post(f"/imports/{imp.id}/discard", data={"csrf_token": token}).status_code == 302
    db.session.rollback()
    with tenancy.scope(office.agency.id):
        stored = db.session.scalars(select(ProspectImport).where(ProspectImport.id == imp.id)).one()
    assert (stored.status.value, stored.content) == ("discarded", b"")
    assert "Discarded" in browser.get("/imports").get_data(as_text=True)
    assert "nothing was imported" in browser.get(f"/imports/{imp.id}").get_data(as_text=True)


@pytest.mark.parametrize("path", ["/imports", "/imports/new"])
def test_agents_may_not_import(office, login, path):
    browser = login(office.agent)
    assert browser.get(path).status_code == 403


def test_agents_may_not_open_or_confirm_an_import(office, login, csv_file, counts):
    imp = office.upload(csv_file(SPANISH))
    browser = login(office.agent)
    token = form_token(browser, "/prospects")
    before = counts()
    assert browser.get(f"/imports/{imp.id}").status_code == 403
    assert browser.post(f"/imports/{imp.id}", data={"csrf_token": token,
                                                    "action": "import-skipping"}).status_code == 403
    assert browser.post(f"/imports/{imp.id}/discard", data={"csrf_token": token}).status_code == 403
    assert upload(browser, csv_file(SPANISH), token=token).status_code == 403
    assert counts() == before


def test_the_prospects_page_links_to_the_import_for_staff_only(office, login):
    assert 'href="/imports/new"' in login(office.manager).get("/prospects").get_data(as_text=True)
    assert 'href="/imports/new"' in login(office.admin).get("/prospects").get_data(as_text=True)
    assert 'href="/imports/new"' not in login(office.agent).get("/prospects").get_data(as_text=True)


def test_another_agencys_import_is_not_found_and_not_listed(office, login, csv_file, counts):
    theirs = office.upload(csv_file(SPANISH), filename="secret-leads.csv", actor=office.outsider)
    browser = login(office.admin)
    token = form_token(browser, "/imports/new")
    before = counts()
    assert browser.get(f"/imports/{theirs.id}").status_code == 404
    assert browser.post(f"/imports/{theirs.id}", data={"csrf_token": token,
                                                       "action": "import-skipping"}).status_code == 404
    assert browser.post(f"/imports/{theirs.id}/discard", data={"csrf_token": token}).status_code == 404
    assert "secret-leads.csv" not in browser.get("/imports").get_data(as_text=True)
    assert counts() == before


def _stats(page: str) -> list[str]:
    """The preview's or result's figures as read: "1 fila omitida"."""
    return [" ".join(f"{n} {what}".split()) for n, what in re.findall(
        r'<span class="n">(\d+)</span>\s*<span class="what">([^<]*)</span>', page)]


def test_counts_of_one_read_in_the_singular_in_spanish(office, login, csv_file):
    agencia = office.make.agency("Pisos Triana", locale="es")
    spaniard = office.make.user(agencia, "manager", name="Lola Gerente")
    browser = login(spaniard)
    ident = import_id(upload(browser, csv_file(SPANISH, delimiter=";")))
    page = browser.get(f"/imports/{ident}").get_data(as_text=True)
    assert _stats(page) == ["1 interesado nuevo se creará", "0 filas se fusionarán con un interesado",
                            "1 fila tiene problemas y se omitirá"]
    token = form_token(browser, f"/imports/{ident}")
    mapping = {f"column_{i}": f for i, f in enumerate(["first_name", "last_name", "email", "phone", "areas"])}
    confirmed = {"csrf_token": token, "action": "import-skipping", **mapping}
    done = browser.post(f"/imports/{ident}", data=confirmed)
    assert done.status_code == 302
    result = browser.get(f"/imports/{ident}").get_data(as_text=True)
    assert "Importación terminada: 1 creado, 0 fusionados, 1 omitido." in result
    assert "1 interesado creado" in _stats(result) and "1 fila omitida" in _stats(result)
