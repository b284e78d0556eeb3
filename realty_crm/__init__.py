"""realty-crm: an open-source CRM for estate agencies."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pluggy
from flask import Flask

hookimpl = pluggy.HookimplMarker("realty_crm")

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict[str, Any] | None = None, *, check_secret_key: bool = True) -> Flask:
    """Build the Flask application; ``config`` overrides every other setting (tests).

    Outside debugging and tests the app refuses a public, empty or short ``SECRET_KEY``
    (:class:`~realty_crm.secret_key.InsecureSecretKey`); commands that serve no requests pass
    ``check_secret_key=False``.
    """
    from . import config as config_module
    from .app import setup
    from .secret_key import ensure_secret_key

    app = Flask(
        __name__,
        instance_path=os.environ.get("REALTY_CRM_INSTANCE_PATH", str(PROJECT_ROOT / "instance")),
        template_folder=str(PROJECT_ROOT / "templates"),
    )
    config_module.load_config(app, config)
    if check_secret_key:
        ensure_secret_key(app)
    setup(app)
    return app


__all__ = ["create_app", "hookimpl"]
