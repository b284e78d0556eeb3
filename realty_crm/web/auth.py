"""Logging in and out: a rate limit per address, and a growing delay per (account, address) pair."""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from .. import login_throttle
from ..extensions import limiter
from ..services.accounts import authenticate, end_sessions

blueprint = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    remember = BooleanField(_l("Keep me signed in"))


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
def login() -> Response | str:
    """The sign-in page."""
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    if form.validate_on_submit():
        email, address = form.email.data, request.remote_addr or ""
        wait = login_throttle.wait_seconds(email, address)
        if wait:
            return _too_soon(form, wait)
        user = authenticate(email, form.password.data)
        if user is not None:
            login_throttle.record_success(email, address)
            login_user(user, remember=form.remember.data)
            return redirect(_safe_next(request.args.get("next")))
        form.password.errors.append(_("Wrong e-mail or password."))
        wait = login_throttle.record_failure(email, address)
        if wait:
            form.password.errors.append(_wait_message(wait))
    status = 401 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


def _wait_message(seconds: int) -> str:
    return ngettext(
        "Too many wrong passwords for this account from your address: wait %(num)d second "
        "before trying again.",
        "Too many wrong passwords for this account from your address: wait %(num)d seconds "
        "before trying again.",
        seconds,
    )


def _too_soon(form: LoginForm, seconds: int) -> tuple[str, int, dict[str, str]]:
    """The login page refusing an attempt made before the pair's wait is over (nothing checked)."""
    form.password.errors.append(_wait_message(seconds))
    return render_template("auth/login.html", form=form), 429, {"Retry-After": str(seconds)}


@blueprint.route("/logout", methods=["POST"])
@login_required
def logout() -> Response:
    """Sign out on every device (a POST, so another site cannot sign the user out)."""
    end_sessions(current_user._get_current_object())  # type: ignore[attr-defined]
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))
