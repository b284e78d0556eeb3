"""Password rules (OWASP ASVS 2.1: a length range, no composition rules, no common passwords)
and a check that costs as much for an unknown account as for a known one."""

from __future__ import annotations

import gzip
import secrets
from functools import cache
from pathlib import Path

from flask import current_app, has_app_context
from flask_babel import gettext as _
from werkzeug.security import check_password_hash, generate_password_hash

from .errors import ValidationFailed

MIN_LENGTH = 8
MAX_LENGTH = 200  # ASVS asks for at least 64; the whole password counts (no truncation)
MIN_DISTINCT_CHARACTERS = 5
COMMON_PASSWORDS_FILE = Path(__file__).resolve().parent / "data" / "common-passwords.txt.gz"


@cache
def common_passwords() -> frozenset[str]:
    """The 20,000 most common passwords, lower-case (realty_crm/data/README.md)."""
    with gzip.open(COMMON_PASSWORDS_FILE, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip() for line in lines if line.strip())


def password_problem(password: str, email: str | None = None) -> str | None:
    """Why ``password`` may not be used (for the account ``email``), or None when it may."""
    if len(password) < MIN_LENGTH:
        return _("Use at least 8 characters.")
    if len(password) > MAX_LENGTH:
        return _("Use at most 200 characters.")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in password):
        return _("contains control characters")
    if password.strip().lower() in common_passwords():
        return _("This password is one of the most common ones; choose another.")
    if len(set(password)) < MIN_DISTINCT_CHARACTERS:
        return _("This password repeats too few characters; choose another.")
    folded = password.strip().casefold()
    if email and folded in {email.casefold(), email.split("@", 1)[0].casefold()}:
        return _("Do not use your e-mail address as your password.")
    return None


def check_new_password(password: str, email: str | None = None) -> None:
    """Raise :class:`ValidationFailed` (field ``password``) unless ``password`` may be used."""
    problem = password_problem(password or "", email)
    if problem is not None:
        raise ValidationFailed(problem, {"password": problem})


def hash_method() -> str:
    """The configured hashing method (``PASSWORD_HASH_METHOD``; scrypt outside an app)."""
    return current_app.config.get("PASSWORD_HASH_METHOD", "scrypt") if has_app_context() else "scrypt"


def hash_password(password: str) -> str:
    """A salted hash of ``password`` with the configured method."""
    return generate_password_hash(password, method=hash_method())


@cache
def _dummy_hash(method: str) -> str:
    return generate_password_hash(secrets.token_urlsafe(24), method=method)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches ``password_hash``. Without a hash (no such account, or one
    without a password) a throw-away hash is checked instead, so the answer takes as long."""
    if not password_hash:
        check_password_hash(_dummy_hash(hash_method()), password)
        return False
    return check_password_hash(password_hash, password)
