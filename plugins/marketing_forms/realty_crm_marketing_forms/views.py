"""The signed-in pages under ``/marketing-forms``: the agency's forms with their figures, the
form builder, and each form's page (address, embed snippet, campaigns, latest submissions)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from realty_crm.plugin_api import (
    ReportFilterForm,
    ReportFilters,
    ServiceError,
    actor,
    attempt,
    db,
    guard,
    page_filters,
    tenancy,
    utcnow,
)
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import BooleanField, StringField, TextAreaField, URLField

from . import editor, figures, processing
from .fields import CATALOGUE, FIXED
from .models import EnquiryForm, FormSubmission, SubmissionStatus
from .permissions import MANAGE
from .settings import NAME

RECENT = 50
STALLED_AFTER = timedelta(minutes=2)
OPTIONAL_FIELDS = [name for name in CATALOGUE if name != FIXED]


class FormBuilder(FlaskForm):
    """The builder's fields; which fields to ask are ``ask_<name>`` / ``require_<name>`` boxes."""

    name = StringField(
        _l("Name"), description=_l("For you: the page title and the prospects' source detail.")
    )
    slug = StringField(_l("Address"), description=_l("The end of the form's web address, e.g. contact-us."))
    intro = TextAreaField(_l("Introduction"), description=_l("Shown above the fields."))
    consent_text = TextAreaField(
        _l("Marketing consent text"),
        description=_l(
            "When set, a box with this text lets the visitor agree to receive news. Leave blank for no box."
        ),
    )
    thank_you_message = TextAreaField(_l("Thank-you message"), description=_l("Shown after sending."))
    redirect_url = URLField(
        _l("Thank-you page address"),
        description=_l("Instead of the message, send the visitor to this page of your site."),
    )
    active = BooleanField(_l("Open (accepts enquiries)"), default=True)

    def to_data(self) -> dict[str, Any]:
        """The builder's answers as ``editor.FormIn`` takes them."""
        chosen = [
            {"name": name, "required": request.form.get(f"require_{name}") == "on"}
            for name in OPTIONAL_FIELDS if request.form.get(f"ask_{name}") == "on"
        ]
        return {
            "name": self.name.data or "", "slug": (self.slug.data or "").strip().lower(),
            "intro": self.intro.data or "", "fields": chosen, "consent_text": self.consent_text.data or "",
            "thank_you_message": self.thank_you_message.data or "",
            "redirect_url": self.redirect_url.data or "", "active": bool(self.active.data),
        }


def _builder(form: EnquiryForm | None, builder: FormBuilder, status: int, fields_error: str = "") -> Any:
    if builder.is_submitted():
        asked = {n: request.form.get(f"require_{n}") == "on" for n in OPTIONAL_FIELDS
                 if request.form.get(f"ask_{n}") == "on"}
    elif form is not None:
        asked = {f["name"]: bool(f.get("required")) for f in form.fields}
    else:
        asked = {"email": True, "phone": False, "message": False}
    html = render_template(
        f"{NAME}/builder.html", form=form, builder=builder, catalogue=CATALOGUE,
        optional=OPTIONAL_FIELDS, asked=asked, fields_error=fields_error,
    )
    return html, status


def _save(form: EnquiryForm | None) -> Any:
    builder = FormBuilder(obj=form) if form is not None else FormBuilder()
    if not builder.is_submitted():
        return _builder(form, builder, 200)
    if not builder.validate():
        return _builder(form, builder, 422)
    saved = attempt(builder, editor.save_form, actor(), form, builder.to_data())
    if saved is None:
        error = builder.service_error
        fields_error = next((str(v) for k, v in error.details.items() if k.startswith("fields")), "")
        return _builder(form, builder, 422, fields_error)
    flash(_("The form is saved."), "success")
    return redirect(url_for(".detail", form_id=saved.id))


def _period() -> tuple[ReportFilterForm, ReportFilters]:
    """The period of the figures from the page's filter form (the last 90 days by default)."""
    form = ReportFilterForm(request.args)
    del form.agent_id
    return form, page_filters(actor(), form)


def index() -> Any:
    """The agency's forms, each with its figures for the period."""
    period_form, period = _period()
    return render_template(
        f"{NAME}/index.html", forms=editor.forms_of(actor()),
        figures=figures.by_form(period.start, period.end),
        period_form=period_form, period=period, stalled=_stalled(),
    )


def _stalled() -> datetime | None:
    """When the oldest submission still waiting arrived, if that is long enough ago to mean
    nothing is processing the queue (the scheduler is not running)."""
    since = processing.waiting_since(actor().agency_id)
    return since if since is not None and utcnow() - since > STALLED_AFTER else None


def create() -> Any:
    """Build a new form."""
    return _save(None)


def edit(form_id: int) -> Any:
    """Change a form (its address too: the old one stops working)."""
    return _save(tenancy.get_or_404(EnquiryForm, form_id))


def detail(form_id: int) -> Any:
    """A form's address and embed snippet, its figures by campaign for the period and its
    latest submissions."""
    form = tenancy.get_or_404(EnquiryForm, form_id)
    period_form, period = _period()
    recent = db.session.scalars(
        select(FormSubmission).where(FormSubmission.form_id == form.id)
        .options(selectinload(FormSubmission.prospect))
        .order_by(FormSubmission.id.desc()).limit(RECENT)
    ).all()
    public_url = url_for(
        f"{NAME}_public.show", agency_slug=actor().agency.slug, form_slug=form.slug, _external=True
    )
    return render_template(
        f"{NAME}/detail.html", form=form, public_url=public_url, recent=recent,
        total=figures.of_form(form.id, period.start, period.end),
        campaigns=figures.by_campaign(form.id, period.start, period.end),
        period_form=period_form, period=period, stalled=_stalled(),
    )


def retry(form_id: int, submission_id: int) -> Any:
    """Process a failed submission again."""
    form = tenancy.get_or_404(EnquiryForm, form_id)
    submission = tenancy.get_or_404(FormSubmission, submission_id)
    if submission.form_id != form.id:
        abort(404)
    try:
        processing.retry(actor(), submission)
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for(".detail", form_id=form.id), 303)
    if submission.status == SubmissionStatus.PROCESSED:
        flash(_("The submission is processed."), "success")
    else:
        flash(_("The submission failed again: %(error)s", error=submission.error), "error")
    return redirect(url_for(".detail", form_id=form.id), 303)


def create_blueprint() -> Blueprint:
    """The pages under ``/marketing-forms``, for managers and admins."""
    blueprint = Blueprint(NAME, __name__, url_prefix="/marketing-forms", template_folder="templates")
    guard(blueprint, MANAGE)
    blueprint.add_url_rule("/", "index", index, methods=["GET"])
    blueprint.add_url_rule("/new", "create", create, methods=["GET", "POST"])
    blueprint.add_url_rule("/<int:form_id>", "detail", detail, methods=["GET"])
    blueprint.add_url_rule("/<int:form_id>/edit", "edit", edit, methods=["GET", "POST"])
    blueprint.add_url_rule(
        "/<int:form_id>/submissions/<int:submission_id>/retry", "retry", retry, methods=["POST"]
    )
    return blueprint
