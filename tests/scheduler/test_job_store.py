"""The job store: made by the migration as APScheduler expects it; jobs and their next run
times survive a restart, definitions follow the code, missed runs within the grace time
still happen."""

from __future__ import annotations

from datetime import timedelta

from alembic.migration import MigrationContext
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from sqlalchemy import inspect

from realty_crm.extensions import db
from realty_crm.models import SCHEDULER_JOBS_TABLE

from .conftest import CORE_JOBS, PLUGIN, T0, JobsPlugin, hours, stored_ids, stored_next_run

ELEVEN = T0.replace(hour=11, minute=0, second=0)
TOMORROW_3AM = T0.replace(hour=3, minute=0, second=0) + timedelta(days=1)


def test_migration_makes_the_table_the_job_store_expects(app):
    theirs = SQLAlchemyJobStore(engine=db.engine).jobs_t
    inspector = inspect(db.engine)

    columns = {c["name"]: c for c in inspector.get_columns(SCHEDULER_JOBS_TABLE)}

    assert set(columns) == {c.name for c in theirs.columns}
    for column in theirs.columns:
        assert columns[column.name]["nullable"] == column.nullable, column.name
        assert columns[column.name]["type"]._type_affinity is column.type._type_affinity, column.name
    assert inspector.get_pk_constraint(SCHEDULER_JOBS_TABLE)["constrained_columns"] == ["id"]
    indexed = [ix["column_names"] for ix in inspector.get_indexes(SCHEDULER_JOBS_TABLE)]
    assert ["next_run_time"] in indexed


def test_models_and_migrations_agree_on_the_job_store_table(app):
    from alembic.autogenerate import compare_metadata

    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), db.metadata)

    assert [d for d in diff if SCHEDULER_JOBS_TABLE in repr(d)] == []


def test_next_run_time_survives_a_restart(app, plugin, scheduler, recorder, enable):
    plugin.specs = [recorder.once_per_run("tick")]
    enable()
    first = scheduler(app, at=T0)
    first.shutdown()

    # a new scheduler half an hour later does not push the 11:00 run to 11:30 + 1h
    scheduler(app, at=T0 + timedelta(minutes=30))

    assert stored_next_run("probe:tick") == ELEVEN


def test_run_missed_while_down_happens_on_restart_within_the_grace_time(
    app_factory, app, plugin, scheduler, recorder, enable
):
    plugin.specs = [recorder.once_per_run("daily", hour=3, minute=0)]
    enable()
    scheduler(app, at=T0).shutdown()
    # another process (its own app and engine) comes back at 03:40: 40 minutes late
    later = app_factory(PLUGINS_AUTOLOAD=False, EXTRA_PLUGINS=[(plugin, PLUGIN)],
                        SCHEDULER_MISFIRE_GRACE_SECONDS=3600)
    comeback = TOMORROW_3AM + timedelta(minutes=40)

    ran = scheduler(later, at=comeback).run_due(comeback, wait=True)

    assert "probe:daily" in ran
    assert len(recorder.of("daily")) == 1
    assert stored_next_run("probe:daily") == TOMORROW_3AM + timedelta(days=1)


def test_run_missed_by_more_than_the_grace_time_is_skipped_on_restart(
    app_factory, app, plugin, scheduler, recorder, enable
):
    plugin.specs = [recorder.once_per_run("daily", hour=3, minute=0)]
    enable()
    scheduler(app, at=T0).shutdown()
    later = app_factory(PLUGINS_AUTOLOAD=False, EXTRA_PLUGINS=[(plugin, PLUGIN)],
                        SCHEDULER_MISFIRE_GRACE_SECONDS=3600)
    comeback = TOMORROW_3AM + hours(2)

    scheduler(later, at=comeback).run_due(comeback, wait=True)

    assert recorder.of("daily") == []
    assert stored_next_run("probe:daily") == TOMORROW_3AM + timedelta(days=1)


def test_several_runs_missed_while_down_run_once_on_restart(app, plugin, scheduler, recorder, enable):
    plugin.specs = [recorder.once_per_run("tick")]
    enable()
    scheduler(app, at=T0).shutdown()
    comeback = ELEVEN + hours(5) + timedelta(minutes=10)  # 11:00 … 16:00 were all missed

    scheduler(app, at=comeback).run_due(comeback, wait=True)

    assert len(recorder.of("tick")) == 1
    assert stored_next_run("probe:tick") == ELEVEN + hours(6)


def test_changed_definition_replaces_the_stored_job(app, plugin, scheduler, recorder, enable):
    plugin.specs = [recorder.once_per_run("report", hour=3, minute=0)]
    enable()
    scheduler(app, at=T0).shutdown()
    assert stored_next_run("probe:report") == TOMORROW_3AM

    # the plugin now wants it every hour: the new trigger fires sooner, and rules from now on
    plugin.specs = [recorder.once_per_run("report", minute=0)]
    sched = scheduler(app, at=T0 + timedelta(minutes=5))

    assert stored_next_run("probe:report") == ELEVEN
    sched.run_due(ELEVEN, wait=True)
    assert stored_next_run("probe:report") == ELEVEN + hours(1)
    assert str(sched.get_job("probe:report").trigger) == "cron[minute='0']"


def test_job_no_longer_declared_is_dropped_from_the_store(app, plugin, scheduler, recorder, enable):
    plugin.specs = [recorder.once_per_run("kept"), recorder.once_per_run("retired")]
    enable()
    scheduler(app, at=T0).shutdown()
    assert stored_ids() >= {"probe:kept", "probe:retired", *CORE_JOBS}

    plugin.specs = [recorder.once_per_run("kept")]
    sched = scheduler(app, at=T0)

    assert stored_ids() == {"probe:kept", *CORE_JOBS}
    assert sched.run_due(ELEVEN, wait=True) == ["probe:kept"]


def test_plugin_declaring_no_jobs_leaves_only_the_core_jobs(app, plugin, scheduler):
    plugin.specs = []
    scheduler(app)

    assert stored_ids() == {*CORE_JOBS}


def test_second_plugin_cannot_clash_with_the_first_by_job_id(app_factory, recorder, scheduler):
    other = JobsPlugin(recorder.once_per_run("tick"))
    app = app_factory(PLUGINS_AUTOLOAD=False, EXTRA_PLUGINS=[
        (JobsPlugin(recorder.once_per_run("tick")), PLUGIN), (other, "other"),
    ])
    scheduler(app)

    with app.app_context():
        assert {"probe:tick", "other:tick"} <= stored_ids()
