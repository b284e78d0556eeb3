"""The job scheduler: one ``realty-crm scheduler`` process per deployment.

Jobs are declared, never added by hand: the core's own (:func:`core_jobs`) and whatever the
plugins return from ``crm_register_jobs``, as :class:`JobSpec`. When the scheduler starts it
writes each to APScheduler's ``SQLAlchemyJobStore`` (table ``apscheduler_jobs``, made by
migration 0004) under the id ``<owner>:<id>``, replacing the stored definition (the code is
the truth) while keeping the stored next run time. So a run that fell due while no scheduler
was up still happens when one comes back, provided it is no older than the misfire grace time
(``SCHEDULER_MISFIRE_GRACE_SECONDS``); several missed runs are coalesced into one. The store
records one importable stand-in function for every job (:func:`declared_job`); this module
calls the declared function itself, which is how it runs a job per agency and isolates each
call.

Each run gets an app context of its own. A ``per_agency`` job runs once per agency (the
core's in every agency, a plugin's where the plugin is enabled), inside that agency's tenancy
scope, with the agency as its argument. An exception is rolled back, logged and, for a
plugin, recorded in ``plugin_errors`` for the agency's admin; it never stops the other
agencies, the other jobs or the scheduler.

Only one process runs jobs: before running any it takes a :class:`SchedulerLock` (a
PostgreSQL advisory lock, or a file lock beside a SQLite database). A second scheduler finds
the lock taken, says so and polls until the first one is gone.
"""

from __future__ import annotations

import logging
import os
import re
import signal
import socket
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.executors.base import BaseExecutor, MaxInstancesReachedError
from apscheduler.job import Job
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from apscheduler.util import check_callable_args, ref_to_obj
from flask import Flask, current_app
from sqlalchemy import create_engine, delete, select, text
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from . import tenancy
from .database import begin_write
from .extensions import db
from .models import SCHEDULER_JOBS_TABLE, Agency, PluginError, utcnow
from .plugin_host import PluginHost
from .services.prospect_import import discard_stale

logger = logging.getLogger(__name__)

CORE = "core"
TRIGGERS: dict[str, type[BaseTrigger]] = {"interval": IntervalTrigger, "cron": CronTrigger}
INTERVAL_UNITS = ("weeks", "days", "hours", "minutes", "seconds")
# short enough for ``plugin_errors.hook`` ("job:<id>") and the job store's 191-character key
JOB_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,79}")
# a clean run quicker than this is logged at DEBUG, a slower or failing one at INFO
QUIET_RUN_SECONDS = 1.0


def identity() -> str:
    """This process, as the lock's holder and the logs name it."""
    return f"pid {os.getpid()} on {socket.gethostname()}"


# --- declarations ------------------------------------------------------------------------


@dataclass(frozen=True)
class JobSpec:
    """A scheduled job, as the core and the plugins (``crm_register_jobs``) declare it.

    ``func`` is a function or its ``"module:function"`` reference (imported when the scheduler
    starts). A ``per_agency`` job is called as ``func(agency)`` once per agency where its
    plugin is enabled (a core job: every agency), inside that agency's tenancy scope.
    Otherwise ``func()`` runs once with no agency in scope (a plugin's only while the plugin
    is enabled in at least one agency).

    ``trigger`` is ``"interval"`` (``trigger_args`` such as ``{"minutes": 5}``) or ``"cron"``
    (``{"hour": 3, "minute": 30}``), in ``SCHEDULER_TIMEZONE`` (UTC) unless the arguments give
    a ``timezone``. ``id`` is unique within its plugin: letters, digits, ``_ . -``, at most 80.

    Jobs run in parallel threads, alongside the web app: on SQLite a job that reads and then
    writes opens its write transaction first with ``realty_crm.database.begin_write()``, as
    the services do.
    """

    id: str
    func: Callable[..., Any] | str
    trigger: str
    trigger_args: Mapping[str, Any] = field(default_factory=dict)
    per_agency: bool = False
    description: str = ""


@dataclass(frozen=True)
class ScheduledJob:
    """A validated declaration: its job store key, owner, function and trigger."""

    key: str
    plugin: str | None  # None: the core's
    spec: JobSpec
    func: Callable[..., Any]
    trigger: BaseTrigger


def declared_job() -> None:
    """The function the job store records for every job: an importable stand-in.

    APScheduler stores a reference to a callable and checks it against the stored arguments,
    but the scheduler calls the declared function itself (per agency, each call isolated).
    One stable stand-in also means a stored job never fails to load because a plugin moved
    its function: the declaration, replaced at every start, says what runs."""
    raise RuntimeError("declared jobs are run by realty_crm.scheduler.JobScheduler")


class JobSpecError(ValueError):
    """A job declaration the scheduler refuses (the reason is the message)."""


class SchedulerConfigError(ValueError):
    """A ``SCHEDULER_*`` setting that cannot be used (the message names it)."""


@dataclass(frozen=True)
class SchedulerConfig:
    """The scheduler's settings, from the app config (``REALTY_CRM_SCHEDULER_*``)."""

    misfire_grace_seconds: int = 3600  # a run this late still happens; later, it is skipped
    poll_seconds: float = 15.0  # how often a waiting scheduler retries the lock (and the
    # longest the running one goes without checking it still holds the lock)
    threads: int = 4  # jobs running at the same time
    timezone: str = "UTC"  # of the triggers that name none
    error_retention_days: int = 90  # PLUGIN_ERRORS_RETENTION_DAYS: the housekeeping job's

    @classmethod
    def from_app(cls, app: Flask) -> SchedulerConfig:
        """Read and check the settings; a bad one raises ``SchedulerConfigError``."""
        config = app.config
        values = cls(
            misfire_grace_seconds=_number(config, "SCHEDULER_MISFIRE_GRACE_SECONDS",
                                          cls.misfire_grace_seconds, int, 1),
            poll_seconds=_number(config, "SCHEDULER_POLL_SECONDS", cls.poll_seconds, float, 0.01),
            threads=_number(config, "SCHEDULER_THREADS", cls.threads, int, 1),
            timezone=str(config.get("SCHEDULER_TIMEZONE", cls.timezone)),
            error_retention_days=_number(config, "PLUGIN_ERRORS_RETENTION_DAYS",
                                         cls.error_retention_days, int, 1),
        )
        try:
            ZoneInfo(values.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise SchedulerConfigError(
                f"SCHEDULER_TIMEZONE: {values.timezone!r} is not an IANA time zone."
            ) from None
        return values


def _number(config: Mapping[str, Any], key: str, default: float, kind: type, minimum: float) -> Any:
    raw = config.get(key, default)
    try:
        if isinstance(raw, bool) or (kind is int and isinstance(raw, float) and not raw.is_integer()):
            raise ValueError
        value = kind(raw)
    except (TypeError, ValueError):
        raise SchedulerConfigError(f"{key}: {raw!r} is not a number.") from None
    if value < minimum:
        raise SchedulerConfigError(f"{key}: must be at least {minimum:g}, not {raw!r}.")
    return value


# --- the core's jobs ---------------------------------------------------------------------


def core_jobs() -> list[JobSpec]:
    """The core's own jobs, declared like a plugin's."""
    return [
        JobSpec(
            id="purge_plugin_errors",
            func=purge_plugin_errors,
            trigger="cron",
            trigger_args={"hour": 3, "minute": 17},
            per_agency=True,
            description="Delete plugin errors older than PLUGIN_ERRORS_RETENTION_DAYS (90 days)",
        ),
        JobSpec(
            id="discard_stale_imports",
            func=discard_stale_imports,
            trigger="cron",
            trigger_args={"hour": 3, "minute": 47},
            per_agency=True,
            description="Delete the files of prospect imports left unconfirmed for a week",
        ),
    ]


def discard_stale_imports(agency: Agency) -> int:
    """Discard ``agency``'s prospect uploads nobody confirmed within a week; returns how many."""
    discarded = discard_stale(agency)
    if discarded:
        logger.info("discarded %d unconfirmed imports in %s", discarded, agency.slug)
    return discarded


def purge_plugin_errors(agency: Agency) -> int:
    """Delete ``agency``'s plugin errors older than the retention period; returns how many."""
    days = SchedulerConfig.from_app(current_app).error_retention_days
    cutoff = utcnow() - timedelta(days=days)
    begin_write()
    result = db.session.execute(
        delete(PluginError)
        .where(PluginError.agency_id == agency.id, PluginError.occurred_at < cutoff)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    deleted: int = result.rowcount  # type: ignore[attr-defined]
    if deleted:
        logger.info("deleted %d plugin errors older than %d days in %s", deleted, days, agency.slug)
    return deleted


# --- collecting and checking the declarations --------------------------------------------


def collect_jobs(app: Flask, config: SchedulerConfig) -> list[ScheduledJob]:
    """The core's jobs and every installed plugin's, checked.

    A refused declaration is logged, recorded for the plugin's admins, and left out; the
    other jobs are still scheduled. A plugin whose ``crm_register_jobs`` raises is recorded
    too, then off in the scheduler (``PluginHost.fail``): none of its jobs run. Call inside an
    app context."""
    host: PluginHost = app.extensions["plugin_host"]
    declared: list[tuple[str | None, Any]] = [(None, spec) for spec in core_jobs()]
    for impl in list(reversed(host.pm.hook.crm_register_jobs.get_hookimpls())):
        try:
            value = impl.function()
        except Exception as exc:
            _refuse(host, impl.plugin_name, exc)
            host.fail(impl.plugin_name, "crm_register_jobs", exc)
            continue
        if value is not None:
            declared += [(impl.plugin_name, spec) for spec in
                         (value if isinstance(value, list | tuple) else [value])]
    jobs: dict[str, ScheduledJob] = {}
    for plugin, spec in declared:
        try:
            job = _resolve(plugin, spec, config.timezone)
            if job.key in jobs:
                raise JobSpecError(f"job id {spec.id!r} is declared twice")
        except JobSpecError as exc:
            _refuse(host, plugin, exc)
            continue
        jobs[job.key] = job
    return list(jobs.values())


def _refuse(host: PluginHost, plugin: str | None, exc: Exception) -> None:
    if plugin is None:
        logger.error("a core job was refused: %s", exc)
        return
    logger.error("a job of plugin %s was refused: %s", plugin, exc)
    for agency_id in host.enabled_agency_ids(plugin):
        host.record_error(agency_id, plugin, "crm_register_jobs", exc)


def _resolve(plugin: str | None, spec: Any, timezone: str) -> ScheduledJob:
    if not isinstance(spec, JobSpec):
        raise JobSpecError(f"crm_register_jobs must return JobSpec objects, not {type(spec).__name__}")
    if not isinstance(spec.id, str) or not JOB_ID.fullmatch(spec.id):
        raise JobSpecError(
            f"job id {spec.id!r}: use 1 to 80 letters, digits, '_', '.' or '-' (starting with a "
            "letter or digit)"
        )
    return ScheduledJob(
        key=f"{plugin or CORE}:{spec.id}", plugin=plugin, spec=spec, func=_function(spec),
        trigger=_trigger(spec, timezone),
    )


def _function(spec: JobSpec) -> Callable[..., Any]:
    func: Any = spec.func
    if isinstance(func, str):
        try:
            func = ref_to_obj(func)
        except Exception as exc:  # whatever importing a plugin's module raises
            raise JobSpecError(f"job {spec.id!r}: cannot import {spec.func!r} ({exc})") from exc
    if not callable(func):
        raise JobSpecError(f"job {spec.id!r}: its function must be callable, not {type(func).__name__}")
    try:  # called as func(agency) or func(): say so now rather than at every run
        check_callable_args(func, (None,) if spec.per_agency else (), {})
    except ValueError as exc:
        takes = "the agency as its one argument" if spec.per_agency else "no argument"
        raise JobSpecError(f"job {spec.id!r}: its function must take {takes} ({exc})") from exc
    return func


def _trigger(spec: JobSpec, timezone: str) -> BaseTrigger:
    factory = TRIGGERS.get(spec.trigger) if isinstance(spec.trigger, str) else None
    if factory is None:
        raise JobSpecError(f"job {spec.id!r}: trigger must be 'interval' or 'cron', not {spec.trigger!r}")
    try:
        args = dict(spec.trigger_args)
        if factory is IntervalTrigger and timedelta(
            **{unit: args[unit] for unit in INTERVAL_UNITS if unit in args}
        ) <= timedelta(0):
            raise ValueError("the interval must be positive (weeks, days, hours, minutes, seconds)")
        args.setdefault("timezone", timezone)
        return factory(**args)
    except (TypeError, ValueError, OverflowError, KeyError) as exc:  # KeyError: unknown time zone
        raise JobSpecError(f"job {spec.id!r}: bad {spec.trigger} trigger arguments: {exc}") from exc


# --- the scheduler -----------------------------------------------------------------------


class _PoolExecutor(BaseExecutor):
    """Runs the due runs of each submitted job in a thread pool, through ``execute``."""

    def __init__(self, execute: Callable[[str, list[datetime]], None], threads: int) -> None:
        super().__init__()
        self._execute = execute
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="realty-crm-job")
        self._busy = 0
        self._idle = threading.Condition()

    def _do_submit_job(self, job: Job, run_times: list[datetime]) -> None:
        with self._idle:
            self._busy += 1
        self._pool.submit(self._run, job.id, run_times)

    def _run(self, job_id: str, run_times: list[datetime]) -> None:
        try:
            self._execute(job_id, run_times)
        except BaseException as exc:  # _execute catches the jobs' own errors; this is a bug
            self._run_job_error(job_id, exc, exc.__traceback__)
        else:
            self._run_job_success(job_id, [])
        finally:
            with self._idle:
                self._busy -= 1
                self._idle.notify_all()

    def wait(self) -> None:
        """Return once no run is in progress."""
        with self._idle:
            self._idle.wait_for(lambda: self._busy == 0)

    def shutdown(self, wait: bool = True) -> None:
        self._pool.shutdown(wait=wait)


class JobScheduler(BaseScheduler):
    """APScheduler over the app's database, driven with an explicit time.

    The process loop (:func:`run_scheduler`) and the tests call :meth:`run_due` with the
    time from ``clock`` instead of letting APScheduler read the wall clock, so tests move
    time at will."""

    def __init__(
        self, app: Flask, jobs: list[ScheduledJob], config: SchedulerConfig,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        super().__init__(timezone=UTC)
        self.app = app
        self.config = config
        self.clock = clock
        self.jobs = {job.key: job for job in jobs}
        self._executor = _PoolExecutor(self._execute, config.threads)
        self.add_executor(self._executor, "default")
        with app.app_context():
            self._store = SQLAlchemyJobStore(engine=db.engine, tablename=SCHEDULER_JOBS_TABLE)
        self.add_jobstore(self._store, "default")

    def start(self, paused: bool = False) -> None:
        """Start the job store and bring it in line with the declared jobs."""
        super().start(paused=paused)
        self.sync_jobs(self.clock())

    def shutdown(self, wait: bool = True) -> None:
        """Stop; with ``wait``, once the runs in progress have finished."""
        super().shutdown(wait)

    def wakeup(self) -> None:
        """Nothing to wake: the loop calls :meth:`run_due` itself."""

    def sync_jobs(self, now: datetime) -> None:
        """Write every declared job to the store, replacing the stored one of the same id
        (the code is the truth) but keeping its next run time, unless the trigger as declared
        now fires sooner; drop the stored jobs nobody declares any more."""
        stored = {job.id: job for job in self.get_jobs()}
        for key in stored.keys() - self.jobs.keys():
            self.remove_job(key)
            logger.info("removed job %s: no longer declared", key)
        for job in self.jobs.values():
            old = stored.get(job.key)
            times = [t for t in (job.trigger.get_next_fire_time(None, now),
                                 old.next_run_time if old else None) if t is not None]
            if not times:
                logger.warning("job %s will never run again: its trigger has no next time", job.key)
                if old is not None:
                    self.remove_job(job.key)
                continue
            self.add_job(
                declared_job, trigger=job.trigger, id=job.key, name=job.spec.description or job.key,
                replace_existing=True, next_run_time=min(times), coalesce=True,
                misfire_grace_time=self.config.misfire_grace_seconds, max_instances=1,
            )

    def run_due(self, now: datetime, *, wait: bool = False) -> list[str]:
        """Start every job due at ``now`` and move it on to its next time; returns their keys.

        APScheduler's own processing step, with the time given: runs missed meanwhile are
        coalesced into the latest, which is skipped if it is later than the misfire grace time.
        A job still running from its last time is skipped too. ``wait``: return when the
        runs started have finished.

        Every due job is moved on in the store before any is started, so the store's writes
        never meet the jobs' own (on SQLite they would queue for the one write lock)."""
        to_start: list[tuple[Job, list[datetime]]] = []
        for job in self._store.get_due_jobs(now):
            due = _due_times(job, now)
            runs = due[-1:] if job.coalesce else due
            grace = timedelta(seconds=job.misfire_grace_time)
            for missed in [t for t in runs if now - t > grace]:
                logger.warning("job %s: the run due at %s is skipped, %s late (grace %s)",
                               job.id, missed, now - missed, grace)
            runs = [t for t in runs if now - t <= grace]
            if runs:
                to_start.append((job, runs))
            following = job.trigger.get_next_fire_time(due[-1], now)
            if following is None:
                self.remove_job(job.id)
            else:
                self.modify_job(job.id, next_run_time=following)
        started: list[str] = []
        for job, runs in to_start:
            try:
                self._executor.submit_job(job, runs)
                started.append(job.id)
            except MaxInstancesReachedError:
                logger.warning("job %s is still running; its run due at %s is skipped", job.id, runs[-1])
        if wait:
            self._executor.wait()
        return started

    def seconds_until_next(self, now: datetime) -> float | None:
        """Seconds from ``now`` to the earliest next run in the store (None: no job)."""
        following = self._store.get_next_run_time()
        return None if following is None else max((following - now).total_seconds(), 0.0)

    # --- one run ---------------------------------------------------------------------------

    def _execute(self, key: str, run_times: list[datetime]) -> None:
        job = self.jobs[key]
        for run_time in run_times:
            started = time.monotonic()
            with self.app.app_context():
                agency_ids = self._agency_ids(job)
            if job.spec.per_agency:
                failed = sum(not self._attempt(job, agency_id, [agency_id]) for agency_id in agency_ids)
            elif job.plugin is None or agency_ids:
                failed = int(not self._attempt(job, None, agency_ids))
            else:
                logger.info("job %s not run: plugin %s is enabled in no agency", key, job.plugin)
                continue
            took = time.monotonic() - started
            # a job every few seconds (the enquiry queue) would fill the log with quick, clean runs
            level = logging.INFO if failed or took >= QUIET_RUN_SECONDS else logging.DEBUG
            logger.log(level, "job %s (due %s) ran in %.1fs%s", key, run_time, took,
                       f", failing {failed} time(s)" if failed else "")

    def _agency_ids(self, job: ScheduledJob) -> list[int]:
        if job.plugin is not None:
            return self.app.extensions["plugin_host"].enabled_agency_ids(job.plugin)
        if not job.spec.per_agency:
            return []
        return list(db.session.scalars(select(Agency.id).order_by(Agency.id)))

    def _attempt(self, job: ScheduledJob, agency_id: int | None, report_to: list[int]) -> bool:
        """One call of the job's function in a fresh app context; False if it raised."""
        with self.app.app_context():
            try:
                if agency_id is None:
                    job.func()
                    _commit_pending()
                else:
                    with tenancy.scope(agency_id):
                        agency = db.session.get(Agency, agency_id)
                        if agency is not None:  # None: deleted since the list was read
                            job.func(agency)
                            _commit_pending()
                return True
            except Exception as exc:
                db.session.rollback()
                if job.plugin is None:
                    logger.exception("job %s failed (agency %s)", job.key, agency_id)
                for target in report_to if job.plugin is not None else []:
                    self.app.extensions["plugin_host"].record_error(
                        target, job.plugin, f"job:{job.spec.id}", exc
                    )
                return False


def _commit_pending() -> None:
    session = db.session()
    if session.new or session.dirty or session.deleted:
        session.commit()


def _due_times(job: Job, now: datetime) -> list[datetime]:
    times: list[datetime] = []
    run_time = job.next_run_time
    while run_time is not None and run_time <= now:
        times.append(run_time)
        run_time = job.trigger.get_next_fire_time(run_time, now)
    return times


# --- one scheduler per deployment --------------------------------------------------------


class SchedulerLock(ABC):
    """The lock that lets exactly one scheduler process run jobs."""

    @abstractmethod
    def acquire(self) -> bool:
        """Take the lock if it is free, without waiting; True if this process now holds it."""

    @abstractmethod
    def held(self) -> bool:
        """Whether this process still holds the lock (checked before every round of jobs)."""

    @abstractmethod
    def release(self) -> None:
        """Let go of the lock (also what the end of the process does)."""

    @abstractmethod
    def holder(self) -> str:
        """Who holds the lock, as far as can be told, for the waiting scheduler to say."""


class AdvisoryLock(SchedulerLock):
    """PostgreSQL: a session-level ``pg_try_advisory_lock`` on a connection of its own, kept
    open for as long as this process runs jobs.

    The server drops the lock the moment that session ends (process killed, network gone),
    so a waiting scheduler takes over at its next poll: there is no lease to expire or renew.
    Needs a direct connection or a session-mode pooler (a transaction-mode PgBouncer would
    hand the session, and the lock, to someone else)."""

    # the lock's two-part key, shown in pg_locks as classid, objid: "rcrm", "schd"
    KEYS = {"a": 0x7263726D, "b": 0x73636864}

    def __init__(self, url: URL) -> None:
        self._engine = create_engine(
            url, poolclass=NullPool,
            connect_args={"application_name": f"realty-crm scheduler, {identity()}"[:63]},
        )
        self._conn: Connection | None = None

    def acquire(self) -> bool:
        conn = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            taken = conn.scalar(text("SELECT pg_try_advisory_lock(:a, :b)"), self.KEYS)
        except BaseException:
            conn.close()
            raise
        if taken:
            self._conn = conn
            return True
        conn.close()
        return False

    def held(self) -> bool:
        if self._conn is None:
            return False
        try:
            return self._conn.scalar(text("SELECT 1")) == 1  # alive session: lock still ours
        except SQLAlchemyError:
            return False

    def release(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()  # ends the session, which frees its advisory locks
            except SQLAlchemyError:
                logger.warning("could not close the scheduler lock's connection", exc_info=True)

    def holder(self) -> str:
        with self._engine.connect() as conn:
            row = conn.execute(text(
                "SELECT a.application_name, a.client_addr FROM pg_locks l "
                "JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2 "
                "AND l.classid::bigint = :a AND l.objid::bigint = :b"
            ), self.KEYS).first()
        if row is None:
            return "unknown"
        where = f" from {row.client_addr}" if row.client_addr else ""
        return f"{row.application_name or 'a session'}{where}"


class FileLock(SchedulerLock):
    """SQLite: an exclusive ``flock`` on a file next to the database.

    Chosen over a lease row because the kernel releases it the instant its holder exits,
    however it dies: no expiry to wait out, no renewal to keep up while a job runs long,
    no clocks to trust. And a SQLite database can only be shared by processes on one
    machine anyway, which is exactly the reach of a file lock. POSIX systems only."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> bool:
        import fcntl  # POSIX only; imported here so that importing JobSpec works everywhere

        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"realty-crm scheduler, {identity()}\n".encode())
        self._fd = fd
        return True

    def held(self) -> bool:
        if self._fd is None:
            return False
        try:  # the file was not deleted or replaced under us (a new one could be locked anew)
            return os.fstat(self._fd).st_ino == os.stat(self.path).st_ino
        except OSError:
            return False

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)  # closing the descriptor releases the flock; the file stays

    def holder(self) -> str:
        try:
            return self.path.read_text(encoding="utf-8").strip() or "unknown"
        except OSError:
            return "unknown"


def lock_for(engine: Engine, instance_path: str) -> SchedulerLock:
    """The scheduler lock of the database behind ``engine``."""
    if engine.dialect.name == "postgresql":
        return AdvisoryLock(engine.url)
    if engine.dialect.name == "sqlite":
        database = engine.url.database
        if not database or database == ":memory:" or database.startswith("file:"):
            return FileLock(Path(instance_path) / "scheduler.lock")
        path = Path(database).resolve()
        return FileLock(path.with_name(path.name + ".scheduler-lock"))
    raise SchedulerConfigError(f"No scheduler lock for a {engine.dialect.name} database.")


# --- the process -------------------------------------------------------------------------


def run_scheduler(
    app: Flask, stop: threading.Event, *, once: bool = False,
    echo: Callable[[str], Any] = print, clock: Callable[[], datetime] = utcnow,
) -> None:
    """Take the lock (polling while another scheduler holds it), then run jobs until
    ``stop`` is set. ``once``: run the jobs due now and return; if the lock is taken, say
    so and return at once. Losing the lock (database connection gone) pauses the jobs and
    goes back to waiting for it."""
    config = SchedulerConfig.from_app(app)
    with app.app_context():
        lock = lock_for(db.engine, app.instance_path)
    said_waiting = False
    while not stop.is_set():
        try:
            acquired = lock.acquire()
        except (SQLAlchemyError, OSError) as exc:
            logger.error("could not try the scheduler lock: %s", exc)
            acquired = False
        if not acquired:
            if once:
                echo(f"Another scheduler holds the lock ({_holder(lock)}); --once ran nothing.")
                return
            if not said_waiting:
                echo(f"Another scheduler holds the lock ({_holder(lock)}); waiting, "
                     f"trying again every {config.poll_seconds:g}s.")
                said_waiting = True
            stop.wait(config.poll_seconds)
            continue
        said_waiting = False
        try:
            lost = _run_holding(app, lock, stop, config, once, echo, clock)
        finally:
            lock.release()
        if not lost:
            return
        echo("Lost the scheduler lock (database connection gone?); jobs paused, waiting to take it again.")


def _holder(lock: SchedulerLock) -> str:
    try:
        return lock.holder()
    except (SQLAlchemyError, OSError):
        return "unknown"


def _run_holding(
    app: Flask, lock: SchedulerLock, stop: threading.Event, config: SchedulerConfig, once: bool,
    echo: Callable[[str], Any], clock: Callable[[], datetime],
) -> bool:
    """Run jobs while holding the lock; True if the lock was lost."""
    with app.app_context():
        jobs = collect_jobs(app, config)
    scheduler = JobScheduler(app, jobs, config, clock)
    scheduler.start()
    try:
        listing = ", ".join(f"{job.key} ({job.trigger})" for job in jobs) or "none"
        echo(f"Scheduler running ({identity()}); jobs: {listing}.")
        if once:
            ran = scheduler.run_due(clock(), wait=True)
            echo(f"Ran {len(ran)} due job(s){': ' + ', '.join(ran) if ran else ''}.")
            return False
        while not stop.is_set():
            if not lock.held():
                return True
            try:
                scheduler.run_due(clock())
                pause = scheduler.seconds_until_next(clock())
            except SQLAlchemyError:
                logger.exception("could not read the due jobs; trying again shortly")
                pause = None
            stop.wait(config.poll_seconds if pause is None else min(pause, config.poll_seconds))
        return False
    finally:
        scheduler.shutdown(wait=True)
        echo("Scheduler stopped." if not once else "Scheduler done.")


def serve(app: Flask, *, once: bool = False, echo: Callable[[str], Any] = print) -> None:
    """``realty-crm scheduler``: :func:`run_scheduler` until SIGTERM or SIGINT (Ctrl-C),
    which let the running jobs finish, then exit."""
    SchedulerConfig.from_app(app)  # a bad setting fails here, before any waiting
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    stop = threading.Event()

    def request_stop(signum: int, _frame: Any) -> None:
        echo(f"{signal.Signals(signum).name} received: stopping once the running jobs finish.")
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        run_scheduler(app, stop, once=once, echo=echo)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
