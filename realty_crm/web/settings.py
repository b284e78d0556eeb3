"""Settings: the user's own profile, password and API tokens; the agency's settings (admins)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import refresh
from flask_login import login_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import (
    BooleanField,
    IntegerField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    TelField,
)
from wtforms.validators import EqualTo, Optional

from .. import tenancy
from ..extensions import db
from ..models import ApiToken, User
from ..policy import Action, require
from ..schemas.agency import SUPPORTED_LOCALES
from ..services import accounts
from ..services.assignment import RULE_EXPLANATIONS, RULE_NAMES
from ..timezones import canonical_zones
from .common import actor, guard
from .forms import attempt, choices, text

blueprint = Blueprint("settings", __name__, url_prefix="/settings")
guard(blueprint)

LANGUAGE_NAMES = {"en": "English", "es": "Español"}


def _locale_choices(blank: str | None = None) -> list[SelectChoice]:
    return choices(((code, LANGUAGE_NAMES.get(code, code)) for code in SUPPORTED_LOCALES), blank)


def _zone_choices(blank: str | None = None) -> list[SelectChoice]:
    return choices(((zone, zone.replace("_", " ")) for zone in canonical_zones()), blank)


class ProfileForm(FlaskForm):
    name = StringField(_l("Name"))
    phone = TelField(_l("Phone"))
    locale = SelectField(_l("Language"), validate_choice=False)
    timezone = SelectField(_l("Time zone"), validate_choice=False)

    def configure(self, agency_locale: str, agency_zone: str) -> ProfileForm:
        language = LANGUAGE_NAMES.get(agency_locale, agency_locale)
        self.locale.choices = _locale_choices(blank=_("Agency default (%(value)s)", value=language))
        self.timezone.choices = _zone_choices(blank=_("Agency default (%(value)s)", value=agency_zone))
        return self

    def to_data(self) -> dict[str, Any]:
        return {
            "name": text(self.name),
            "phone": text(self.phone),
            "locale": self.locale.data or "",
            "timezone": self.timezone.data or "",
        }


class PasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"))
    new_password = PasswordField(
        _l("New password"), description=_l("At least 8 characters, and not one of the common passwords.")
    )
    confirm = PasswordField(
        _l("New password, again"),
        validators=[EqualTo("new_password", message=_l("The two new passwords differ."))],
    )


class TokenForm(FlaskForm):
    name = StringField(_l("Name"), description=_l("What the token is for, e.g. “website import”."))


class AgencyForm(FlaskForm):
    name = StringField(_l("Agency name"))
    timezone = SelectField(_l("Time zone"), validate_choice=False)
    locale = SelectField(_l("Language"), validate_choice=False)
    currency = StringField(_l("Currency"), description=_l("Three-letter ISO 4217 code, e.g. EUR."))
    agents_see_unassigned = BooleanField(_l("Agents see the unassigned leads"))
    default_visit_minutes = IntegerField(_l("Default visit length (minutes)"), validators=[Optional()])
    # the service checks the value: an unknown rule comes back as an error on the field
    assignment_rule = SelectField(
        _l("Assignment of new leads"), choices=choices(RULE_NAMES.items()), validate_choice=False,
        description=_l("Applied once to every new lead entered without an agent, from any source."),
    )

    def to_data(self) -> dict[str, Any]:
        return {
            "name": text(self.name),
            "timezone": self.timezone.data,
            "locale": self.locale.data,
            "currency": text(self.currency),
            "agents_see_unassigned": bool(self.agents_see_unassigned.data),
            "default_visit_minutes": self.default_visit_minutes.data,
            "assignment_rule": self.assignment_rule.data,
        }


def _render_profile(
    profile_form: ProfileForm | None = None, password_form: PasswordForm | None = None, status: int = 200
) -> tuple[str, int]:
    user = actor()
    if profile_form is None:
        profile_form = ProfileForm(
            formdata=None,
            data={
                "name": user.name,
                "phone": user.phone or "",
                "locale": user.locale or "",
                "timezone": user.timezone or "",
            },
        )
    profile_form.configure(user.agency.locale, user.agency.timezone)
    return (
        render_template(
            "settings/profile.html",
            profile_form=profile_form,
            password_form=password_form or PasswordForm(formdata=None),
        ),
        status,
    )


@blueprint.route("/profile", methods=["GET", "POST"])
def profile() -> Response | tuple[str, int]:
    """The user's own name, phone, language and time zone."""
    form = ProfileForm()
    if not form.is_submitted():
        return _render_profile()
    user = actor()
    if form.validate_on_submit() and attempt(form, accounts.update_user, user, user, form.to_data()):
        refresh()  # the confirmation speaks the language just chosen
        flash(_("Your profile was saved."), "success")
        return redirect(url_for(".profile"))
    return _render_profile(profile_form=form, status=422)


@blueprint.post("/password")
def password() -> Response | tuple[str, int]:
    """Change one's own password (the current one is asked for)."""
    form = PasswordForm()
    if form.validate_on_submit() and attempt(
        form,
        accounts.change_password,
        actor(),
        form.current_password.data or "",
        form.new_password.data or "",
        aliases={"password": "new_password"},
    ):
        _stay_signed_in(actor())
        flash(_("Your password was changed. Your other devices are signed out."), "success")
        return redirect(url_for(".profile"))
    return _render_profile(password_form=form, status=422)


@blueprint.post("/sign-out-elsewhere")
def sign_out_elsewhere() -> Response:
    """End the user's sessions on every other device (this one stays signed in)."""
    user = actor()
    accounts.sign_out_everywhere(user, user)
    _stay_signed_in(user)
    flash(_("You are signed out on every other device."), "success")
    return redirect(url_for(".profile"))


def _stay_signed_in(user: User) -> None:
    """Sign this device in again after the user's sessions were ended (new session version),
    keeping "Keep me signed in" when it was on."""
    remember_cookie = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    login_user(user, remember=remember_cookie in request.cookies)


def _own_tokens(user_id: int) -> list[ApiToken]:
    """The user's API tokens, newest first."""
    stmt = (
        select(ApiToken)
        .where(ApiToken.user_id == user_id)
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    )
    return list(db.session.scalars(stmt))


def _tokens_page(form: TokenForm | None = None, secret: str | None = None, status: int = 200) -> Response:
    response = make_response(
        render_template(
            "settings/tokens.html",
            tokens=_own_tokens(actor().id),
            form=form or TokenForm(formdata=None),
            secret=secret,
        ),
        status,
    )
    # the page may carry a new secret: never keep a copy of it
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.get("/tokens")
def tokens() -> Response:
    """The user's API tokens."""
    return _tokens_page()


@blueprint.post("/tokens")
def create_token() -> Response:
    """Issue a token; its secret is shown on this answer only."""
    form = TokenForm()
    if not form.validate_on_submit():
        return _tokens_page(form, status=422)
    _token, secret = accounts.create_token(actor(), text(form.name))
    return _tokens_page(secret=secret)


@blueprint.post("/tokens/<int:token_id>/revoke")
def revoke_token(token_id: int) -> Response:
    """Revoke one of the user's tokens."""
    token = tenancy.get_or_404(ApiToken, token_id)
    accounts.revoke_token(actor(), token)
    flash(_("The token was revoked; programs using it are refused from now on."), "success")
    return redirect(url_for(".tokens"))


@blueprint.route("/agency", methods=["GET", "POST"])
def agency() -> Response | tuple[str, int]:
    """The agency's name, time zone, language, currency, lead visibility and assignment rule (admins)."""
    user = actor()
    require(user, Action.MANAGE_AGENCY)
    current = user.agency
    form = AgencyForm(
        data={
            "name": current.name,
            "timezone": current.timezone,
            "locale": current.locale,
            "currency": current.currency,
            "agents_see_unassigned": current.agents_see_unassigned,
            "default_visit_minutes": current.default_visit_minutes,
            "assignment_rule": current.assignment_rule.value,
        }
    )
    form.timezone.choices = _zone_choices()
    form.locale.choices = _locale_choices()
    status = 200
    if form.validate_on_submit():
        if attempt(form, accounts.update_agency, user, form.to_data()) is not None:
            flash(_("The agency settings were saved."), "success")
            return redirect(url_for(".agency"))
        status = 422
    elif form.is_submitted():
        status = 422
    page = render_template(
        "settings/agency.html", form=form, rules=RULE_NAMES, explanations=RULE_EXPLANATIONS
    )
    return page, status
