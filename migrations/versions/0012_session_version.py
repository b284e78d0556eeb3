"""Users: a session version, raised to end every session and remember-me cookie of a user

Sessions and remember-me cookies carry ``"<user id>:<session_version>"``; logging out, changing
the password, being deactivated or "sign out everywhere" raise the version, and a cookie with an
older one no longer signs anybody in. Existing sessions (which carry the id alone) end once.

Revision ID: 0012_session_version
Revises: 0011_name_sort_indexes
Create Date: 2026-12-07

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012_session_version'
down_revision = '0011_name_sort_indexes'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("session_version", sa.Integer(), nullable=False, server_default="0"))


def downgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("session_version")
