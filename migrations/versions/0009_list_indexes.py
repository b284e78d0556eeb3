"""Indexes for the lists at scale: live prospects newest first, covering what lists count, page,
filter and search on; trigram search on PostgreSQL; an agent's visits with their status

The list of an agency's prospects counts its rows, pages through them (deep pages too) and
searches name/e-mail/phone fragments with ``LIKE '%…%'``. These indexes let each of those read
the index alone instead of every prospect row (bench/README.md has the figures):

- PostgreSQL: a partial index of the live (not deleted) prospects, ordered by creation, with
  the searched and filtered columns included for index-only scans; and a pg_trgm GIN index,
  so a rare fragment finds its few rows without scanning the agency.
- SQLite: one covering index (deleted_at as a key column: SQLite's planner matches
  ``deleted_at IS NULL`` as an equality and keeps the creation order after it).
- Both: ``ix_visits_agent_starts`` gains ``status``, so an agent's visits by time are read from
  the index alone; without it SQLite's planner walked the reports' covering index (agency,
  time) instead, reading every visit of the agency to find one agent's latest.

Revision ID: 0009_list_indexes
Revises: 0008_report_indexes
Create Date: 2026-12-05

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0009_list_indexes'
down_revision = '0008_report_indexes'
branch_labels = None
depends_on = None

LISTED = "search_text, status, source, assigned_agent_id"


def upgrade():
    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.drop_index("ix_visits_agent_starts")
        batch_op.create_index("ix_visits_agent_starts", ["agency_id", "agent_id", "starts_at", "status"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute(
            f"CREATE INDEX ix_prospects_live ON prospects (agency_id, created_at, id) "
            f"INCLUDE ({LISTED}) WHERE deleted_at IS NULL"
        )
        op.execute("CREATE INDEX ix_prospects_search_trgm ON prospects USING gin (search_text gin_trgm_ops)")
    else:
        op.execute(
            f"CREATE INDEX ix_prospects_live ON prospects (agency_id, deleted_at, created_at, id, {LISTED})"
        )


def downgrade():
    op.execute("DROP INDEX IF EXISTS ix_prospects_search_trgm")
    op.execute("DROP INDEX IF EXISTS ix_prospects_live")
    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.drop_index("ix_visits_agent_starts")
        batch_op.create_index("ix_visits_agent_starts", ["agency_id", "agent_id", "starts_at"])
