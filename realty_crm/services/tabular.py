"""Tables for spreadsheets: CSV and XLSX written row by row, safe against formula injection.

Exports and reports hand rows here as any iterable of sequences; neither format holds
more than a small buffer of rows in memory (XLSX goes through XlsxWriter's
``constant_memory`` mode into a temporary file, which is then streamed).
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import IO, Any

import xlsxwriter
from flask import Response, send_file, stream_with_context

FORMATS = ("csv", "xlsx")
# a spreadsheet reads a cell starting with one of these as a formula (OWASP "CSV injection")
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
CSV_MIMETYPE = "text/csv; charset=utf-8"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# rows written to the CSV buffer before it is handed to the server
CSV_CHUNK_ROWS = 500


def safe_text(value: str) -> str:
    """``value`` with a leading apostrophe when a spreadsheet would run it as a formula."""
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


def unescape_text(value: str) -> str:
    """Undo ``safe_text``: what an exported-then-imported cell originally held."""
    if value.startswith("'") and value[1:].startswith(FORMULA_TRIGGERS):
        return value[1:]
    return value


def plain(value: Any) -> Any:
    """A cell value: numbers stay numbers, enums their value, lists joined, dates ISO, text made safe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, Enum):
        value = value.value
    elif isinstance(value, datetime | date):
        value = value.isoformat()
    elif isinstance(value, list | tuple):
        value = ", ".join(str(getattr(item, "value", item)) for item in value)
    return safe_text(str(value))


def csv_chunks(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[bytes]:
    """The CSV file in chunks of a few hundred rows, UTF-8 with a BOM (so Excel reads accents)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([plain(header) for header in headers])
    yield ("\ufeff" + buffer.getvalue()).encode()
    buffer.seek(0)
    buffer.truncate()
    pending = 0
    for row in rows:
        writer.writerow([plain(cell) for cell in row])
        pending += 1
        if pending == CSV_CHUNK_ROWS:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    if pending:
        yield buffer.getvalue().encode()


def write_xlsx(
    target: IO[bytes], headers: Sequence[str], rows: Iterable[Sequence[Any]], sheet: str = "Sheet1"
) -> None:
    """Write an XLSX workbook of one sheet to ``target``, one row at a time (constant memory).

    Text cells are written as strings, never as formulas, and made safe as in CSV, so a
    copy-paste or a save-as-CSV from the spreadsheet stays harmless too.
    """
    workbook = xlsxwriter.Workbook(
        target, {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    worksheet = workbook.add_worksheet(sheet[:31])
    bold = workbook.add_format({"bold": True})
    for column, header in enumerate(headers):
        worksheet.write_string(0, column, str(plain(header)), bold)
    worksheet.freeze_panes(1, 0)
    for index, row in enumerate(rows, start=1):
        for column, cell in enumerate(row):
            value = plain(cell)
            if isinstance(value, int | float):
                worksheet.write_number(index, column, value)
            elif value != "":
                worksheet.write_string(index, column, value)
    workbook.close()


def _streamed(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """``chunks`` as a response body: the first (the header row) at once, the rest in the request context.

    A WSGI server (and the test client) pulls the first chunk to start the response. Taken
    outside ``stream_with_context``, it leaves no context pushed behind a body that is never
    read further; closing the body closes the rest, which pops its contexts in order.
    """
    first = next(chunks)
    rest = stream_with_context(chunks)

    def body() -> Iterator[bytes]:
        yield first
        yield from rest

    return body()


def download(
    stem: str, fmt: str, headers: Sequence[str], rows: Callable[[], Iterable[Sequence[Any]]]
) -> Response:
    """A download of the table as ``<stem>.csv`` or ``<stem>.xlsx``; ``rows()`` builds the rows lazily.

    CSV is streamed while the rows are read, inside the request context
    (``stream_with_context``); a ``rows`` that queries the database should keep its own
    agency scope (``tenancy.scope``) in case the context is pushed anew. XLSX is written
    to an unnamed temporary file first, then streamed from it.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    if fmt == "csv":
        response = Response(_streamed(csv_chunks(headers, rows())), content_type=CSV_MIMETYPE)
        response.headers["Content-Disposition"] = f'attachment; filename="{stem}.csv"'
        return response
    target = tempfile.TemporaryFile()  # noqa: SIM115 - send_file closes it once streamed
    write_xlsx(target, headers, rows(), sheet=stem)
    target.seek(0)
    return send_file(target, mimetype=XLSX_MIMETYPE, as_attachment=True, download_name=f"{stem}.xlsx")
