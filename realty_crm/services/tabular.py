"""Tables for spreadsheets: CSV and XLSX written row by row, safe against formula injection.

Exports and reports hand rows here as any iterable of sequences and get a ``TableFile`` back
(the web pages and the API answer it as a download, ``realty_crm.downloads``); neither format
holds more than a small buffer of rows in memory (XLSX goes through XlsxWriter's
``constant_memory`` mode into a temporary file, which is then streamed).

The two formats guard against formulas differently. CSV holds only text, so a text cell a
spreadsheet would run as a formula gets a leading apostrophe, and so does a formula character
that follows a comma, semicolon, tab or line break inside a cell (a spreadsheet that splits
the file on another delimiter must not find a formula there either); every text cell is
quoted, and the delimiter is the reader's locale's list separator (``;`` where the decimal
mark is a comma, as in Spanish, else ``,``). XLSX says what each cell is:
text is written as a string cell, which a spreadsheet shows as it is and never runs, so it
needs no apostrophe (a phone reads ``+34…``); numbers are number cells and times date cells.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import IO, Any

import xlsxwriter
from babel.numbers import get_decimal_symbol
from flask import has_request_context
from flask_babel import get_locale

from ..dates import day_in_range

FORMATS = ("csv", "xlsx")
# a spreadsheet reads a cell starting with one of these as a formula (OWASP "CSV injection")
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# a formula character (after optional blanks) behind a character a spreadsheet may split a cell on
_FORMULA_AFTER_SPLIT = re.compile(r"(?<=[,;\t\r\n])(?=\s*[=+\-@])")
_ESCAPED_AFTER_SPLIT = re.compile(r"(?<=[,;\t\r\n])'(?=\s*[=+\-@])")
CSV_MIMETYPE = "text/csv; charset=utf-8"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# rows written to the CSV buffer before it is handed to the server
CSV_CHUNK_ROWS = 500
# how XLSX date cells read (the same in every language), and the width that shows them whole
XLSX_DATETIME = "yyyy-mm-dd hh:mm"
XLSX_DATE = "yyyy-mm-dd"
XLSX_DATETIME_WIDTH = 17
XLSX_DATE_WIDTH = 11


def safe_text(value: str) -> str:
    """``value`` with an apostrophe wherever a spreadsheet could start a formula: at the start,
    and after a comma, semicolon, tab or line break (where another delimiter may split it)."""
    value = _FORMULA_AFTER_SPLIT.sub("'", value)
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


def unescape_text(value: str) -> str:
    """Undo ``safe_text``: what an exported-then-imported cell originally held."""
    if value.startswith("'") and value[1:].startswith(FORMULA_TRIGGERS):
        value = value[1:]
    return _ESCAPED_AFTER_SPLIT.sub("", value)


def csv_delimiter() -> str:
    """The reader's list separator: ``;`` where the decimal mark is a comma (e.g. Spanish), else ``,``."""
    locale = get_locale() if has_request_context() else None
    return ";" if locale is not None and get_decimal_symbol(locale) == "," else ","


def number(value: Decimal) -> int | float:
    """An amount as a spreadsheet number: whole amounts as integers."""
    return int(value) if value == value.to_integral_value() else float(value)


def text(value: Any) -> str:
    """A value a spreadsheet shows as text: enums their value, lists joined, times ISO 8601."""
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ", ".join(str(getattr(item, "value", item)) for item in value)
    return str(value)


def plain(value: Any) -> Any:
    """A CSV cell: numbers stay numbers, yes/no as words, anything else as text made safe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return value
    if isinstance(value, Decimal):
        return number(value)
    return safe_text(text(value))


def csv_chunks(
    headers: Sequence[str], rows: Iterable[Sequence[Any]], delimiter: str = ","
) -> Iterator[bytes]:
    """The CSV file in chunks of a few hundred rows, UTF-8 with a BOM (so Excel reads accents);
    text cells quoted, numbers bare."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, quoting=csv.QUOTE_NONNUMERIC)
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


class _Sheet:
    """One worksheet being written, with the cell formats its dates need."""

    def __init__(self, workbook: xlsxwriter.Workbook, name: str) -> None:
        self.worksheet = workbook.add_worksheet(name[:31])
        self.bold = workbook.add_format({"bold": True})
        self.moment = workbook.add_format({"num_format": XLSX_DATETIME})
        self.day = workbook.add_format({"num_format": XLSX_DATE})
        # columns holding dates, widened at the end so that Excel shows them, not "####"
        self.dated: dict[int, int] = {}

    def write(self, row: int, column: int, value: Any) -> None:
        """One cell, typed: text as a string (never a formula), numbers and dates as such."""
        worksheet = self.worksheet
        if value is None or value == "":
            return
        if isinstance(value, str):
            worksheet.write_string(row, column, value)
        elif isinstance(value, bool):
            worksheet.write_string(row, column, "yes" if value else "no")
        elif isinstance(value, int | float):
            worksheet.write_number(row, column, value)
        elif isinstance(value, Decimal):
            worksheet.write_number(row, column, number(value))
        elif isinstance(value, date) and not day_in_range(value):
            # a stored value beyond the app's range (and Excel's calendar): kept as its text
            worksheet.write_string(row, column, text(value))
        elif isinstance(value, datetime):
            # Excel has no time zones: the cell holds the wall clock the caller chose
            worksheet.write_datetime(row, column, value.replace(tzinfo=None), self.moment)
            self.dated[column] = XLSX_DATETIME_WIDTH
        elif isinstance(value, date):
            worksheet.write_datetime(row, column, value, self.day)
            self.dated.setdefault(column, XLSX_DATE_WIDTH)
        else:
            worksheet.write_string(row, column, text(value))

    def widen_dated_columns(self) -> None:
        """Give the columns that hold dates the width that shows them."""
        for column, width in self.dated.items():
            self.worksheet.set_column(column, column, width)


def write_xlsx(
    target: IO[bytes], headers: Sequence[str], rows: Iterable[Sequence[Any]], sheet: str = "Sheet1"
) -> None:
    """Write an XLSX workbook of one sheet to ``target``, one row at a time (constant memory).

    Text cells are string cells, shown as they are and never run as formulas, so they need
    no apostrophe; numbers are number cells; times and days are date cells (an aware time is
    written as its own wall clock).
    """
    workbook = xlsxwriter.Workbook(
        target, {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    out = _Sheet(workbook, sheet)
    for column, header in enumerate(headers):
        out.worksheet.write_string(0, column, str(header), out.bold)
    out.worksheet.freeze_panes(1, 0)
    write = out.write
    for index, row in enumerate(rows, start=1):
        for column, cell in enumerate(row):
            write(index, column, cell)
    out.widen_dated_columns()
    workbook.close()


@dataclass(frozen=True)
class TableFile:
    """A table as a file to download: CSV as ``chunks`` written while its rows are read, XLSX as
    a rewound temporary ``file`` (whoever sends it closes it)."""

    filename: str
    mimetype: str
    chunks: Iterator[bytes] | None = None
    file: IO[bytes] | None = None


def table_file(
    stem: str, fmt: str, headers: Sequence[str], rows: Callable[[], Iterable[Sequence[Any]]]
) -> TableFile:
    """The table as ``<stem>.csv`` or ``<stem>.xlsx``; ``rows()`` builds the rows lazily.

    CSV uses the reader's list separator (``csv_delimiter``) and its chunks are written while
    the rows are read, so a ``rows`` that queries the database should keep its own agency scope
    (``tenancy.scope``) in case the request context is pushed anew when the chunks are sent.
    XLSX is written to an unnamed temporary file first.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    if fmt == "csv":
        chunks = csv_chunks(headers, rows(), csv_delimiter())
        return TableFile(f"{stem}.csv", CSV_MIMETYPE, chunks=chunks)
    target = tempfile.TemporaryFile()  # noqa: SIM115 - closed by whoever sends it
    write_xlsx(target, headers, rows(), sheet=stem)
    target.seek(0)
    return TableFile(f"{stem}.xlsx", XLSX_MIMETYPE, file=target)
