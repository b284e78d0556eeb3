"""The application: extensions, request hooks, security headers and blueprints wired onto it."""

from __future__ import annotations

import os
from pathlib import Path

from alembic.config import Config
from flask import Flask, current_app, g, has_request_context, request
from flask.sessions import SecureCookieSessionInterface
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from werkzeug.middleware.proxy_fix import ProxyFix

from . import PROJECT_ROOT, database, health, nul_bytes, plugin_host, request_log, tenancy
from .extensions import babel, csrf, db, limiter, login_manager, mail, migrate
from .json_errors import API_PREFIX
from .languages import user_language
from .models import User
from .server_timing import ServerTiming


class HttpsAwareSessionInterface(SecureCookieSessionInterface):
    """Marks the session cookie Secure on every HTTPS request, whatever the config says."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or (
            has_request_context() and request.is_secure
        )


def _request_user() -> User | None:
    """Who the request acts for: the API token's user, else the signed-in user, else nobody.

    Under /api/ the token is read even when the request fails before the API authenticates it
    (an unknown address, a wrong method, a body too large), so every API error answers in the
    caller's language.
    """
    api_user = g.get("api_user")
    if api_user is not None:
        return api_user
    if request.path.startswith(API_PREFIX):
        from .api import token_user

        return token_user()
    if current_user and current_user.is_authenticated:
        return current_user  # type: ignore[return-value]
    return None


def _select_locale() -> str | None:
    """The user's language, else their agency's; before login (or without a valid API token),
    the browser's ``Accept-Language``. Pages and every API answer, errors included, follow it."""
    if not has_request_context():
        return None  # services called from the CLI, jobs or tests: the default locale
    user = _request_user()
    if user is not None:
        chosen = user_language(user)
        if chosen is not None:
            return chosen
    return request.accept_languages.best_match(current_app.config["LANGUAGES"])


def _select_timezone() -> str | None:
    user = _request_user() if has_request_context() else None
    return user.effective_timezone if user is not None else None


def _security_headers(response):  # type: ignore[no-untyped-def]
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    if "Content-Security-Policy" not in headers:
        # a view that sets its own policy (a public form made to be framed) decides framing there
        headers["X-Frame-Options"] = "DENY"
        headers["Content-Security-Policy"] = (
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "frame-ancestors 'none'; form-action 'self'; base-uri 'self'"
        )
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def _enter_user_scope() -> None:
    if request.endpoint in health.ENDPOINTS:
        return  # health checks read no session (and so no user from the database)
    if current_user and current_user.is_authenticated:
        tenancy.enter(current_user.agency_id)


@login_manager.user_loader
def _load_user(session_id: str) -> User | None:
    """The active user a session or remember-me cookie names (``User.get_id``), while its
    session version is still the user's; an older one was ended (logout, new password...)."""
    user_id, _sep, version = session_id.partition(":")
    try:
        key, session_version = int(user_id), int(version)
    except ValueError:
        return None
    user = db.session.scalars(
        select(User).where(User.id == key).execution_options(**tenancy.unscoped())
    ).first()
    if user is None or not user.active or user.session_version != session_version:
        return None
    return user


@migrate.configure
def _plugin_migrations(config: Config) -> Config:
    """Let Alembic see each plugin's migration branch beside the core's versions."""
    folders = [str(PROJECT_ROOT / "migrations" / "versions")]
    folders += plugin_host.get_host().migration_directories()
    config.set_main_option("version_locations", os.pathsep.join(folders))
    return config


def setup(app: Flask) -> None:
    """Attach everything the app needs; called once by ``create_app``."""
    if app.config.get("TRUSTED_PROXIES"):
        n = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]
    if app.config.get("SERVER_TIMING"):
        app.wsgi_app = ServerTiming(app.wsgi_app)  # type: ignore[method-assign]
    app.session_interface = HttpsAwareSessionInterface()
    database.configure(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    # worded like the rest of the app, and translated when flashed (in the visitor's language)
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.localize_callback = str
    login_manager.session_protection = "strong"
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=_select_locale,
        timezone_selector=_select_timezone,
        default_translation_directories=str(Path(__file__).resolve().parent / "translations"),
    )
    mail.init_app(app)
    limiter.init_app(app)
    tenancy.install()
    database.install_events(app)

    request_log.init_app(app)
    app.before_request(_enter_user_scope)
    nul_bytes.install(app)
    app.after_request(_security_headers)

    from .api import blueprint as api_blueprint
    from .web import register_blueprints
    from .web.errors import register_error_handlers
    from .web.formatting import register_filters
    from .web.navigation import register_navigation

    register_filters(app)
    register_navigation(app)
    app.jinja_env.globals["current_locale"] = get_locale
    register_error_handlers(app)
    register_blueprints(app)
    app.register_blueprint(api_blueprint)
    app.register_blueprint(health.blueprint)
    csrf.exempt(api_blueprint)
    plugin_host.init_app(app)

    from .cli import register_commands

    register_commands(app)

    @app.teardown_appcontext
    def _forget_scope(_exc: BaseException | None) -> None:
        g.pop("agency_id", None)
