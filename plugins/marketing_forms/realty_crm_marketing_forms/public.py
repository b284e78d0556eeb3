"""The public form pages ``/f/<agency slug>/<form slug>``: no account, embeddable anywhere.

The page carries a signed token (which form, when it was served) instead of a session CSRF
token: the form is meant to be framed by the agency's own site, where our session cookie is
not sent. A submission is kept before the visitor is thanked; turning it into a prospect
happens right after the answer has gone out (and, for any left behind, in the scheduler).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, g, redirect, render_template, request
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address
from realty_crm.plugin_api import (
    Agency,
    ValidationFailed,
    csrf,
    db,
    limiter,
    plugin_enabled,
    plugin_settings,
    public_blueprint,
    tenancy,
)
from sqlalchemy import bindparam, select
from werkzeug.wrappers import Response

from . import inline, intake, thanks_page
from .fields import CATALOGUE
from .models import EnquiryForm
from .settings import NAME, Settings

# a form's answers fit easily; anything bigger is not an enquiry
MAX_BODY = 64 * 1024


# built once: every submission of a burst runs it
_TARGET = (
    select(Agency, EnquiryForm)
    .join(EnquiryForm, EnquiryForm.agency_id == Agency.id)
    .where(Agency.slug == bindparam("agency_slug"), EnquiryForm.slug == bindparam("form_slug"))
    .execution_options(**tenancy.unscoped())
)


def _target(agency_slug: str, form_slug: str) -> tuple[Agency, EnquiryForm]:
    """The agency and form of the address, read once per request (the rate limit asks
    first), in one query; 404 unless both exist and the plugin is on in the agency."""
    found = g.get("marketing_forms_target")
    if found is None:
        found = db.session.execute(_TARGET, {"agency_slug": agency_slug, "form_slug": form_slug}).first()
        if found is None or not plugin_enabled(found[0], NAME):
            abort(404)
        tenancy.enter(found[0].id)
        g.marketing_forms_target = found
        g.marketing_forms_thanks_page = found[1].redirect_url
    return found[0], found[1]


def _settings(agency: Agency) -> Settings:
    settings = plugin_settings(agency, NAME)
    assert isinstance(settings, Settings)
    return settings


def _rate() -> str:
    agency, _form = _target(**request.view_args)  # type: ignore[arg-type]
    return f"{_settings(agency).submissions_per_address_per_hour} per hour"


def _rate_key() -> str:
    return f"{NAME}:{request.view_args['agency_slug']}:{get_remote_address()}"  # type: ignore[index]


def _page(
    agency: Agency, form: EnquiryForm, status: int = 200, errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> tuple[str, int]:
    values = values or {}
    utm = {name: values.get(name) or request.args.get(name, "") for name in intake.UTM_FIELDS}
    html = render_template(
        f"{NAME}/public.html", agency=agency, form=form, fields=intake.asked(form),
        required=intake.required(form), token=intake.form_token(form), errors=errors or {},
        values=values, utm=utm, H=intake, catalogue=CATALOGUE,
    )
    return html, status


def _closed(agency: Agency, form: EnquiryForm) -> tuple[str, int]:
    """What a closed form answers, to a visit or a submission alike."""
    return render_template(f"{NAME}/closed.html", agency=agency, form=form), 410


def show(agency_slug: str, form_slug: str) -> Any:
    """The form, ready to fill in (a closed form says so)."""
    agency, form = _target(agency_slug, form_slug)
    if not form.active:
        return _closed(agency, form)
    return _page(agency, form)


def send(agency_slug: str, form_slug: str) -> Any:
    """Receive an enquiry: kept and thanked, or the form again with what to correct."""
    agency, form = _target(agency_slug, form_slug)
    if not form.active:
        return _closed(agency, form)
    if (request.content_length or 0) > MAX_BODY:
        abort(413)
    raw = request.form.to_dict()
    # what the answer shows, read now: the commit expires the records (no reloads after it)
    agency_id, redirect_url = agency.id, form.redirect_url
    thanks = {"agency_name": agency.name, "form_name": form.name, "message": form.thank_you_message}
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    processing = inline.for_app(app)
    processing.begin()
    try:
        submission = intake.receive(form, raw, _settings(agency).min_fill_seconds)
        # an address saved before the rules of ``thanks_page`` is not followed: the thanks page is
        if redirect_url and thanks_page.is_acceptable(redirect_url):
            response = redirect(redirect_url, 303)
        else:
            response = current_app.make_response(render_template(f"{NAME}/thanks.html", **thanks))
    except ValidationFailed as exc:
        processing.end()
        db.session.rollback()
        return _page(agency, form, 422, {k: str(v) for k, v in exc.details.items()}, raw)
    except BaseException:
        processing.end()
        raise
    response.call_on_close(lambda: processing.after_answer(app, agency_id, submission is not None))
    return response


def _frame_anywhere(response: Response) -> Response:
    """The form is made to be framed by the agency's own site: allow any parent page, and (on
    the form's own page, whose policy governs where sending it may lead) the form's thank-you
    address's origin, rebuilt from its checked parts (never the stored text)."""
    form_action = "'self'"
    target = thanks_page.origin(g.get("marketing_forms_thanks_page", ""))
    if target:
        form_action += f" {target}"
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        f"frame-ancestors *; form-action {form_action}; base-uri 'self'"
    )
    return response


def create_public_blueprint() -> Blueprint:
    """``GET/POST /f/<agency_slug>/<form_slug>``; each checks the plugin is on in that agency."""
    blueprint = Blueprint(
        f"{NAME}_public", __name__, static_folder="static", static_url_path="/f/static/marketing_forms"
    )
    public_blueprint(blueprint)  # whoever the visitor is signed in as
    csrf.exempt(blueprint)  # the signed form token stands in for the session's CSRF token
    blueprint.add_url_rule("/f/<agency_slug>/<form_slug>", "show", show, methods=["GET"])
    limited = limiter.limit(
        _rate, key_func=_rate_key, methods=["POST"],
        error_message=_l("Too many enquiries from your address. Try again later or call us."),
    )(send)
    blueprint.add_url_rule("/f/<agency_slug>/<form_slug>", "send", limited, methods=["POST"])
    blueprint.after_request(_frame_anywhere)
    return blueprint
