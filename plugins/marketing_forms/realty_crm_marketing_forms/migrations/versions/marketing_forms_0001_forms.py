"""marketing_forms: enquiry forms and their submissions

The first revision of the plugin's own Alembic branch: a new base labelled
``marketing_forms``, depending on the core revision that created agencies and prospects.

Revision ID: marketing_forms_0001
Revises:
Create Date: 2026-12-05 04:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "marketing_forms_0001"
down_revision = None
branch_labels = ("marketing_forms",)
depends_on = "0001_core"


def upgrade() -> None:
    op.create_table(
        "marketing_forms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("intro", sa.Text(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("consent_text", sa.Text(), nullable=False),
        sa.Column("thank_you_message", sa.Text(), nullable=False),
        sa.Column("redirect_url", sa.String(length=500), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("spam_blocked", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_marketing_forms_agency_id_agencies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_marketing_forms")),
        sa.UniqueConstraint("agency_id", "slug", name="uq_marketing_forms_agency_slug"),
    )
    with op.batch_alter_table("marketing_forms") as batch_op:
        batch_op.create_index(batch_op.f("ix_marketing_forms_agency_id"), ["agency_id"])

    op.create_table(
        "marketing_form_submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("form_id", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            sa.Enum("pending", "processed", "failed", name="submission_status", native_enum=False,
                    create_constraint=True),
            nullable=False,
        ),
        sa.Column("prospect_data", sa.JSON(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("property_reference", sa.String(length=40), nullable=False),
        sa.Column("utm_source", sa.String(length=200), nullable=False),
        sa.Column("utm_medium", sa.String(length=200), nullable=False),
        sa.Column("utm_campaign", sa.String(length=200), nullable=False),
        sa.Column("utm_term", sa.String(length=200), nullable=False),
        sa.Column("utm_content", sa.String(length=200), nullable=False),
        sa.Column("prospect_id", sa.Integer(), nullable=True),
        sa.Column("created_prospect", sa.Boolean(), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_marketing_form_submissions_agency_id_agencies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["form_id"], ["marketing_forms.id"],
            name=op.f("fk_marketing_form_submissions_form_id_marketing_forms"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["prospect_id"], ["prospects.id"],
            name=op.f("fk_marketing_form_submissions_prospect_id_prospects"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_marketing_form_submissions")),
    )
    with op.batch_alter_table("marketing_form_submissions") as batch_op:
        batch_op.create_index(batch_op.f("ix_marketing_form_submissions_agency_id"), ["agency_id"])
        batch_op.create_index("ix_marketing_form_submissions_queue", ["agency_id", "status", "id"])
        batch_op.create_index("ix_marketing_form_submissions_form", ["agency_id", "form_id", "received_at"])


def downgrade() -> None:
    op.drop_table("marketing_form_submissions")
    op.drop_table("marketing_forms")
