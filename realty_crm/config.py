"""Configuration: built-in defaults, then ``instance/config.py``, then ``REALTY_CRM_*`` variables."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from flask import Flask

from .secret_key import DEV_SECRET_KEY, read_key_file

ENV_PREFIX = "REALTY_CRM_"


class Defaults:
    """Built-in defaults; every key can be overridden by the instance file or the environment."""

    SECRET_KEY = DEV_SECRET_KEY  # refused outside debugging and tests (realty_crm/secret_key.py)
    DATABASE_URL: str | None = None  # default: SQLite in the instance folder
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {}
    SQLALCHEMY_RECORD_QUERIES = False
    MAX_CONTENT_LENGTH = 1 * 1024 * 1024
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False  # cookies are marked Secure anyway whenever the request is HTTPS
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = False  # marked Secure anyway whenever the request is HTTPS
    REMEMBER_COOKIE_DURATION = 30 * 24 * 60 * 60  # seconds ("Keep me signed in")
    PERMANENT_SESSION_LIFETIME = 60 * 60 * 12
    WTF_CSRF_TIME_LIMIT = None
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    LANGUAGES = ["en", "es"]
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    # a rate-limit storage (Redis) that stops answering lets requests through, logged, rather
    # than answering 500 to everyone (the login throttle does the same)
    RATELIMIT_SWALLOW_ERRORS = True
    LOGIN_RATE_LIMIT_PER_ADDRESS = "20 per 15 minutes"
    # failed sign-ins of one e-mail from one address: free ones, then a doubling wait (seconds)
    LOGIN_FREE_FAILURES = 5
    LOGIN_FIRST_DELAY_SECONDS = 30
    LOGIN_MAX_DELAY_SECONDS = 15 * 60
    API_RATE_LIMIT = "600 per minute"
    MAIL_SERVER = "127.0.0.1"
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_DEFAULT_SENDER = "realty-crm@localhost"
    TRUSTED_PROXIES = 0  # reverse proxies in front of the app whose X-Forwarded-* to read
    TRUSTED_PROXY_ADDRESS = "127.0.0.1"  # the nearest proxy's address ("*": any peer)
    PASSWORD_HASH_METHOD = "scrypt"
    SERVER_TIMING = False  # add a Server-Timing header to every response (the benchmarks read it)


def _parse_env_value(raw: str) -> Any:
    """Read JSON literals (numbers, booleans, lists) and leave anything else as a string."""
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def load_config(app: Flask, overrides: dict[str, Any] | None = None) -> None:
    """Fill ``app.config`` from defaults, the instance file, the environment and ``overrides``."""
    app.config.from_object(Defaults)
    # the key `realty-crm demo` made, unless the instance file or the environment names another
    stored_key = read_key_file(app.instance_path)
    if stored_key:
        app.config["SECRET_KEY"] = stored_key
    # the instance folder's file (a bare name would be read from the package: this module)
    app.config.from_pyfile(str(Path(app.instance_path) / "config.py"), silent=True)
    for key, raw in os.environ.items():
        if key.startswith(ENV_PREFIX):
            app.config[key.removeprefix(ENV_PREFIX)] = _parse_env_value(raw)
    if overrides:
        app.config.update(overrides)
    if not app.config.get("DATABASE_URL"):
        db_path = Path(app.instance_path) / "realty_crm.sqlite3"
        app.config["DATABASE_URL"] = f"sqlite:///{db_path}"
    app.config["SQLALCHEMY_DATABASE_URI"] = app.config["DATABASE_URL"]
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql://"):
        app.config["SQLALCHEMY_DATABASE_URI"] = app.config["SQLALCHEMY_DATABASE_URI"].replace(
            "postgresql://", "postgresql+psycopg://", 1
        )
