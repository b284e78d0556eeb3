"""Importing prospects from a CSV file: upload, preview under a column mapping, then run.

"A bad file changes nothing" is kept in three steps:

1. ``upload`` checks the file as a whole (size, encoding, delimiter, header row, row count)
   and stores it, unimported; a file that fails is refused and nothing is stored.
2. ``preview`` reads every row through ``ProspectCreate`` (the schema of every other way in)
   and the duplicate rule of SPEC §1, and writes nothing: the user sees what each row will do
   and every row's problems before deciding.
3. ``run`` checks the whole file again first; only then does it write, row by row through
   ``services.prospects`` (``create_prospect``, so the agency's assignment rule applies, and
   ``merge_into``), each row committed on its own like any other new prospect. The rows the
   preview showed with problems are skipped (the user confirmed that) and listed in the summary.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from enum import Enum, StrEnum
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import defer, selectinload

from ..database import begin_write
from ..errors import Conflict, ServiceError, ValidationFailed, invalid
from ..extensions import db
from ..labels import label
from ..models import ActivityKind, Agency, ImportStatus, Prospect, ProspectImport, User, utcnow
from ..policy import Action, require
from ..schemas.common import validate
from ..schemas.prospect import ProspectCreate
from . import activity, prospects
from .csv_upload import Row, Table, read_table
from .import_mapping import FIELDS, NOTE_MAX_LENGTH, check_mapping, field_of, guess_mapping, row_input
from .search import Results, paginate
from .transaction import commit

PREVIEW_ROWS = 20
# per-row problems kept in an import's summary (the count is always complete)
ERRORS_KEPT = 1000
LOOKUP_CHUNK = 500
FILENAME_LENGTH = 255


class RowAction(StrEnum):
    CREATE = "create"
    MERGE = "merge"
    SKIP = "skip"


@dataclass(frozen=True)
class RowError:
    """A problem of one row: its number, the column(s) at fault ("" for the row as a whole), what."""

    row: int
    column: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class Person:
    """Whom rows of the file are about: an existing prospect, or the first row that names them.

    Kept as ids and plain values, not ORM objects: each row's commit expires every object the
    session holds, and a file of thousands of rows would make that quadratic."""

    existing_id: int | None
    name: str
    first_row: int | None
    email: str | None
    phone: str | None
    in_trash: bool = False
    # the prospect once the import has written it
    prospect_id: int | None = None

    def label(self) -> str:
        if self.existing_id is not None:
            return self.name
        return _("row %(row)s", row=self.first_row)


@dataclass
class PlannedRow:
    """What one row will do: its input, the values shown in the preview, whom it merges into."""

    number: int
    action: RowAction
    data: dict[str, Any]
    notes: str
    shown: dict[str, str]
    email: str | None = None
    phone: str | None = None
    person: Person | None = None
    errors: list[RowError] = field(default_factory=list)


@dataclass
class Preview:
    """The whole file as it would be imported under ``mapping``."""

    headers: list[str]
    mapping: dict[str, str]
    rows: list[PlannedRow]
    encoding: str
    delimiter: str

    @property
    def sample(self) -> list[PlannedRow]:
        return self.rows[:PREVIEW_ROWS]

    @property
    def errors(self) -> list[RowError]:
        return [error for row in self.rows for error in row.errors]

    def count(self, action: RowAction) -> int:
        return sum(1 for row in self.rows if row.action == action)

    @property
    def columns(self) -> list[str]:
        """The prospect fields the mapping fills, in the form's order (a full name gives two)."""
        chosen = set(self.mapping.values())
        if "full_name" in chosen:
            chosen |= {"first_name", "last_name"}
        return [f for f in FIELDS if f in chosen and f != "full_name"]


def column_name(headers: list[str], index: int) -> str:
    """A column as the user knows it: its header, or "Column 3" when it has none."""
    return headers[index] or _("Column %(number)s", number=index + 1)


def _clean_filename(filename: str) -> str:
    name = re.split(r"[\\/]", filename or "")[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name[:FILENAME_LENGTH] or "import.csv"


def upload(actor: User, filename: str, data: bytes) -> ProspectImport:
    """Check an uploaded file as a whole and keep it for the preview, with a guessed mapping.

    A file that is too large, empty, not text, without columns, header or data rows, or with
    too many rows is refused with ``ValidationFailed`` and nothing is stored.
    """
    require(actor, Action.IMPORT)
    table = read_table(data)
    imp = ProspectImport(
        agency_id=actor.agency_id,
        user_id=actor.id,
        filename=_clean_filename(filename),
        content=data,
        encoding=table.encoding,
        row_count=len(table.rows),
        mapping=guess_mapping(table.headers),
        status=ImportStatus.PREVIEWED,
        summary={},
    )
    db.session.add(imp)
    commit()
    return imp


def list_imports(actor: User, page: int, per_page: int) -> Results[ProspectImport]:
    """The agency's imports, newest first (without their files' bytes)."""
    require(actor, Action.IMPORT)
    stmt = (
        select(ProspectImport)
        .options(defer(ProspectImport.content), selectinload(ProspectImport.user))
        .order_by(ProspectImport.created_at.desc(), ProspectImport.id.desc())
    )
    return paginate(stmt, page, per_page)


def is_open(imp: ProspectImport) -> bool:
    """Whether the import still waits for its confirmation (not run, running or discarded)."""
    return imp.status == ImportStatus.PREVIEWED and imp.finished_at is None


def _table(imp: ProspectImport) -> Table:
    if not is_open(imp):
        raise Conflict(_("This file has already been imported or discarded."))
    return read_table(imp.content, imp.encoding)


def table_of(actor: User, imp: ProspectImport) -> Table:
    """The stored file of an import still waiting for its confirmation, read again."""
    require(actor, Action.IMPORT, imp)
    return _table(imp)


def _columns_of(fld: str, mapping: dict[str, str], headers: list[str]) -> str:
    wanted = {fld, "full_name"} if fld in ("first_name", "last_name") else {fld}
    names = [column_name(headers, int(key)) for key, f in mapping.items() if f in wanted]
    return ", ".join(names)


def _text(value: Any) -> str:
    """A checked value as the preview shows it: an enum member by its translated label."""
    if isinstance(value, Enum):
        return label(value)
    return "" if value is None else str(value)


def _shown(data: dict[str, Any], notes: str) -> dict[str, str]:
    flat = {**data, **data.get("requirements", {})}
    flat.pop("requirements", None)
    shown = {}
    for key, value in flat.items():
        if isinstance(value, list):
            value = ", ".join(_text(v) for v in value)
        elif isinstance(value, bool):
            value = _("yes") if value else _("no")
        shown[key] = _text(value)
    if notes:
        shown["notes"] = notes
    return shown


def _check_row(row: Row, mapping: dict[str, str], headers: list[str], region: str) -> PlannedRow:
    data, notes = row_input(row.cells, mapping)
    planned = PlannedRow(row.number, RowAction.SKIP, data, notes, _shown(data, notes))

    def problem(fld: str, message: str) -> None:
        column = _columns_of(fld, mapping, headers) if fld else ""
        planned.errors.append(RowError(row.number, column, message))

    if row.extra:
        problem("", _("The row has more cells than the file has columns."))
    if not data["first_name"]:
        problem("first_name", _("The first name is missing."))
    if not data.get("email") and not data.get("phone"):
        problem("", _("An e-mail or a phone is needed, so that the person can be recognised later."))
    if len(notes) > NOTE_MAX_LENGTH:
        problem("notes", _("The notes are longer than %(limit)s characters.", limit=NOTE_MAX_LENGTH))
    try:
        values = validate(ProspectCreate, data, phone_region=region)
    except ValidationFailed as exc:
        for key, message in exc.details.items():
            fld = field_of(key)
            if not (fld == "first_name" and not data["first_name"]):
                problem(fld, str(message))
        return planned
    planned.email, planned.phone = values.email, values.phone
    planned.shown = _shown(values.model_dump(exclude_unset=True), notes)
    return planned


def _existing(agency_id: int, emails: set[str], phones: set[str]) -> dict[tuple[str, str], Prospect]:
    """The agency's prospects (deleted ones included) holding any of these e-mails or phones."""
    found: dict[tuple[str, str], Prospect] = {}
    for kind, column, keys in (("email", Prospect.email, emails), ("phone", Prospect.phone, phones)):
        ordered = sorted(keys)
        for start in range(0, len(ordered), LOOKUP_CHUNK):
            stmt = (
                select(Prospect)
                .where(Prospect.agency_id == agency_id, column.in_(ordered[start : start + LOOKUP_CHUNK]))
                .execution_options(include_deleted=True)
            )
            for prospect in db.session.scalars(stmt):
                found[(kind, getattr(prospect, kind))] = prospect
    return found


class _People:
    """Who is who in the file: rows with the same e-mail or phone as an existing prospect, or
    as an earlier row, are the same person (SPEC §1)."""

    def __init__(self, existing: dict[tuple[str, str], Prospect]) -> None:
        self.existing = existing
        self.by_key: dict[tuple[str, str], Person] = {}
        self.by_prospect: dict[int, Person] = {}

    def find(self, key: tuple[str, str]) -> Person | None:
        if key in self.by_key:
            return self.by_key[key]
        prospect = self.existing.get(key)
        if prospect is None:
            return None
        person = self.by_prospect.get(prospect.id)
        if person is None:
            person = Person(prospect.id, prospect.full_name, None, prospect.email, prospect.phone,
                            in_trash=prospect.deleted_at is not None)
            self.by_prospect[prospect.id] = person
        self.by_key[key] = person
        return person

    def place(self, row: PlannedRow) -> None:
        """Decide whether the (valid) row creates a prospect or merges into someone known."""
        keys = [(kind, value) for kind, value in (("email", row.email), ("phone", row.phone)) if value]
        matches: list[Person] = []
        for key in keys:
            person = self.find(key)
            if person is not None and all(person is not m for m in matches):
                matches.append(person)
        if len(matches) > 1:
            row.errors.append(RowError(row.number, "", _(
                "The e-mail is %(first)s's and the phone is %(second)s's: two different people.",
                first=matches[0].label(), second=matches[1].label(),
            )))
            return
        if matches:
            person = matches[0]
            row.action, row.person = RowAction.MERGE, person
            # what a merge fills in (a blank e-mail or phone) recognises later rows too
            for kind, value in keys:
                if getattr(person, kind) is None:
                    setattr(person, kind, value)
                    self.by_key[(kind, value)] = person
            return
        person = Person(None, "", row.number, row.email, row.phone)
        row.action, row.person = RowAction.CREATE, person
        for key in keys:
            self.by_key[key] = person


def preview(actor: User, imp: ProspectImport, mapping: dict[str, str]) -> Preview:
    """Every row of the file as it would be imported under ``mapping``; writes nothing.

    Each row is validated as a new prospect would be; a row with the e-mail or phone of an
    existing prospect will merge into it, and a row repeating an earlier row's e-mail or phone
    into that row's prospect. A mapping without a first name or without an e-mail or phone
    column is refused with ``ValidationFailed``.
    """
    require(actor, Action.IMPORT, imp)
    table = _table(imp)
    chosen = check_mapping(mapping, len(table.headers))
    region = prospects.phone_region(actor)
    rows = [_check_row(row, chosen, table.headers, region) for row in table.rows]
    valid = [row for row in rows if not row.errors]
    existing = _existing(
        actor.agency_id, {r.email for r in valid if r.email}, {r.phone for r in valid if r.phone}
    )
    people = _People(existing)
    for row in valid:
        people.place(row)
    return Preview(table.headers, chosen, rows, table.encoding, table.delimiter)


def save_mapping(actor: User, imp: ProspectImport, mapping: dict[str, str]) -> ProspectImport:
    """Keep the column mapping the user chose (checked first) for the next look at the preview."""
    require(actor, Action.IMPORT, imp)
    table = _table(imp)
    imp.mapping = check_mapping(mapping, len(table.headers))
    commit()
    return imp


def discard(actor: User, imp: ProspectImport) -> ProspectImport:
    """Drop an import that was not confirmed: its file is deleted, its history line stays."""
    require(actor, Action.IMPORT, imp)
    if not is_open(imp):
        raise Conflict(_("This file has already been imported or discarded."))
    imp.status = ImportStatus.DISCARDED
    imp.content = b""
    imp.finished_at = utcnow()
    commit()
    return imp


# an upload nobody confirmed is dropped after this many days (the housekeeping job)
STALE_AFTER = timedelta(days=7)


def discard_stale(agency: Agency) -> int:
    """Discard ``agency``'s uploads left unconfirmed for ``STALE_AFTER``: their files are deleted,
    their history lines stay (marked discarded). Returns how many; run daily by the scheduler."""
    begin_write()
    result = db.session.execute(
        update(ProspectImport)
        .where(
            ProspectImport.agency_id == agency.id,
            ProspectImport.status == ImportStatus.PREVIEWED,
            ProspectImport.finished_at.is_(None),
            ProspectImport.created_at < utcnow() - STALE_AFTER,
        )
        .values(status=ImportStatus.DISCARDED, content=b"", finished_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount  # type: ignore[attr-defined, no-any-return]


def _claim(imp: ProspectImport, mapping: dict[str, str]) -> None:
    """Mark the import as running, so a second confirmation (another tab, a double click) cannot
    import the file twice: ``finished_at`` set on a still-previewed import means "under way".

    The file itself is dropped here: its rows are in memory, read and checked."""
    result = db.session.execute(
        update(ProspectImport)
        .where(
            ProspectImport.id == imp.id,
            ProspectImport.agency_id == imp.agency_id,
            ProspectImport.status == ImportStatus.PREVIEWED,
            ProspectImport.finished_at.is_(None),
        )
        .values(finished_at=utcnow(), mapping=mapping, content=b"")
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        db.session.rollback()
        raise Conflict(_("This file has already been imported or discarded."))
    commit()


def _load(prospect_id: int | None) -> Prospect | None:
    if prospect_id is None:
        return None
    stmt = select(Prospect).where(Prospect.id == prospect_id).execution_options(include_deleted=True)
    return db.session.scalars(stmt).first()


def _create_or_merge(actor: User, row: PlannedRow) -> tuple[Prospect, bool]:
    """Write one row; returns the prospect and whether it is new."""
    person = row.person
    assert person is not None
    target = _load(person.prospect_id or person.existing_id)
    if target is not None:
        return prospects.merge_into(actor, target, row.data), False
    try:
        return prospects.create_prospect(actor, row.data), True
    except Conflict:
        # the same person was added by someone else since the preview: add to them instead
        duplicates = prospects.find_duplicates(actor.agency_id, row.email, row.phone)
        if not duplicates:
            raise
        return prospects.merge_into(actor, duplicates[0], row.data), False


def _record_import(actor: User, source: tuple[int, str], row: PlannedRow, prospect: Prospect) -> None:
    import_id, filename = source
    activity.record(
        ActivityKind.NOTE,
        actor,
        prospect=prospect,
        data={"import_id": import_id, "row": row.number, "file": filename},
    )
    if row.notes:
        activity.record(
            ActivityKind.NOTE, actor, prospect=prospect, summary=row.notes, data={"import_id": import_id}
        )


def run(
    actor: User, imp: ProspectImport, mapping: dict[str, str], *, skip_rows_with_problems: bool = True
) -> ProspectImport:
    """Import the file: new people become prospects (through ``create_prospect``, so the agency's
    assignment rule applies), known ones are merged, rows with problems are skipped (unless
    ``skip_rows_with_problems`` is false: then such a file is refused and nothing is written).

    The whole file is checked before the first write. The import ends marked imported, with
    the counts and the skipped rows in ``summary``, and its file deleted. Should the run break
    off (the database goes away), what was written so far is recorded as an interrupted import.
    """
    plan = preview(actor, imp, mapping)
    if plan.count(RowAction.SKIP) and not skip_rows_with_problems:
        raise invalid(
            "skip_errors",
            _("Some rows have problems: confirm that they are to be skipped, or correct the file."),
        )
    source = (imp.id, imp.filename)
    _claim(imp, plan.mapping)
    tally = _Tally(errors=plan.errors, skipped=plan.count(RowAction.SKIP))
    try:
        for row in plan.rows:
            if row.action != RowAction.SKIP:
                _import_row(actor, source, row, tally)
    except Exception:
        db.session.rollback()
        _finish(imp, tally, interrupted=True)
        raise
    _finish(imp, tally)
    return imp


@dataclass
class _Tally:
    errors: list[RowError]
    skipped: int
    created: int = 0
    merged: int = 0
    assigned: int = 0


def _import_row(actor: User, source: tuple[int, str], row: PlannedRow, tally: _Tally) -> None:
    try:
        prospect, is_new = _create_or_merge(actor, row)
        _record_import(actor, source, row, prospect)
        commit()
    except ServiceError as exc:
        db.session.rollback()
        tally.errors.append(RowError(row.number, "", exc.message))
        tally.skipped += 1
        return
    assert row.person is not None
    row.person.prospect_id = prospect.id
    if is_new:
        tally.created += 1
        tally.assigned += prospect.assigned_agent_id is not None
    else:
        tally.merged += 1


def _finish(imp: ProspectImport, tally: _Tally, interrupted: bool = False) -> None:
    imp.status = ImportStatus.IMPORTED
    imp.summary = {
        "created": tally.created,
        "merged": tally.merged,
        "skipped": tally.skipped,
        "assigned": tally.assigned,
        "errors": [e.as_dict() for e in tally.errors[:ERRORS_KEPT]],
        "errors_total": len(tally.errors),
        "interrupted": interrupted,
    }
    imp.content = b""
    imp.finished_at = utcnow()
    commit()
