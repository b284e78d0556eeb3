"""Server-rendered pages, one blueprint per area."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    """Register every web blueprint on ``app``."""
    from . import auth, dashboard

    app.register_blueprint(auth.blueprint)
    app.register_blueprint(dashboard.blueprint)
