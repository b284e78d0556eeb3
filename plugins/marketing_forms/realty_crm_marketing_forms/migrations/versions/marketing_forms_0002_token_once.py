"""marketing_forms: one submission per form token

Each form page's token carries a random nonce; a submission keeps it, and a unique index on
(form, nonce) makes a replayed token store nothing, even when two posts race. Submissions
made before this revision have none (NULL, which the index lets repeat).

Revision ID: marketing_forms_0002
Revises: marketing_forms_0001
Create Date: 2026-12-07 19:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "marketing_forms_0002"
down_revision = "marketing_forms_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("marketing_form_submissions") as batch_op:
        batch_op.add_column(sa.Column("token_nonce", sa.String(length=32), nullable=True))
        batch_op.create_index(
            "uq_marketing_form_submissions_token", ["form_id", "token_nonce"], unique=True
        )


def downgrade() -> None:
    with op.batch_alter_table("marketing_form_submissions") as batch_op:
        batch_op.drop_index("uq_marketing_form_submissions_token")
        batch_op.drop_column("token_nonce")
