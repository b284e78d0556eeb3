"""calendar_sync: secret calendar feed tokens

The first revision of the plugin's own Alembic branch: a new base labelled ``calendar_sync``,
depending on the core revision that created agencies and users.

Revision ID: calendar_sync_0001
Revises:
Create Date: 2026-11-24 04:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "calendar_sync_0001"
down_revision = None
branch_labels = ("calendar_sync",)
depends_on = "0001_core"


def upgrade() -> None:
    op.create_table(
        "calendar_feed_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("kind IN ('agent', 'team')", name=op.f("ck_calendar_feed_tokens_kind_known")),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_calendar_feed_tokens_agency_id_agencies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_calendar_feed_tokens_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_feed_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_calendar_feed_tokens_token_hash")),
    )
    with op.batch_alter_table("calendar_feed_tokens") as batch_op:
        batch_op.create_index(batch_op.f("ix_calendar_feed_tokens_agency_id"), ["agency_id"])
        batch_op.create_index("ix_calendar_feed_tokens_user", ["agency_id", "user_id", "revoked_at"])


def downgrade() -> None:
    op.drop_table("calendar_feed_tokens")
