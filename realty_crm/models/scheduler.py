"""The job store table of APScheduler's ``SQLAlchemyJobStore``, owned by our migrations.

Declared here, exactly as APScheduler 3 defines it (``apscheduler/jobstores/sqlalchemy.py``),
so that Alembic's comparison knows the table and the test fixtures empty it like any other.
The job store itself builds its own ``Table`` object on its own ``MetaData``; it only reads
and writes rows here (its ``create(checkfirst=True)`` finds the table already made by
migration 0004).
"""

from __future__ import annotations

import sqlalchemy as sa

from ..extensions import db

SCHEDULER_JOBS_TABLE = "apscheduler_jobs"

scheduler_jobs = sa.Table(
    SCHEDULER_JOBS_TABLE,
    db.metadata,
    # 191: the longest key MySQL indexes in utf8mb4; 25: the precision of an 8-byte float
    sa.Column("id", sa.Unicode(191), primary_key=True),
    sa.Column("next_run_time", sa.Float(25), index=True),
    sa.Column("job_state", sa.LargeBinary, nullable=False),
)
