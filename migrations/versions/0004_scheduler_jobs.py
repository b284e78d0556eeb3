"""scheduler job store

Revision ID: 0004_scheduler_jobs
Revises: 0003_plugin_state
Create Date: 2026-11-25 09:00:00.000000

The table of APScheduler 3's SQLAlchemyJobStore, column for column as the job store defines
it (id Unicode(191) primary key, next_run_time Float(25) indexed, job_state LargeBinary), so
``realty-crm scheduler`` never creates tables itself. No lock table: PostgreSQL uses an
advisory lock and SQLite a file lock next to the database (see realty_crm/scheduler.py).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004_scheduler_jobs'
down_revision = '0003_plugin_state'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('apscheduler_jobs',
    sa.Column('id', sa.Unicode(length=191), nullable=False),
    sa.Column('next_run_time', sa.Float(precision=25), nullable=True),
    sa.Column('job_state', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_apscheduler_jobs'))
    )
    with op.batch_alter_table('apscheduler_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_apscheduler_jobs_next_run_time'), ['next_run_time'], unique=False)


def downgrade():
    with op.batch_alter_table('apscheduler_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_apscheduler_jobs_next_run_time'))

    op.drop_table('apscheduler_jobs')
