"""No double booking at the database level on PostgreSQL: exclusion constraints on visits.

A non-cancelled visit may not overlap another of the same agent or of the same property
(half-open ranges, so 10:00-11:00 and 11:00-12:00 do not clash). SQLite relies on the
serialised write path instead (``database.begin_write``).

Revision ID: 0002_visit_exclusion
Revises: 0001_core
"""

from alembic import op

revision = "0002_visit_exclusion"
down_revision = "0001_core"
branch_labels = None
depends_on = None

CONSTRAINTS = {"ex_visits_agent_overlap": "agent_id", "ex_visits_property_overlap": "property_id"}


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    for name, column in CONSTRAINTS.items():
        op.execute(
            f"ALTER TABLE visits ADD CONSTRAINT {name} EXCLUDE USING gist "
            f"({column} WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) "
            "WHERE (status <> 'cancelled')"
        )


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in CONSTRAINTS:
        op.execute(f"ALTER TABLE visits DROP CONSTRAINT IF EXISTS {name}")
