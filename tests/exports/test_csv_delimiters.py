"""A CSV export uses the reader's list separator (``;`` in Spanish, ``,`` in English), quotes
every text cell, and lets no formula start a cell even when a spreadsheet splits the file on the
other delimiter (OWASP "CSV injection")."""

from __future__ import annotations

import csv
import io
import os

import pytest

from realty_crm.extensions import db
from realty_crm.services.tabular import safe_text, unescape_text
from realty_crm.testing.fixtures import TEST_DB_ENV

pytestmark = pytest.mark.skipif(
    bool(os.environ.get(TEST_DB_ENV)), reason="the file's text does not depend on the database"
)

FORMULA_STARTS = ("=", "+", "-", "@")
# texts that hide a formula behind a delimiter, blanks or a line break
HIDDEN = [
    "Rang back;=HYPERLINK(\"http://evil.example\",\"x\")",
    "Rang back,=1+2",
    "Left a note;  +SUM(A1:A9)",
    "Two lines\n-2+3",
    "Old import\r@SUM(1)",
    "Tabbed\t=cmd|' /C calc'!A0",
    "Quoted \";=1+1",
]
KINDS = ("prospects", "properties", "visits", "calls")


@pytest.fixture
def hidden(office, make):
    """Calls of Carla whose summaries hide formulas, and a property whose title does."""
    for summary in HIDDEN:
        make.call(office.manager, office.carla, summary=summary)
    make.property(office.manager, reference="INJ-2", title="Flat, =2+2 rooms; @SUM(A1)")


def _body(response) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.get_data().decode("utf-8-sig")


def _cells_after_naive_splits(body: str) -> list[str]:
    """Every piece of the file cut on each delimiter and line break, as a careless importer would."""
    pieces = [body]
    for separator in (",", ";", "\t", "\r", "\n"):
        pieces = [part for piece in pieces for part in piece.split(separator)]
    return pieces


@pytest.mark.parametrize(("locale", "delimiter", "other"), [("en", ",", ";"), ("es", ";", ",")])
def test_csv_uses_the_readers_separator_and_no_cell_can_start_a_formula(
    api, office, hidden, locale, delimiter, other
):
    office.manager.locale = locale
    db.session.commit()
    client = api(office.manager)
    for kind in KINDS:
        body = _body(client.get(f"/api/v1/exports/{kind}.csv"))
        header, *rows = list(csv.reader(io.StringIO(body, newline=""), delimiter=delimiter))
        assert len(header) > 3 and rows, kind
        assert all(len(row) == len(header) for row in rows), kind
        # read with the other delimiter, each line is a single cell: text cells are quoted
        assert len(next(csv.reader(io.StringIO(body), delimiter=other))) == 1, kind
        for row in rows:
            for cell in row:
                assert not cell.lstrip().startswith(FORMULA_STARTS), (kind, cell)
                assert not cell.startswith(("\t", "\r")), (kind, cell)
        for piece in _cells_after_naive_splits(body):
            assert not piece.lstrip(' "').startswith(FORMULA_STARTS), (kind, locale, piece)


def test_the_hidden_formulas_are_kept_readable_and_undone_on_import(api, office, hidden):
    office.manager.locale = "es"
    db.session.commit()
    body = _body(api(office.manager).get("/api/v1/exports/calls.csv"))
    rows = list(csv.DictReader(io.StringIO(body, newline=""), delimiter=";"))
    summaries = {row["Resumen"] for row in rows}
    assert "Rang back;'=HYPERLINK(\"http://evil.example\",\"x\")" in summaries
    assert "Left a note;'  +SUM(A1:A9)" in summaries
    assert "Two lines\n'-2+3" in summaries
    assert {unescape_text(summary) for summary in summaries} >= set(HIDDEN)


@pytest.mark.parametrize("text", HIDDEN)
def test_a_formula_behind_a_delimiter_gets_an_apostrophe_that_an_import_removes(text):
    exported = safe_text(text)
    assert exported != text and exported.count("'") == text.count("'") + 1
    assert unescape_text(exported) == text
