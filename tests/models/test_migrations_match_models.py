"""The migrations build exactly the schema the models declare, so autogenerate stays clean;
the only differences are the indexes whose shape differs by database, which migration 0009
writes by hand (a partial covering index and a trigram index on PostgreSQL, a covering index
on SQLite), and 0011 (the list by name in each collation, on PostgreSQL)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from realty_crm.extensions import db

DATABASE_SPECIFIC = {
    "ix_prospects_live", "ix_prospects_search_trgm",
    # migration 0011: PostgreSQL's list by name in each collation
    "ix_prospects_name_es", "ix_prospects_name_und",
}


def _name(difference) -> str | None:  # type: ignore[no-untyped-def]
    subject = difference[1] if isinstance(difference, tuple) else None
    return getattr(subject, "name", None)


def test_the_migrated_schema_is_the_models_schema(app):
    with db.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), db.metadata)

    assert [d for d in differences if _name(d) not in DATABASE_SPECIFIC] == []
