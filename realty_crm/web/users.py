"""The agency's users: list, add, change role, areas, languages and absences (admins)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, TelField
from wtforms.validators import Optional, ValidationError

from .. import tenancy
from ..collation import collated
from ..dates import to_zone
from ..models import Role, User, utcnow
from ..policy import Action
from ..services import accounts, search
from .common import PER_PAGE, actor, guard, page_arg
from .forms import DayField, attempt, enum_choices, join_list, split_list, text

blueprint = Blueprint("users", __name__, url_prefix="/users")
guard(blueprint, Action.MANAGE_USERS)


class _UserFields(FlaskForm):
    name = StringField(_l("Name"))
    phone = TelField(_l("Phone"))
    role = SelectField(_l("Role"), choices=enum_choices(Role), default="agent", validate_choice=False)
    areas = StringField(_l("Areas"), description=_l("Where they work, separated with commas."))
    languages = StringField(_l("Languages"), description=_l("Language codes, e.g. en, es, fr."))

    def common_data(self) -> dict[str, Any]:
        return {
            "name": text(self.name),
            "phone": text(self.phone),
            "role": self.role.data,
            "areas": split_list(self.areas.data),
            "languages": split_list(self.languages.data),
        }


class UserCreateForm(_UserFields):
    email = EmailField(_l("E-mail"))
    password = PasswordField(
        _l("Initial password"), description=_l("At least 8 characters; they can change it.")
    )

    def to_data(self) -> dict[str, Any]:
        return {**self.common_data(), "email": text(self.email), "password": self.password.data or ""}


class UserEditForm(_UserFields):
    active = BooleanField(_l("Active (can sign in)"))
    away_from = DayField(
        _l("Away from"), validators=[Optional()],
        description=_l("First day of an absence: no new leads are assigned to them by rule."),
    )
    away_until = DayField(
        _l("Away until"), validators=[Optional()],
        description=_l("Last day of the absence (included). Leave both blank when they are here."),
    )

    def validate_away_until(self, field: DayField) -> None:
        if field.data and self.away_from.data and field.data < self.away_from.data:
            raise ValidationError(_("The last day of the absence is before its first day."))

    def to_data(self, zone: ZoneInfo) -> dict[str, Any]:
        """The fields as the service takes them; the days are whole days in ``zone``."""
        until = self.away_until.data
        return {
            **self.common_data(),
            "active": bool(self.active.data),
            "away_from": _day_start(self.away_from.data, zone),
            # the absence ends when the day after its last day begins
            "away_until": _day_start(until + timedelta(days=1), zone) if until else None,
        }


def _day_start(day: date | None, zone: ZoneInfo) -> datetime | None:
    return datetime.combine(day, time(0), tzinfo=zone) if day else None


def away_days(user: User, zone: ZoneInfo) -> tuple[date | None, date | None]:
    """A user's absence as the first and last days (included) in ``zone``."""
    start = to_zone(user.away_from, zone) if user.away_from else None
    back = to_zone(user.away_until, zone) if user.away_until else None
    # a stored end is the first moment back: the last day away is the day before it
    # (a stored time beyond the calendar's ends shows as no day: the form asks for it anew)
    last = (back.replace(tzinfo=None) - timedelta(microseconds=1)).date() if back and back.year > 1 else None
    return (start.date() if start else None), last


@blueprint.get("")
def index() -> str:
    """Everyone in the agency, by name."""
    results = search.paginate(
        select(User).order_by(collated(User.name), User.id), page_arg(request.args.get("page")), PER_PAGE
    )
    return render_template("users/index.html", results=results, now=utcnow())


@blueprint.route("/new", methods=["GET", "POST"])
def create() -> Response | tuple[str, int]:
    """Add a user to the agency."""
    user = actor()
    form = UserCreateForm()
    status = 200
    if form.validate_on_submit():
        created = attempt(form, accounts.create_user, user.agency, form.to_data(), user)
        if created is not None:
            flash(_("%(name)s can now sign in.", name=created.name), "success")
            return redirect(url_for(".index"))
        status = 409 if form.service_error.status == 409 else 422
    elif form.is_submitted():
        status = 422
    return render_template("users/form.html", form=form, target=None), status


@blueprint.route("/<int:user_id>/edit", methods=["GET", "POST"])
def edit(user_id: int) -> Response | tuple[str, int]:
    """Change a user's name, phone, role, state, areas, languages and absence (days in the
    agency's time zone)."""
    target = tenancy.get_or_404(User, user_id)
    zone = ZoneInfo(target.agency.timezone)
    away_from, away_until = away_days(target, zone)
    initial = {
        "name": target.name,
        "phone": target.phone or "",
        "role": target.role.value,
        "active": target.active,
        "areas": join_list(target.areas),
        "languages": join_list(target.languages),
        "away_from": away_from,
        "away_until": away_until,
    }
    form = UserEditForm(data=initial)
    status = 200
    if form.validate_on_submit():
        if attempt(form, accounts.update_user, actor(), target, form.to_data(zone)) is not None:
            flash(_("Changes saved."), "success")
            return redirect(url_for(".index"))
        status = 422
    elif form.is_submitted():
        status = 422
    return render_template("users/form.html", form=form, target=target), status


@blueprint.post("/<int:user_id>/sign-out")
def sign_out(user_id: int) -> Response:
    """End every session and remember-me cookie of a user (their API tokens keep working)."""
    target = tenancy.get_or_404(User, user_id)
    accounts.sign_out_everywhere(actor(), target)
    flash(_("%(name)s is signed out on every device.", name=target.name), "success")
    return redirect(url_for(".edit", user_id=target.id))
