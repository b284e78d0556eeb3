"""Reading an uploaded CSV file as a whole: size, text encoding, delimiter, header row, row limit.

Everything here is a file-level check: a file that fails one is refused with a clear
``ValidationFailed`` (details key ``file``) before anything is stored or written.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from flask_babel import gettext as _

from ..errors import ValidationFailed, invalid

MAX_BYTES = 5 * 1024 * 1024
# each row is saved as a new prospect would be (rule, timeline, duplicates) at ~100 rows/s on a
# small server, so a file is kept to what one request saves in about a minute
MAX_ROWS = 5_000
MAX_COLUMNS = 100
DELIMITERS = (",", ";", "\t")
# the start of the file the delimiter is guessed from
SNIFF_CHARS = 64 * 1024
SNIFF_RECORDS = 50
# encodings tried, in order, when the file is not UTF-8 (Excel on Windows saves cp1252)
FALLBACK_ENCODINGS = ("cp1252", "latin-1")
BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# a text file has next to no control characters; a binary file decoded as latin-1 has many
MAX_CONTROL_SHARE = 0.001
_EMAIL_LIKE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE_LIKE = re.compile(r"^\+?[\d\s().-]{6,}$")


@dataclass(frozen=True)
class Row:
    """One data row: its number as a spreadsheet shows it (the header is row 1) and its cells,
    padded to the header's width; ``extra`` when it has non-empty cells beyond the last column."""

    number: int
    cells: list[str]
    extra: bool = False


@dataclass(frozen=True)
class Table:
    """A CSV file read and checked: column names, data rows, and how it was read."""

    headers: list[str]
    rows: list[Row]
    encoding: str
    delimiter: str


def refuse(message: str) -> ValidationFailed:
    """The refusal of a file, with its message on the ``file`` field."""
    return invalid("file", message)


def _is_control(ch: str) -> bool:
    code = ord(ch)
    return (code < 32 and ch not in "\t\r\n") or 0x7F <= code <= 0x9F


def _looks_like_text(text: str) -> bool:
    if "\x00" in text:
        return False
    controls = sum(1 for ch in text if _is_control(ch))
    return controls <= len(text) * MAX_CONTROL_SHARE


def _not_text() -> ValidationFailed:
    return refuse(
        _(
            "This is not a CSV text file (it looks like a spreadsheet, an image or another binary "
            "file). Save it as CSV from your spreadsheet and upload that."
        )
    )


def decode(data: bytes) -> tuple[str, str]:
    """The file's text and the encoding it was read with.

    UTF-8 (with or without a byte-order mark) and UTF-16 with a mark are read as such; other
    files as cp1252, else latin-1, when the result looks like text. Binary data is refused.
    """
    for bom, encoding in BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                raise _not_text() from None
            if not _looks_like_text(text):
                raise _not_text()
            return text, encoding
    if b"\x00" in data:
        raise _not_text()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if not _looks_like_text(text):
            raise _not_text()
        return text, "utf-8"
    for encoding in FALLBACK_ENCODINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _looks_like_text(text):
            return text, encoding
    raise _not_text()


def _records(text: str, delimiter: str) -> Iterator[list[str]]:
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def _blank(record: list[str]) -> bool:
    return not any(cell.strip() for cell in record)


def sniff_delimiter(text: str) -> str:
    """Comma, semicolon or tab: the one that splits the first rows into the same, largest number
    of columns. Refuses text that none of them splits."""
    sample = text[:SNIFF_CHARS]
    if len(text) > SNIFF_CHARS and "\n" in sample:
        sample = sample[: sample.rindex("\n")]
    best: tuple[float, int] | None = None
    chosen = None
    for delimiter in DELIMITERS:
        try:
            records = [
                r for r in itertools.islice(_records(sample, delimiter), SNIFF_RECORDS) if not _blank(r)
            ]
        except csv.Error:
            continue
        if not records or len(records[0]) < 2:
            continue
        width = len(records[0])
        others = records[1:]
        consistency = sum(len(r) == width for r in others) / len(others) if others else 1.0
        score = (consistency, width)
        if best is None or score > best:
            best, chosen = score, delimiter
    if chosen is None:
        raise refuse(
            _(
                "No columns found. Put the column names on the first row and separate the columns "
                "with commas, semicolons or tabs."
            )
        )
    return chosen


def _check_header(headers: list[str]) -> None:
    if all(not h for h in headers):
        raise refuse(_("The first row must hold the column names, and it is empty."))
    if any(_EMAIL_LIKE.match(h) or _PHONE_LIKE.match(h) for h in headers):
        raise refuse(
            _(
                "The first row must hold the column names (such as First name, E-mail, Phone); "
                "it seems to hold a prospect's details."
            )
        )
    if len(headers) > MAX_COLUMNS:
        raise refuse(_("The file has more than %(limit)s columns.", limit=MAX_COLUMNS))


def read_table(data: bytes, encoding: str | None = None) -> Table:
    """Check and read an uploaded file (``encoding`` when it is already known).

    Refuses, with a message saying what to do, a file that is empty or too large, not text,
    without columns or a header row, without data rows, or with too many rows.
    """
    if len(data) > MAX_BYTES:
        raise refuse(
            _("The file is larger than %(limit)s MB. Split it into smaller files.", limit=MAX_BYTES // 2**20)
        )
    if not data.strip():
        raise refuse(_("The file is empty."))
    if encoding is None:
        text, encoding = decode(data)
    else:
        text = data.decode(encoding)
    text = text.removeprefix("\ufeff")
    delimiter = sniff_delimiter(text)
    headers: list[str] | None = None
    rows: list[Row] = []
    number = 0
    try:
        for record in _records(text, delimiter):
            number += 1
            if headers is None:
                if _blank(record):
                    continue
                headers = [cell.strip() for cell in record]
                _check_header(headers)
                continue
            if _blank(record):
                continue
            if len(rows) == MAX_ROWS:
                raise refuse(
                    _("The file has more than %(limit)s rows. Split it into smaller files.", limit=MAX_ROWS)
                )
            width = len(headers)
            cells = record[:width] + [""] * (width - len(record))
            rows.append(Row(number, cells, extra=not _blank(record[width:])))
    except csv.Error:
        raise refuse(
            _("The file is not valid CSV near row %(row)s (perhaps a quote is never closed).", row=number)
        ) from None
    if headers is None:
        raise refuse(_("The file is empty."))
    if not rows:
        raise refuse(_("The file has column names but no rows of prospects."))
    return Table(headers, rows, encoding, delimiter)
