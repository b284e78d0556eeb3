"""PostgreSQL: the prospect list by name, in each reader's collation, read from an index

The list sorted by name orders by ``last_name, first_name`` under the reader's ICU collation
(``es-x-icu`` for Spanish, ``und-x-icu`` otherwise: see realty_crm/collation.py). Without an
index of the same collation PostgreSQL sorted an agency's live prospects for every page
(20,000 prospects: 37 ms); with one, a page is an index scan (0.08 ms). SQLite sorts with
collations the app registers on its connections: an index of them would make the database
file unreadable to any other client, so it has none.

Revision ID: 0011_name_sort_indexes
Revises: 0010_area_ranking
Create Date: 2026-12-07

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0011_name_sort_indexes'
down_revision = '0010_area_ranking'
branch_labels = None
depends_on = None

# index name: ICU collation (realty_crm.collation.COLLATIONS)
INDEXES = {"ix_prospects_name_es": "es-x-icu", "ix_prospects_name_und": "und-x-icu"}


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, collation in INDEXES.items():
        op.execute(
            f'CREATE INDEX {name} ON prospects (agency_id, last_name COLLATE "{collation}", '
            f'first_name COLLATE "{collation}", id) WHERE deleted_at IS NULL'
        )


def downgrade():
    for name in INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
