"""What the in-process benchmarks share: a freshly seeded database, and percentiles."""

from __future__ import annotations

import tempfile
from pathlib import Path

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import text

from realty_crm import create_app
from realty_crm.extensions import db
from realty_crm.seed import SeedRequest, seed


def percentile(values: list[float], share: float) -> float:
    """The ``share`` quantile (nearest rank) of ``values``."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def seeded_app(database_url: str | None, request: SeedRequest, reuse: bool = False) -> Flask:
    """An app on ``database_url`` (a new temporary SQLite file when None), emptied, migrated
    and seeded with ``request`` unless ``reuse`` says it already is."""
    url = database_url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite3'}"
    app = create_app({"DATABASE_URL": url}, check_secret_key=False)
    if reuse:
        return app
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade(revision="heads")
        report = seed(request)
        print(f"seeded {dict(report.counts)} in {report.seconds:.1f} s on {db.engine.dialect.name}")
    return app
