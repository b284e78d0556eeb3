"""The SPEC §7 benchmark: seed the data set, serve it with the production server, time every
operation, and compare each list and search with the same SQL sent straight to the database.

    .venv/bin/python bench/run.py                                  # SQLite (a fresh temporary file)
    .venv/bin/python bench/run.py --postgres postgresql+psycopg://postgres@127.0.0.1/realty_bench
    .venv/bin/python bench/run.py --scale 0.1 --samples 20         # a tenth of the data, quicker

For each database it: creates the schema (``realty-crm init``), seeds the whole data set
(``realty-crm seed``, timed), starts ``realty-crm serve`` (waitress) with ``Server-Timing``
on, signs in a manager and an agent of the first agency, sends each operation ``--samples``
times, reads the app's own time from ``Server-Timing`` (and the round trip as the client saw
it), times the floors in-process, watches the server's resident memory, streams an export,
and prints a table (median / p95 in ms) that it also writes as JSON (``--out``).
A PostgreSQL database given with ``--postgres`` is emptied first.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from client import Client
from flask import Flask
from forms import measure_forms, prepare_form
from operations import Case, Operation, Sample, operations
from sqlalchemy import Select, func, select, text

from realty_crm import create_app, plugin_host, tenancy
from realty_crm.extensions import db
from realty_crm.models import Agency, Call, Property, Prospect, Role, User, Visit
from realty_crm.seed import SEED_PASSWORD
from realty_crm.services import accounts, plugins

BIN = Path(sys.executable).parent
# rows of the export whose memory is watched (issue: 200,000 rows stream in constant memory)
EXPORT_ROWS = 200_000
FORMS_TARGET = 200  # public form submissions per second, SPEC §7
SPEC_SET = {"agencies": 10, "prospects": 200_000, "properties": 20_000, "visits": 500_000, "calls": 1_000_000}
HOST = "127.0.0.1"


def percentile(values: list[float], share: float) -> float:
    """The ``share`` quantile (nearest rank) of ``values``."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def summary(values: list[float]) -> dict[str, float]:
    return {"median": round(statistics.median(values), 2), "p95": round(percentile(values, 0.95), 2)}


class RssWatcher(threading.Thread):
    """Samples a process's resident memory (``VmRSS``) every 20 ms; keeps the peak."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_kb = 0
        self.stopped = threading.Event()

    def current_kb(self) -> int:
        try:
            for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        except OSError:
            pass
        return 0

    def run(self) -> None:
        while not self.stopped.wait(0.02):
            self.peak_kb = max(self.peak_kb, self.current_kb())


@dataclass
class DatabaseRun:
    """What one database's run measured."""

    name: str
    seed_seconds: float | None = None
    operations: dict[str, dict[str, Any]] = field(default_factory=dict)
    forms: dict[str, Any] = field(default_factory=dict)
    memory: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def cli(env: dict[str, str], *args: str) -> str:
    """Run ``realty-crm ARGS`` and return its output (raising on failure)."""
    result = subprocess.run([str(BIN / "realty-crm"), *args], env=env, capture_output=True, text=True)
    if result.returncode:
        raise RuntimeError(f"realty-crm {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def fresh_database(url: str) -> None:
    """Empty the database of ``url`` (a PostgreSQL schema is dropped and recreated)."""
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    app = create_app({"DATABASE_URL": url}, check_secret_key=False)
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))


def seed(env: dict[str, str], scale: float) -> float:
    """Create the schema and seed the (scaled) SPEC §7 set; returns the seed's seconds."""
    cli(env, "init")
    counts = {k: str(max(1, round(v * scale))) if k != "agencies" else str(v) for k, v in SPEC_SET.items()}
    started = time.perf_counter()
    cli(env, "seed", *[f"--{k}={v}" for k, v in counts.items()])
    return time.perf_counter() - started


def prepare(url: str) -> tuple[Flask, int, int, str, str | None]:
    """The app, the first agency, its busiest agent, a manager's API token and the agent's ICS feed path."""
    app = create_app({"DATABASE_URL": url}, check_secret_key=False)
    with app.app_context():
        agency = db.session.scalars(select(Agency).order_by(Agency.id)).first()
        if agency is None:
            raise RuntimeError("the database holds no agency: seed it first")
        agency_id = agency.id
        with tenancy.scope(agency_id):
            manager = db.session.scalars(
                select(User).where(User.role == Role.MANAGER).order_by(User.id)
            ).first()
            agent_id = db.session.scalar(
                select(Visit.agent_id).group_by(Visit.agent_id).order_by(func.count().desc()).limit(1)
            )
            _token, secret = accounts.create_token(manager, "benchmark")
            ics_path = None
            if "calendar_sync" in plugin_host.get_host().names:
                plugins.set_enabled(None, agency, "calendar_sync", True)
                from realty_crm_calendar_sync.feeds import create_feed

                agent = db.session.get(User, agent_id)
                _feed, feed_secret = create_feed(agent, "agent")
                ics_path = f"/calendar/{feed_secret}.ics"
    return app, agency_id, agent_id, secret, ics_path


def load_sample(agency_id: int, agent_id: int, ics_path: str | None) -> Sample:
    """The records and texts the operations draw from (read inside ``app``'s context)."""
    rng = random.Random(7)
    with tenancy.scope(agency_id):
        manager = db.session.scalars(select(User).where(User.role == Role.MANAGER).order_by(User.id)).first()
        agent = db.session.get(User, agent_id)
        rows = db.session.execute(
            select(Prospect.id, Prospect.last_name, Prospect.email, Prospect.phone).limit(5000)
        ).all()
        rows = rng.sample(rows, min(500, len(rows)))
        property_ids = list(db.session.scalars(select(Property.id).limit(5000)))
        areas = [a for a in db.session.scalars(select(Property.area).distinct().limit(50)) if a]
        total = db.session.scalar(select(func.count()).select_from(Prospect)) or 0
    return Sample(
        agency_id=agency_id, manager=manager, agent=agent,
        prospect_ids=[r.id for r in rows], property_ids=rng.sample(property_ids, min(500, len(property_ids))),
        names=[r.last_name for r in rows if r.last_name],
        emails=[r.email.split("@")[0] for r in rows if r.email],
        phones=[r.phone.lstrip("+") for r in rows if r.phone],
        areas=areas, prospect_total=total, ics_path=ics_path,
    )


def wait_for_server(port: int, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the server exited at start-up")
        try:
            with socket.create_connection((HOST, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the server did not start")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def time_floor(statements: list[Select]) -> float:
    """Milliseconds the database takes for ``statements`` sent as raw SQL through the driver."""
    engine = db.engine
    compiled = [s.compile(dialect=engine.dialect) for s in statements]
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        started = time.perf_counter()
        for c in compiled:
            params = c.params
            if c.positional:
                params = tuple(params[name] for name in c.positiontup)  # type: ignore[union-attr]
            cursor.execute(str(c), params)
            cursor.fetchall()
        elapsed = (time.perf_counter() - started) * 1000
        raw.rollback()
        return elapsed
    finally:
        raw.close()


def measure(
    op: Operation, client: Client, samples: int, rng: random.Random
) -> tuple[dict[str, Any], list[Case]]:
    """Send ``samples`` cases of ``op`` (after two warm-ups); the figures and the cases sent."""
    server, round_trip, cases, errors = [], [], [], 0
    for index in range(samples + 2):
        case = op.draw(rng)
        answer = client.get(case.path)
        if answer.status != 200:
            errors += 1
            continue
        if index < 2:
            continue
        cases.append(case)
        round_trip.append(answer.client_ms)
        if answer.server_ms is not None:
            server.append(answer.server_ms)
    result: dict[str, Any] = {"target_ms": op.target_ms, "errors": errors}
    if server:
        result.update(summary(server))
        result["client"] = summary(round_trip)
        if op.target_ms is not None:
            result["meets_target"] = result["p95"] <= op.target_ms
    return result, cases


def stream_export(client: Client, watcher: RssWatcher, path: str) -> dict[str, Any]:
    """Download an export in 64 KiB reads and note the server's memory before and at its peak."""
    before = watcher.current_kb()
    watcher.peak_kb = before
    answer = client.request("GET", path, read_chunk=65536)
    return {
        "path": path, "status": answer.status, "bytes": int(answer.body or b"0"),
        "seconds": round(answer.client_ms / 1000, 2),
        "rss_before_mb": round(before / 1024, 1), "rss_peak_mb": round(watcher.peak_kb / 1024, 1),
    }


def run_database(name: str, url: str, args: argparse.Namespace) -> DatabaseRun:
    """Seed (unless ``--reuse``), serve and measure one database."""
    result = DatabaseRun(name)
    env = {**os.environ, "REALTY_CRM_DATABASE_URL": url, "REALTY_CRM_SERVER_TIMING": "true",
           "REALTY_CRM_API_RATE_LIMIT": "1000000 per minute",
           "REALTY_CRM_SECRET_KEY": secrets.token_urlsafe(48),  # serve refuses the public dev key
           "REALTY_CRM_INSTANCE_PATH": tempfile.mkdtemp(prefix="realty-bench-")}
    if not args.reuse:
        fresh_database(url)
        result.seed_seconds = round(seed(env, args.scale), 1)
        print(f"[{name}] seeded in {result.seed_seconds} s", flush=True)
    else:
        cli(env, "init")  # migrations added since the seed (a new plugin's tables)
    app, agency_id, agent_id, token, ics_path = prepare(url)
    port = free_port()
    # the server's log goes to a file: a pipe nobody reads fills up under concurrent load
    # (waitress warns of its queue depth) and would stall the server
    log_path = Path(env["REALTY_CRM_INSTANCE_PATH"]) / "server.log"
    print(f"[{name}] server log: {log_path}", flush=True)
    server = subprocess.Popen([str(BIN / "realty-crm"), "serve", "--port", str(port), "--threads",
                               str(args.threads)], env=env, stdout=subprocess.DEVNULL,
                              stderr=log_path.open("w"))
    watcher = RssWatcher(server.pid)
    try:
        wait_for_server(port, server)
        watcher.start()
        with app.app_context():
            sample = load_sample(agency_id, agent_id, ics_path)
            clients = {
                "manager": Client(HOST, port), "agent": Client(HOST, port),
                "manager_api": Client(HOST, port, token=token), "public": Client(HOST, port),
            }
            clients["manager"].login(sample.manager.email, SEED_PASSWORD)
            clients["agent"].login(sample.agent.email, SEED_PASSWORD)
            rng = random.Random(11)
            for op in operations(sample):
                figures, cases = measure(op, clients[op.who], args.samples, rng)
                floors = [time_floor(c.floor) for c in cases if c.floor]
                if floors and "median" in figures:
                    figures["floor"] = summary(floors)
                    floor = max(figures["floor"]["median"], 0.01)
                    figures["ratio_to_floor"] = round(figures["median"] / floor, 1)
                result.operations[op.name] = figures
                print(f"[{name}] {op.name:40} {figures.get('median', '-')!s:>8} ms median "
                      f"{figures.get('p95', '-')!s:>8} ms p95", flush=True)
            result.memory["serving_peak_mb"] = round(watcher.peak_kb / 1024, 1)
            for client in clients.values():
                client.close()
        form_path = prepare_form(app, agency_id)
        if form_path is None:
            result.notes.append(
                "public form submissions not measured: the marketing_forms plugin is not installed"
            )
        else:
            result.forms = submit_forms(app, agency_id, port, form_path, env)
            print(f"[{name}] form submissions: {result.forms['per_second']}/s accepted, "
                  f"{result.forms['processed_per_second']}/s made into prospects", flush=True)
        # the exports last: they stream every call of the agency, topped up to EXPORT_ROWS
        top_up_calls(app, agency_id, env, round(EXPORT_ROWS * args.scale))
        exporter = Client(HOST, port, token=token)
        # each twice, and the CSV thrice: served by different threads, a leak or a per-thread
        # high-water mark would show as a climb from one to the next
        result.memory["exports"] = [
            stream_export(exporter, watcher, f"/api/v1/exports/calls.{fmt}")
            for fmt in ("csv", "csv", "csv", "xlsx", "xlsx")
        ]
        peak_mb = round(watcher.peak_kb / 1024, 1)
        result.memory["serving_peak_mb"] = max(result.memory["serving_peak_mb"], peak_mb)
        exporter.close()
    finally:
        watcher.stopped.set()
        server.terminate()
        server.wait(timeout=30)
    return result


def submit_forms(app: Flask, agency_id: int, port: int, path: str, env: dict[str, str]) -> dict[str, Any]:
    """Public form submissions per second, with the scheduler running beside the server (as in
    production: it processes what the web workers leave during a burst)."""
    scheduler = subprocess.Popen([str(BIN / "realty-crm"), "scheduler"], env=env,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        return measure_forms(app, agency_id, port, path)
    finally:
        scheduler.terminate()
        scheduler.wait(timeout=30)


def top_up_calls(app: Flask, agency_id: int, env: dict[str, str], rows: int) -> None:
    """Seed more calls into the agency until it holds ``rows`` (the export measured)."""
    with app.app_context(), tenancy.scope(agency_id):
        have = db.session.scalar(select(func.count()).select_from(Call))
        slug = db.session.get(Agency, agency_id).slug
    if have < rows:
        cli(env, "seed", f"--calls={rows - have}", f"--agency={slug}")


def print_table(runs: list[DatabaseRun]) -> None:
    names = list(dict.fromkeys(op for run in runs for op in run.operations))
    header = f"{'operation':42}" + "".join(f"{run.name + ' median/p95 ms':>28}{'× floor':>9}" for run in runs)
    print("\n" + header)
    print("-" * len(header))
    for op in names:
        line = f"{op:42}"
        for run in runs:
            f = run.operations.get(op, {})
            cell = f"{f['median']:.1f} / {f['p95']:.1f}" if "median" in f else "error"
            if f and not f.get("meets_target", True):
                cell += " !"
            line += f"{cell:>28}{f.get('ratio_to_floor', ''):>9}"
        print(line)
    for run in runs:
        print(f"\n{run.name}: seed {run.seed_seconds} s; "
              f"server peak RSS {run.memory.get('serving_peak_mb')} MB")
        for export in run.memory.get("exports", []):
            print(f"  export {export}")
        if run.forms:
            f = run.forms
            print(f"  public form: {f['per_second']}/s accepted over {f['seconds']:.0f} s by {f['visitors']} "
                  f"visitors (target >= {FORMS_TARGET}), median {f['median_ms']} ms, p95 {f['p95_ms']} ms; "
                  f"{f['processed_per_second']}/s made into prospects, queue empty "
                  f"{f['backlog_drained_s']} s after the last")
        for note in run.notes:
            print(f"  note: {note}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sqlite", help="SQLite file to use (default: a new temporary file)")
    parser.add_argument("--postgres", help="a PostgreSQL URL to measure as well (its database is emptied)")
    parser.add_argument("--only-postgres", action="store_true", help="skip SQLite")
    parser.add_argument("--scale", type=float, default=1.0, help="share of the SPEC §7 data set (default 1)")
    parser.add_argument("--samples", type=int, default=40, help="requests per operation")
    parser.add_argument("--threads", type=int, default=8, help="waitress threads (as realty-crm serve)")
    parser.add_argument("--reuse", action="store_true", help="measure databases seeded by an earlier run")
    parser.add_argument("--out", default=str(Path(__file__).with_name("results.json")))
    args = parser.parse_args()
    targets = []
    if not args.only_postgres:
        path = args.sqlite or str(Path(tempfile.mkdtemp(prefix="realty-bench-")) / "bench.sqlite3")
        targets.append(("sqlite", f"sqlite:///{path}"))
    if args.postgres:
        targets.append(("postgresql", args.postgres))
    runs = [run_database(name, url, args) for name, url in targets]
    print_table(runs)
    report = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(), "python": platform.python_version(), "system": platform.platform()
        },
        "scale": args.scale, "samples": args.samples, "threads": args.threads,
        "databases": {run.name: vars(run) for run in runs},
    }
    Path(args.out).write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nwritten to {args.out}")


if __name__ == "__main__":
    main()
