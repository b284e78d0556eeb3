"""Logging in and out, with rate limits per address and per account."""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from ..extensions import limiter
from ..services.accounts import authenticate, end_sessions

blueprint = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    remember = BooleanField(_l("Keep me signed in"))


def _account_key() -> str:
    return "login-account:" + (request.form.get("email") or "").strip().lower()


def _failed(response: Response) -> bool:
    # only failed attempts count against the limits
    return request.method == "POST" and response.status_code != 302


# what a browser strips from an address or reads as another host: control characters, spaces
# and backslashes (a browser takes a backslash for a slash: /\evil.com goes to evil.com)
_UNSAFE_IN_NEXT = re.compile(r"[\x00-\x20\x7f\\]")


def _is_local_path(target: str) -> bool:
    """Whether ``target`` is a path on this site: one leading slash, no scheme, no host."""
    parts = urlsplit(target)
    return (
        target.startswith("/")
        and not target.startswith("//")
        and not _UNSAFE_IN_NEXT.search(target)
        and not parts.scheme
        and not parts.netloc
    )


def _safe_next(target: str | None) -> str:
    """Where to go after signing in: ``target`` when it is a path on this site, as sent and once
    percent-decoded (``/%5Cevil.com``), else the dashboard."""
    if (
        target
        and target.isascii()
        and _is_local_path(target)
        and _is_local_path(unquote(urlsplit(target).path))
    ):
        return target
    return url_for("dashboard.index")


@blueprint.route("/login", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_RATE_LIMIT_PER_ADDRESS"],
    methods=["POST"],
    deduct_when=_failed,
    error_message=_l("Too many failed attempts. Try again in a few minutes."),
)
@limiter.limit(
    lambda: current_app.config["LOGIN_RATE_LIMIT_PER_ACCOUNT"],
    key_func=_account_key,
    methods=["POST"],
    deduct_when=_failed,
    error_message=_l("Too many failed attempts. Try again in a few minutes."),
)
def login() -> Response | str:
    """The sign-in page."""
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is not None:
            login_user(user, remember=form.remember.data)
            return redirect(_safe_next(request.args.get("next")))
        form.password.errors.append(_("Wrong e-mail or password."))
    status = 401 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


@blueprint.route("/logout", methods=["POST"])
@login_required
def logout() -> Response:
    """Sign out on every device (a POST, so another site cannot sign the user out)."""
    end_sessions(current_user._get_current_object())  # type: ignore[attr-defined]
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))
