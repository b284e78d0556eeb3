"""Server-rendered pages, one blueprint per area."""

from __future__ import annotations

from flask import Flask

from ..policy import Action, can


def register_blueprints(app: Flask) -> None:
    """Register every web blueprint on ``app``, and the role checks templates ask."""
    from . import (
        auth,
        calendar,
        dashboard,
        distribution,
        imports,
        pickers,
        plugins_admin,
        properties,
        prospects,
        reports,
        settings,
        trash,
        users,
        visits,
    )

    app.jinja_env.globals.update(can=can, Action=Action)
    for module in (
        auth, dashboard, prospects, properties, visits, calendar, reports, trash, users, settings,
        plugins_admin,
    ):
        app.register_blueprint(module.blueprint)
    app.register_blueprint(imports.blueprint)
    app.register_blueprint(distribution.blueprint)
    app.register_blueprint(pickers.blueprint)
