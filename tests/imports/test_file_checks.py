"""A file is checked as a whole on upload: a bad one is refused with a clear message and leaves
nothing behind; a good one is read whatever its encoding or delimiter."""

from __future__ import annotations

import os

import pytest

from realty_crm.errors import ValidationFailed
from realty_crm.services import csv_upload

HEADER = ["First name", "Last name", "Email", "Phone"]


def refusal(office, data: bytes) -> str:
    with pytest.raises(ValidationFailed) as caught:
        office.upload(data)
    assert set(caught.value.details) == {"file"}
    return caught.value.message


def test_a_good_file_is_stored_unimported_with_its_rows_counted_and_columns_guessed(office, csv_file):
    imp = office.upload(csv_file([HEADER, ["Ana", "López", "ana@example.com", "600111222"]]))
    assert imp.status.value == "previewed"
    assert imp.row_count == 1
    assert imp.user_id == office.manager.id
    assert imp.mapping == {"0": "first_name", "1": "last_name", "2": "email", "3": "phone"}


def test_utf8_with_a_byte_order_mark_is_read_without_it(office, csv_file):
    imp = office.upload(csv_file([HEADER, ["Íñigo", "Núñez", "inigo@example.com", ""]], bom=True))
    assert imp.encoding == "utf-8-sig"
    [row] = office.preview(imp).rows
    assert row.shown["first_name"] == "Íñigo" and row.shown["last_name"] == "Núñez"


def test_a_windows_1252_file_keeps_its_accents(office, csv_file):
    data = csv_file([["Nombre", "Apellidos", "Correo"], ["José", "Muñoz – Peña", "jose@example.com"]],
                    delimiter=";", encoding="cp1252")
    imp = office.upload(data)
    assert imp.encoding == "cp1252"
    [row] = office.preview(imp).rows
    assert (row.shown["first_name"], row.shown["last_name"]) == ("José", "Muñoz – Peña")


def test_excel_unicode_text_utf16_with_tabs_is_read(office, csv_file):
    data = b"\xff\xfe" + "Nombre\tTeléfono\nMaría\t600 111 222\n".encode("utf-16-le")
    imp = office.upload(data)
    assert imp.encoding == "utf-16"
    [row] = office.preview(imp).rows
    assert row.shown["phone"] == "+34600111222"


@pytest.mark.parametrize(("delimiter", "name"), [(",", "comma"), (";", "semicolon"), ("\t", "tab")])
def test_the_delimiter_is_recognised(office, csv_file, delimiter, name):
    rows = [HEADER, ["Ana", "Gil, Ruiz", "ana@example.com", "600 111 222"],
            ["Bea", "Sanz", "bea@example.com", ""]]
    table = csv_upload.read_table(csv_file(rows, delimiter=delimiter))
    assert table.delimiter == delimiter, name
    assert table.headers == HEADER
    assert table.rows[0].cells == ["Ana", "Gil, Ruiz", "ana@example.com", "600 111 222"]


def test_blank_lines_are_ignored_and_rows_keep_their_spreadsheet_numbers(office):
    table = csv_upload.read_table(b"\n\nName,Email\n\nAna,ana@example.com\n,\nBea,bea@example.com\n")
    assert [(r.number, r.cells[0]) for r in table.rows] == [(5, "Ana"), (7, "Bea")]


def test_empty_file_is_refused_and_nothing_is_stored(office, counts):
    before = counts()
    assert refusal(office, b"") == "The file is empty."
    assert refusal(office, b"  \r\n\n") == "The file is empty."
    assert counts() == before


def test_a_header_without_rows_is_refused(office, counts):
    before = counts()
    assert "no rows" in refusal(office, b"First name,Email\n")
    assert counts() == before


def test_binary_garbage_is_refused_as_not_text(office, counts):
    before = counts()
    zip_file = b"PK\x03\x04" + bytes(range(256)) * 10
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 50
    for garbage in (os.urandom(20_000), zip_file, png):
        assert "not a CSV text file" in refusal(office, garbage)
    assert counts() == before


def test_text_in_an_unreadable_encoding_is_refused(office, counts):
    before = counts()
    # UTF-16 without its byte-order mark: every other byte is NUL
    assert "not a CSV text file" in refusal(office, "Nombre,Correo\nAna,a@example.com\n".encode("utf-16-le"))
    # latin-1 decodes anything, but C1 control characters are not text
    assert "not a CSV text file" in refusal(office, b"Name,Email\n" + bytes(range(0x80, 0xA0)) * 40)
    assert counts() == before


def test_a_file_without_delimiters_is_refused(office, counts):
    before = counts()
    assert "No columns found" in refusal(office, b"just some words\nand some more\n")
    assert counts() == before


def test_a_file_whose_first_row_is_data_is_refused(office, counts, csv_file):
    before = counts()
    message = refusal(office, csv_file([["Ana", "ana@example.com"], ["Bea", "bea@example.com"]]))
    assert "first row must hold the column names" in message
    message = refusal(office, csv_file([["Ana", "+34 600 111 222"], ["Bea", "600 111 333"]]))
    assert "first row must hold the column names" in message
    assert counts() == before


def test_ten_megabytes_of_garbage_are_refused_for_their_size(office, counts):
    before = counts()
    assert refusal(office, os.urandom(10 * 1024 * 1024)) == (
        "The file is larger than 5 MB. Split it into smaller files."
    )
    assert counts() == before


def test_too_many_rows_are_refused(office, counts, monkeypatch):
    monkeypatch.setattr(csv_upload, "MAX_ROWS", 3)
    before = counts()
    data = b"Name,Email\n" + b"".join(b"P%d,p%d@example.com\n" % (i, i) for i in range(4))
    assert refusal(office, data) == "The file has more than 3 rows. Split it into smaller files."
    assert counts() == before


def test_an_unclosed_quote_that_swallows_the_file_is_refused(office, counts):
    before = counts()
    data = b'Name,Notes\nAna,"' + b"x" * 200_000 + b"\n"
    assert "not valid CSV near row" in refusal(office, data)
    assert counts() == before


def test_agents_cannot_upload(office, counts, csv_file):
    from realty_crm.errors import Forbidden

    before = counts()
    with pytest.raises(Forbidden):
        office.upload(csv_file([HEADER, ["Ana", "López", "ana@example.com", ""]]), actor=office.agent)
    assert counts() == before
