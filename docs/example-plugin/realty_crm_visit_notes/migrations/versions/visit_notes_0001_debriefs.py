"""visit_notes: debriefs owed after visits

The first revision of the plugin's own Alembic branch: no ``down_revision`` (a new base),
``branch_labels`` naming the branch after the plugin, and ``depends_on`` the core revision
that created the tables it refers to. ``realty-crm init`` upgrades every head, so this runs
on the first ``init`` after the plugin is installed.

Revision ID: visit_notes_0001
Revises:
Create Date: 2026-11-25 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "visit_notes_0001"
down_revision = None
branch_labels = ("visit_notes",)
depends_on = "0001_core"


def upgrade() -> None:
    op.create_table(
        "visit_notes_debriefs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("prospect_id", sa.Integer(), nullable=False),
        sa.Column("owed_since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.String(length=20), nullable=True),
        sa.Column("call_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_visit_notes_debriefs_agency_id_agencies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["visit_id"], ["visits.id"], name=op.f("fk_visit_notes_debriefs_visit_id_visits"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["users.id"], name=op.f("fk_visit_notes_debriefs_agent_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["prospect_id"], ["prospects.id"], name=op.f("fk_visit_notes_debriefs_prospect_id_prospects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["call_id"], ["calls.id"], name=op.f("fk_visit_notes_debriefs_call_id_calls"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visit_notes_debriefs")),
        sa.UniqueConstraint("visit_id", name="uq_visit_notes_debriefs_visit_id"),
    )
    with op.batch_alter_table("visit_notes_debriefs") as batch_op:
        batch_op.create_index(batch_op.f("ix_visit_notes_debriefs_agency_id"), ["agency_id"])
        batch_op.create_index("ix_visit_notes_debriefs_open", ["agency_id", "resolved_at"])
        batch_op.create_index("ix_visit_notes_debriefs_prospect", ["prospect_id", "resolved_at"])


def downgrade() -> None:
    op.drop_table("visit_notes_debriefs")
