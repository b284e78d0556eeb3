"""The key that signs sessions and remember-me cookies: never the public development key, nor an
empty or short one, outside debugging and tests; ``realty-crm demo`` makes a random one once."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask

DEV_SECRET_KEY = "dev-only-change-me"  # public: good for `--debug` and tests only
MIN_LENGTH = 32
KEY_FILE = "secret_key"  # in the instance folder, read when no other setting names a key


class InsecureSecretKey(RuntimeError):
    """The app would sign cookies with a key anyone can know or guess."""


def read_key_file(instance_path: str) -> str | None:
    """The key stored in ``instance/secret_key``, or None when there is none."""
    try:
        key = (Path(instance_path) / KEY_FILE).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return key or None


def create_key_file(instance_path: str) -> Path | None:
    """Write a random key to ``instance/secret_key`` (readable by its owner only) unless one is
    there already; returns the file when it was created."""
    path = Path(instance_path) / KEY_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return None
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(secrets.token_urlsafe(48) + "\n")
    return path


def ensure_secret_key(app: Flask) -> None:
    """Refuse to run ``app`` (outside debugging and tests) with a public, empty or short key."""
    if app.testing or app.debug:
        return
    key = app.config.get("SECRET_KEY") or ""
    if isinstance(key, bytes):
        key = key.decode("utf-8", "replace")
    if key == DEV_SECRET_KEY or len(key) < MIN_LENGTH:
        problem = "the built-in development key" if key == DEV_SECRET_KEY else (
            "no secret key" if not key else f"a secret key of only {len(key)} characters"
        )
        raise InsecureSecretKey(
            f"Refusing to start with {problem}: anyone could forge sign-in cookies. Set a random key "
            f"of at least {MIN_LENGTH} characters in REALTY_CRM_SECRET_KEY or as SECRET_KEY in "
            f"{Path(app.instance_path) / 'config.py'}, e.g. the output of "
            "python3 -c 'import secrets; print(secrets.token_urlsafe(48))'."
        )
