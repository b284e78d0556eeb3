"""Importing prospects from a CSV file: upload, preview with a column mapping, confirm, result.

Staff only (``Action.IMPORT``). The upload form takes a larger body than the rest of the
app (``csv_upload.MAX_BYTES``); a bigger one is answered 413 with the form and a message.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response
from wtforms import SelectField

from .. import tenancy
from ..errors import ServiceError
from ..extensions import csrf, db
from ..models import ProspectImport
from ..policy import Action
from ..services import csv_upload, prospect_import
from ..services.import_mapping import FIELDS
from ..services.prospect_import import RowAction, column_name
from .common import PER_PAGE, actor, guard, page_arg
from .forms import apply_service_error, attempt, choices

blueprint = Blueprint("imports", __name__, url_prefix="/imports")
guard(blueprint, Action.IMPORT)

# room for the multipart envelope and the CSRF token around the file itself
FORM_OVERHEAD = 64 * 1024
SAMPLE_VALUES = 3
ERRORS_SHOWN = 200
# the import button's value; when rows have problems the button names them and says so
IMPORT_SKIPPING = "import-skipping"


class UploadForm(FlaskForm):
    file = FileField(
        _l("CSV file"),
        validators=[FileRequired(_l("Choose the file to import."))],
        description=_l("Comma, semicolon or tab separated, with the column names on the first row."),
    )


class MappingForm(FlaskForm):
    """One select per column of the file (added by ``mapping_form``)."""

    def mapping(self, width: int) -> dict[str, str]:
        """``{column index: field}`` as chosen."""
        return {str(i): self[f"column_{i}"].data or "" for i in range(width)}


def mapping_form(headers: list[str], mapping: dict[str, str]) -> MappingForm:
    """The mapping form for a file's columns, each select pre-set to the saved (or guessed) field."""
    options = choices(FIELDS.items(), blank=_l("Do not import"))

    class ColumnsForm(MappingForm):
        pass

    for index in range(len(headers)):
        select = SelectField(
            column_name(headers, index), choices=options, default=mapping.get(str(index), "")
        )
        setattr(ColumnsForm, f"column_{index}", select)
    return ColumnsForm()


def _upload_page(form: UploadForm, status: int = 200) -> tuple[str, int]:
    page = render_template(
        "imports/new.html", form=form, max_mb=csv_upload.MAX_BYTES // 2**20, max_rows=csv_upload.MAX_ROWS
    )
    return page, status


def _too_large() -> tuple[str, int]:
    form = UploadForm(formdata=None)
    form.file.errors = [
        _("The file is larger than %(limit)s MB. Split it into smaller files.",
          limit=csv_upload.MAX_BYTES // 2**20)
    ]
    return _upload_page(form, 413)


@blueprint.get("")
def index() -> str:
    """The agency's imports: file, who, when, status and what came of each."""
    results = prospect_import.list_imports(actor(), page_arg(request.args.get("page")), PER_PAGE)
    return render_template("imports/index.html", results=results)


@blueprint.route("/new", methods=["GET", "POST"])
@csrf.exempt  # checked below, once the upload's larger size limit applies to the body
def upload() -> Response | tuple[str, int]:
    """Upload a file; it is checked as a whole, then shown for the mapping and the preview."""
    if request.method == "POST":
        request.max_content_length = csv_upload.MAX_BYTES + FORM_OVERHEAD
        try:
            csrf.protect()
        except RequestEntityTooLarge:
            return _too_large()
    form = UploadForm()
    if form.validate_on_submit():
        file = form.file.data
        data = file.read(csv_upload.MAX_BYTES + 1)
        imp = attempt(form, prospect_import.upload, actor(), file.filename or "", data)
        if imp is not None:
            return redirect(url_for(".show", import_id=imp.id))
        return _upload_page(form, 422)
    return _upload_page(form, 422 if form.is_submitted() else 200)


def _samples(rows: list[Any], width: int) -> list[list[str]]:
    """A few non-empty values of each column, to recognise it by."""
    samples: list[list[str]] = [[] for _ in range(width)]
    for row in rows:
        for index, cell in enumerate(row.cells):
            if cell.strip() and len(samples[index]) < SAMPLE_VALUES:
                samples[index].append(cell.strip())
        if all(len(s) == SAMPLE_VALUES for s in samples):
            break
    return samples


@blueprint.route("/<int:import_id>", methods=["GET", "POST"])
def show(import_id: int) -> Response | tuple[str, int] | str:
    """The preview and mapping of an import waiting for confirmation; the result afterwards."""
    user = actor()
    imp = tenancy.get_or_404(ProspectImport, import_id)
    if not prospect_import.is_open(imp):
        if request.method == "POST":
            flash(_("This file has already been imported or discarded."), "warning")
            return redirect(url_for(".show", import_id=imp.id))
        return render_template("imports/result.html", imp=imp)
    table = prospect_import.table_of(user, imp)
    width = len(table.headers)
    form = mapping_form(table.headers, imp.mapping)
    status = 200
    mapping = dict(imp.mapping)
    if form.validate_on_submit():
        mapping = {key: fld for key, fld in form.mapping(width).items() if fld}
        action = request.form.get("action")
        confirm = action in {"import", IMPORT_SKIPPING}
        # the import runs only under the mapping whose preview the user has just seen
        if confirm and mapping == imp.mapping:
            outcome = _confirm(user, imp, form, mapping, skip_rows_with_problems=action == IMPORT_SKIPPING)
            if outcome is not None:
                return outcome
            status = 422
        else:
            saved = attempt(form, prospect_import.save_mapping, user, imp, mapping)
            if saved is not None and not confirm:
                return redirect(url_for(".show", import_id=imp.id))
            if saved is not None:
                form.form_errors.append(_("The columns changed: check the preview below, then import."))
            status = 422
    elif form.is_submitted():
        status = 422
    plan = None
    try:
        plan = prospect_import.preview(user, imp, mapping)
    except ServiceError as exc:
        db.session.rollback()
        if not form.form_errors:
            apply_service_error(form, exc)
    page = render_template(
        "imports/preview.html", imp=imp, form=form, plan=plan, headers=table.headers,
        samples=_samples(table.rows, width), RowAction=RowAction, errors_shown=ERRORS_SHOWN, fields=FIELDS,
    )
    return page, status


def _confirm(
    user: Any, imp: ProspectImport, form: MappingForm, mapping: dict[str, str], *,
    skip_rows_with_problems: bool,
) -> Response | None:
    """Run the import once the user has seen this mapping's preview (and, with the button that
    names them, accepted its skips)."""
    run = partial(prospect_import.run, skip_rows_with_problems=skip_rows_with_problems)
    done = attempt(form, run, user, imp, mapping)
    if done is None:
        return None
    summary = done.summary
    flash(
        _("Import finished: %(created)s, %(merged)s, %(skipped)s.",
          created=ngettext("%(num)s created", "%(num)s created", summary["created"]),
          merged=ngettext("%(num)s merged", "%(num)s merged", summary["merged"]),
          skipped=ngettext("%(num)s skipped", "%(num)s skipped", summary["skipped"])),
        "success",
    )
    return redirect(url_for(".show", import_id=imp.id))


@blueprint.post("/<int:import_id>/discard")
def discard(import_id: int) -> Response:
    """Drop an import before it runs; its file is deleted."""
    imp = tenancy.get_or_404(ProspectImport, import_id)
    try:
        prospect_import.discard(actor(), imp)
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "warning")
        return redirect(url_for(".show", import_id=imp.id))
    flash(_("The file was discarded; nothing was imported."), "success")
    return redirect(url_for(".index"))
