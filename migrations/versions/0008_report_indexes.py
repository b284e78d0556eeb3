"""Covering indexes for the reports: prospects created in a period, calls and visits in a period, the trash

Revision ID: 0008_report_indexes
Revises: 0007_distribution
Create Date: 2026-12-05

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0008_report_indexes'
down_revision = '0007_distribution'
branch_labels = None
depends_on = None

# each report reads these columns for a period of one agency, from the index alone
INDEXES = {
    'prospects': [
        ('ix_prospects_reports', ['agency_id', 'created_at', 'status', 'source', 'assigned_agent_id',
                                  'first_contacted_at', 'deleted_at']),
        ('ix_prospects_agency_deleted', ['agency_id', 'deleted_at']),
    ],
    'calls': [
        ('ix_calls_reports', ['agency_id', 'occurred_at', 'agent_id', 'prospect_id']),
    ],
    'visits': [
        ('ix_visits_reports', ['agency_id', 'starts_at', 'status', 'agent_id', 'property_id', 'prospect_id',
                               'rating']),
    ],
}


def upgrade():
    for table, indexes in INDEXES.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, columns in indexes:
                batch_op.create_index(name, columns, unique=False)


def downgrade():
    for table, indexes in INDEXES.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, _columns in indexes:
                batch_op.drop_index(name)
