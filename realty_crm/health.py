"""Health checks for load balancers and orchestrators: ``/healthz`` and ``/readyz``.

``/healthz`` says the process answers (no database access); ``/readyz`` says it can serve:
the database answers and its schema is at the migrations' heads (the core's and every
installed plugin's branch). Neither needs a sign-in nor counts against a rate limit.
"""

from __future__ import annotations

from alembic.script import ScriptDirectory
from flask import Blueprint, Flask, Response, current_app, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import inspect, text
from sqlalchemy.exc import SQLAlchemyError

from .extensions import db, limiter

blueprint = Blueprint("health", __name__)

VERSION_TABLE = "alembic_version"
ENDPOINTS = frozenset({"health.healthz", "health.readyz"})


def migration_script(app: Flask) -> ScriptDirectory:
    """The app's migration scripts: the core's and every installed plugin's branch."""
    with app.app_context():
        return ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())


def migration_heads(app: Flask) -> set[str]:
    """The revisions a current database is at: the heads of every migration branch."""
    return set(migration_script(app).get_heads())


def known_revisions(app: Flask) -> set[str]:
    """Every revision of the app's migration scripts."""
    return {script.revision for script in migration_script(app).walk_revisions()}


def database_revisions() -> set[str]:
    """The revisions recorded in the app's database (empty for a database never migrated);
    raises ``SQLAlchemyError`` when the database does not answer."""
    with db.engine.connect() as connection:
        if not inspect(connection).has_table(VERSION_TABLE):
            return set()
        return set(connection.scalars(text(f"SELECT version_num FROM {VERSION_TABLE}")))


def _revisions() -> tuple[set[str], set[str]]:
    """The scripts' heads and all their revisions, read from the migration files once per app."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    found = app.extensions.get("realty_crm_revisions")
    if found is None:
        found = app.extensions["realty_crm_revisions"] = (migration_heads(app), known_revisions(app))
    return found


@blueprint.after_request
def _never_cached(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.get("/healthz")
@limiter.exempt
def healthz() -> ResponseReturnValue:
    """200 while the process answers requests."""
    return jsonify(status="ok")


@blueprint.get("/readyz")
@limiter.exempt
def readyz() -> ResponseReturnValue:
    """200 when the database answers and is fully migrated, else 503 with the reason."""
    try:
        current = database_revisions()
    except SQLAlchemyError as exc:
        detail = type(exc.orig if getattr(exc, "orig", None) is not None else exc).__name__
        return jsonify(status="unavailable", reason="database_unreachable", detail=detail), 503
    expected, known = _revisions()
    if current != expected:
        newer = not current <= known
        return jsonify(
            status="unavailable",
            reason="unknown_revision" if newer else "migrations_pending",
            database=sorted(current),
            expected=sorted(expected),
            detail="The database was migrated by a newer realty-crm; run that version."
            if newer else "Run 'realty-crm init' to migrate the database.",
        ), 503
    return jsonify(status="ok", revisions=sorted(current))
