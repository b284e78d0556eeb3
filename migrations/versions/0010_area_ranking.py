"""Bedrooms, size and types copied onto prospect_areas, so matching shortlists and ranks on its
index alone; a prospect in the trash is no longer "open" there

Revision ID: 0010_area_ranking
Revises: 0009_list_indexes
Create Date: 2026-12-05

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_area_ranking'
down_revision = '0009_list_indexes'
branch_labels = None
depends_on = None

LOOKUP = ['agency_id', 'area', 'operation', 'is_open', 'max_price', 'min_price', 'prospect_id']


def upgrade():
    with op.batch_alter_table('prospect_areas', schema=None) as batch_op:
        batch_op.add_column(sa.Column('min_bedrooms', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('min_area_m2', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('property_types', sa.String(length=200), nullable=False,
                                      server_default='[]'))
        batch_op.drop_index('ix_prospect_areas_lookup')
    for column, value in (("min_bedrooms", "prospects.min_bedrooms"), ("min_area_m2", "prospects.min_area_m2"),
                          ("property_types", "CAST(prospects.property_types AS TEXT)")):
        op.execute(
            f"UPDATE prospect_areas SET {column} = "
            f"(SELECT {value} FROM prospects WHERE prospects.id = prospect_areas.prospect_id)"
        )
    op.execute(
        "UPDATE prospect_areas SET is_open = false WHERE prospect_id IN "
        "(SELECT id FROM prospects WHERE deleted_at IS NOT NULL)"
    )
    with op.batch_alter_table('prospect_areas', schema=None) as batch_op:
        batch_op.create_index('ix_prospect_areas_lookup',
                              [*LOOKUP, 'min_bedrooms', 'min_area_m2', 'property_types'], unique=False)


def downgrade():
    with op.batch_alter_table('prospect_areas', schema=None) as batch_op:
        batch_op.drop_index('ix_prospect_areas_lookup')
        batch_op.drop_column('property_types')
        batch_op.drop_column('min_area_m2')
        batch_op.drop_column('min_bedrooms')
        batch_op.create_index('ix_prospect_areas_lookup', LOOKUP, unique=False)
