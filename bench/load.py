"""Load, not just latency: many simulated users at once against the production server.

    .venv/bin/python bench/load.py                                   # SQLite, one process, 50 users, 300 s
    .venv/bin/python bench/load.py --postgres postgresql+psycopg://postgres@127.0.0.1/realty_load \\
        --workers 2 --redis redis://127.0.0.1:6379/9                # PostgreSQL, two processes, Redis limits
    .venv/bin/python bench/load.py --scale 0.05 --users 10 --duration 30   # a small validation run

It seeds the (scaled) SPEC §7 data set, starts ``realty-crm serve`` (``--workers N`` when N > 1)
and ``realty-crm scheduler`` beside it, then runs ``--users`` simulated people for ``--duration``
seconds, each in its own thread with its own connection, with think time between requests:

- agents (seven in ten) sign in once, then list, search and open their prospects, look at their
  agenda, log calls and book visits (through the web forms, as a browser sends them);
- managers (one in ten) sign in once, then open the reports, the dashboard and the workload, and
  book visits for the agents, so an agent's calendar is written by two people at once;
- visitors (two in ten) open an agency's public enquiry form, fill it in (at least its minimum
  fill time), send it, and come back later as someone else.

Every simulated user has an account of their own (no shared session or token). The run raises
the limits that would otherwise refuse this one address: ``LOGIN_RATE_LIMIT_PER_ADDRESS`` and
``API_RATE_LIMIT`` (environment) and the enquiry forms' ``submissions_per_address_per_hour``.

It reports requests per second, the round trip per operation (median / p95), errors (any answer
other than the expected one, or no answer), bookings refused because the slot was taken, and,
after the run, the double bookings in the database (non-cancelled visits of the same agent, or of
the same property, that overlap, at least one of them booked during the run), as JSON (``--out``).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

from client import CSRF, Answer, Client
from flask import Flask
from forms import TOKEN, prepare_form
from run import BIN, HOST, cli, free_port, fresh_database, percentile, seed, wait_for_server
from sqlalchemy import func, select, text

from realty_crm import create_app, tenancy
from realty_crm.extensions import db
from realty_crm.models import Agency, Property, PropertyStatus, Prospect, Role, User
from realty_crm.seed import SEED_PASSWORD

# shares of the simulated users; the rest are agents
MANAGER_SHARE = 0.1
VISITOR_SHARE = 0.2
FORM_MIN_FILL_S = 3.2  # the enquiry form refuses a submission sent sooner than 3 s after opening it
PROPERTY_POOL = 12  # properties of an agency the bookings draw from: few, so they contend for slots
PROSPECTS_PER_AGENT = 200
# what each kind of user does, by weight
AGENT_STEPS = {"list": 25, "search": 15, "open": 25, "agenda": 10, "call": 15, "book": 10}
MANAGER_STEPS = {"reports": 40, "dashboard": 25, "workload": 15, "book": 20}
CLASH = 409  # a booking refused because the agent or the property is taken then


@dataclass
class Person:
    """One simulated user: what they are, who they sign in as, and the records they work on."""

    kind: str  # "agent", "manager" or "visitor"
    agency_slug: str
    email: str | None = None
    prospect_ids: list[int] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    property_ids: list[int] = field(default_factory=list)
    agent_ids: list[int] = field(default_factory=list)  # a manager books for these agents
    form_path: str | None = None


class Recorder:
    """Round trips per operation, refusals and errors, from every thread."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.clashes: dict[str, int] = defaultdict(int)
        self.errors: dict[str, list[str]] = defaultdict(list)

    def took(self, op: str, started: float) -> None:
        """Record how long ``op`` took since ``started`` (``time.perf_counter``)."""
        with self.lock:
            self.times[op].append((time.perf_counter() - started) * 1000)

    def note(self, op: str, answer: Answer | None, expected: tuple[int, ...], started: float) -> bool:
        """Record one request of ``op``; True when it got an expected answer."""
        self.took(op, started)
        with self.lock:
            if answer is None:
                self.errors[op].append("no answer")
                return False
            if answer.status == CLASH and CLASH not in expected and op.endswith("book a visit"):
                self.clashes[op] += 1
                return True
            if answer.status not in expected:
                self.errors[op].append(f"HTTP {answer.status}")
                return False
        return True

    def fail(self, op: str, reason: str) -> None:
        """Record an error that is not an answer (a sign-in refused, a fault of the runner)."""
        with self.lock:
            self.errors[op].append(reason[:200])

    def report(self, seconds: float) -> dict[str, Any]:
        """The figures of the run: requests per second, and per operation count, median, p95."""
        operations = {}
        for op in sorted(self.times):
            values = self.times[op]
            operations[op] = {
                "requests": len(values),
                "median_ms": round(statistics.median(values), 1),
                "p95_ms": round(percentile(values, 0.95), 1),
                "errors": len(self.errors.get(op, [])),
                "slot_taken": self.clashes.get(op, 0),
            }
        # signing in happens once, before the clock starts: not part of the rate
        total = sum(len(v) for op, v in self.times.items() if not op.endswith("sign in"))
        return {
            "requests": total,
            "requests_per_second": round(total / seconds, 1),
            "errors": sum(len(v) for v in self.errors.values()),
            "error_samples": {op: sorted(set(v))[:5] for op, v in self.errors.items()},
            "slot_taken": sum(self.clashes.values()),
            "operations": operations,
        }


def cast(users: int, rng: random.Random) -> list[str]:
    """The kinds of ``users`` simulated people: managers and visitors by share, the rest agents."""
    managers = max(1, round(users * MANAGER_SHARE)) if users >= 3 else 0
    visitors = max(1, round(users * VISITOR_SHARE)) if users >= 2 else 0
    kinds = ["manager"] * managers + ["visitor"] * visitors
    kinds += ["agent"] * (users - len(kinds))
    rng.shuffle(kinds)
    return kinds


def plan_people(app: Flask, users: int, rng: random.Random) -> list[Person]:
    """Give every simulated user an account and records of their own, spread over the agencies:
    agents with the most prospects first; each agency's enquiry form made ready for visitors."""
    people: list[Person] = []
    with app.app_context():
        agencies = list(db.session.scalars(select(Agency).order_by(Agency.id)))
        staff: dict[int, dict[str, Any]] = {}
        for agency in agencies:
            with tenancy.scope(agency.id):
                counts = db.session.execute(
                    select(Prospect.assigned_agent_id, func.count())
                    .where(Prospect.assigned_agent_id.is_not(None))
                    .group_by(Prospect.assigned_agent_id)
                    .order_by(func.count().desc(), Prospect.assigned_agent_id)
                ).all()
                property_ids = list(db.session.scalars(
                    select(Property.id).where(Property.status == PropertyStatus.AVAILABLE)
                    .order_by(Property.id).limit(PROPERTY_POOL)
                ))
                staff_rows = db.session.execute(
                    select(User.email, User.role).where(User.role.in_([Role.MANAGER, Role.ADMIN]))
                    .order_by(User.id)
                ).all()
                managers = [r.email for r in sorted(staff_rows, key=lambda r: r.role != Role.MANAGER)]
            staff[agency.id] = {"slug": agency.slug, "agents": [row[0] for row in counts],
                                "properties": property_ids, "managers": managers}
        kinds = cast(users, rng)
        taken: dict[int, int] = defaultdict(int)  # agents of each agency handed out so far
        managers_of: dict[int, int] = defaultdict(int)
        # staff book visits: they work in agencies with a property on the market
        bookable = [a for a in agencies if staff[a.id]["properties"]]
        if not bookable:
            raise SystemExit("no agency has a property on the market to book visits of")
        for n, kind in enumerate(kinds):
            pool = agencies if kind == "visitor" else bookable
            agency = pool[n % len(pool)]
            facts = staff[agency.id]
            person = Person(kind, agency.slug, property_ids=facts["properties"])
            if kind == "agent":
                if taken[agency.id] >= len(facts["agents"]):
                    raise SystemExit(f"{agency.slug} has too few agents with prospects for {users} users")
                agent_id = facts["agents"][taken[agency.id]]
                taken[agency.id] += 1
                with tenancy.scope(agency.id):
                    agent = db.session.get(User, agent_id)
                    person.email = agent.email
                    rows = db.session.execute(
                        select(Prospect.id, Prospect.last_name)
                        .where(Prospect.assigned_agent_id == agent_id)
                        .order_by(Prospect.id).limit(PROSPECTS_PER_AGENT)
                    ).all()
                person.prospect_ids = [r.id for r in rows]
                person.names = [r.last_name for r in rows if r.last_name]
            elif kind == "manager":
                # the agency's manager, then its admin: every simulated user has an account of their own
                if managers_of[agency.id] >= len(facts["managers"]):
                    raise SystemExit(f"{agency.slug} has too few managers for {users} users")
                person.email = facts["managers"][managers_of[agency.id]]
                managers_of[agency.id] += 1
                person.agent_ids = facts["agents"][:20]
                with tenancy.scope(agency.id):
                    person.prospect_ids = list(db.session.scalars(
                        select(Prospect.id).order_by(Prospect.id).limit(PROSPECTS_PER_AGENT)
                    ))
            people.append(person)
        for agency in agencies:
            if any(p.kind == "visitor" and p.agency_slug == agency.slug for p in people):
                path = prepare_form(app, agency.id)
                if path is None:
                    raise SystemExit("the marketing_forms plugin is not installed: no enquiry form to send")
                for person in people:
                    if person.kind == "visitor" and person.agency_slug == agency.slug:
                        person.form_path = path
    return people


class Session:
    """One simulated user's browser: a connection, a cookie jar, the last CSRF token seen."""

    def __init__(self, port: int, person: Person, recorder: Recorder, rng: random.Random,
                 think: tuple[float, float]) -> None:
        self.client = Client(HOST, port)
        self.person, self.recorder, self.rng, self.think = person, recorder, rng, think
        self.csrf: str | None = None
        self.first_round: list[str] | None = None

    def pick(self, weights: dict[str, int]) -> str:
        """The next step: each kind once in a shuffled first round (a short run still takes them
        all), then drawn by weight."""
        if self.first_round is None:
            self.first_round = list(weights)
            self.rng.shuffle(self.first_round)
        if self.first_round:
            return self.first_round.pop()
        return self.rng.choices(list(weights), list(weights.values()))[0]

    def send(self, op: str, method: str, path: str, fields: dict[str, str] | None = None,
             expected: tuple[int, ...] = (200,)) -> Answer | None:
        """One request, timed and recorded under ``op``; keeps the page's CSRF token."""
        started = time.perf_counter()
        try:
            answer = self.client.post_form(path, fields or {}) if method == "POST" else self.client.get(path)
        except (OSError, http.client.HTTPException):  # refused, reset, cut short or timed out
            self.client.close()
            self.client = Client(HOST, self.client.port)
            answer = None
        ok = self.recorder.note(op, answer, expected, started)
        if ok and answer is not None and answer.status == 200:
            match = CSRF.search(answer.body.decode(errors="replace"))
            if match:
                self.csrf = match.group(1)
        return answer if ok else None

    def token(self) -> str:
        """The session's CSRF token (read from a page first when none was seen yet)."""
        if self.csrf is None:
            self.send(f"{self.person.kind}: dashboard", "GET", "/")
        return self.csrf or ""

    def slot(self) -> dict[str, str]:
        """A visit time the next few days, on the half hour: a small grid, so bookings contend."""
        day = date.today() + timedelta(days=self.rng.randint(1, 5))
        hour, minute = self.rng.randint(9, 17), self.rng.choice((0, 30))
        return {"day": day.isoformat(), "start": f"{hour:02d}:{minute:02d}", "duration_minutes": "45"}

    def book(self, op: str, agent_id: int | None = None) -> None:
        """Book a visit through the web form: 302 when booked, 409 when the slot is taken."""
        p = self.person
        fields = {"csrf_token": self.token(), "prospect_id": str(self.rng.choice(p.prospect_ids)),
                  "property_id": str(self.rng.choice(p.property_ids)), **self.slot()}
        if agent_id is not None:
            fields["agent_id"] = str(agent_id)
        self.send(op, "POST", "/visits/new", fields, expected=(302,))

    def agent_step(self) -> None:
        """One thing an agent does, by weight: list, search, open, agenda, log a call, book."""
        p, rng = self.person, self.rng
        step = self.pick(AGENT_STEPS)
        if step == "list":
            page = rng.choice((1, 1, 1, 2, 3))
            self.send("agent: prospect list", "GET", "/prospects" + (f"?page={page}" if page > 1 else ""))
        elif step == "search":
            name = rng.choice(p.names) if p.names else "a"
            self.send("agent: prospect search", "GET", "/prospects?" + urlencode({"q": name[:5]}))
        elif step == "open":
            self.send("agent: prospect page", "GET", f"/prospects/{rng.choice(p.prospect_ids)}")
        elif step == "agenda":
            self.send("agent: dashboard", "GET", "/")
        elif step == "call":
            fields = {"csrf_token": self.token(), "direction": rng.choice(("outbound", "inbound")),
                      "outcome": rng.choice(("answered", "no_answer", "voicemail")),
                      "duration_minutes": str(rng.randint(0, 15)), "summary": "Talked about the visit."}
            self.send("agent: log a call", "POST", f"/prospects/{rng.choice(p.prospect_ids)}/calls", fields,
                      expected=(302,))
        else:
            self.book("agent: book a visit")

    def manager_step(self) -> None:
        """One thing a manager does, by weight: reports, dashboard, workload, book for an agent."""
        step = self.pick(MANAGER_STEPS)
        if step == "reports":
            self.send("manager: reports", "GET", "/reports")
        elif step == "dashboard":
            self.send("manager: dashboard", "GET", "/")
        elif step == "workload":
            self.send("manager: agent workload", "GET", "/distribution/workload")
        else:
            self.book("manager: book a visit", self.rng.choice(self.person.agent_ids))

    def visitor_step(self, deadline: float) -> None:
        """Open the enquiry form, fill it in, send it as a new person (each time a new token)."""
        path = self.person.form_path or ""
        answer = self.send("visitor: open form", "GET", path)
        match = TOKEN.search(answer.body.decode()) if answer is not None else None
        if match is None:
            return
        fill = FORM_MIN_FILL_S + self.rng.uniform(*self.think)  # the form refuses a quicker one
        time.sleep(min(fill, max(0.0, deadline - time.time())))
        if time.time() >= deadline:
            return
        serial = secrets.token_hex(5)
        fields = {"form_token": match.group(1), "first_name": f"Visitor {serial}",
                  "email": f"visitor.{serial}@load.example.com", "area": "Centro",
                  "message": "I would like to visit this week."}
        self.send("visitor: send enquiry", "POST", path, fields)


def simulate(person: Person, port: int, recorder: Recorder, start: threading.Barrier, deadline: list[float],
             think: tuple[float, float], seed_value: int) -> None:
    """One simulated user: sign in once (staff), then act with think time until the deadline."""
    rng = random.Random(seed_value)
    session = Session(port, person, recorder, rng, think)
    try:
        if person.email:
            began = time.perf_counter()
            try:
                session.client.login(person.email, SEED_PASSWORD)
                recorder.took(f"{person.kind}: sign in", began)
            except (RuntimeError, OSError, http.client.HTTPException) as exc:
                recorder.fail(f"{person.kind}: sign in", str(exc))
        start.wait(timeout=300)
        time.sleep(rng.uniform(0, think[1]))  # arrive spread out, not all in the same second
        while time.time() < deadline[0]:
            if person.kind == "agent":
                session.agent_step()
            elif person.kind == "manager":
                session.manager_step()
            else:
                session.visitor_step(deadline[0])
            time.sleep(min(rng.uniform(*think), max(0.0, deadline[0] - time.time())))
    except Exception as exc:  # a fault of the runner itself: counted, so a run never hides it
        recorder.fail("runner", f"{type(exc).__name__}: {exc}")
        start.abort()  # nobody waits for this user at the start
        raise
    finally:
        session.client.close()


def double_bookings(app: Flask, before_id: int) -> dict[str, int]:
    """Pairs of overlapping non-cancelled visits of the same agent (and of the same property)
    where at least one was booked during the run (its id is above ``before_id``)."""
    counts = {}
    with app.app_context():
        for column in ("agent_id", "property_id"):
            counts[f"same_{column.removesuffix('_id')}"] = db.session.execute(text(
                f"SELECT count(*) FROM visits a JOIN visits b ON b.{column} = a.{column} AND b.id < a.id"
                " AND b.starts_at < a.ends_at AND a.starts_at < b.ends_at"
                " WHERE a.id > :before AND a.status != 'cancelled' AND b.status != 'cancelled'"
            ), {"before": before_id}).scalar_one()
        counts["booked_during_run"] = db.session.execute(
            text("SELECT count(*) FROM visits WHERE id > :before"), {"before": before_id}
        ).scalar_one()
    return counts


def serve_command(port: int, workers: int, threads: int) -> list[str]:
    """``realty-crm serve`` for ``workers`` processes; one process needs no ``--workers``, so
    the runner also works with a ``serve`` that has no such option."""
    command = [str(BIN / "realty-crm"), "serve", "--port", str(port), "--threads", str(threads)]
    if workers > 1:
        usage = subprocess.run([*command[:2], "--help"], capture_output=True, text=True, timeout=60).stdout
        if "--workers" not in usage:
            raise SystemExit("this realty-crm serve has no --workers option: run with --workers 1")
        command += ["--workers", str(workers)]
    return command


def last_visit_id(app: Flask) -> int:
    """The highest visit id so far: the visits above it are booked during the run."""
    with app.app_context():
        return db.session.execute(text("SELECT coalesce(max(id), 0) FROM visits")).scalar_one()


def run_load(name: str, url: str, args: argparse.Namespace) -> dict[str, Any]:
    """Seed (unless ``--reuse``), start the server and the scheduler, run the simulated users,
    stop, and count the double bookings."""
    instance = tempfile.mkdtemp(prefix="realty-load-")
    env = {**os.environ, "REALTY_CRM_DATABASE_URL": url, "REALTY_CRM_INSTANCE_PATH": instance,
           "REALTY_CRM_SECRET_KEY": secrets.token_hex(32),
           # every simulated user comes from 127.0.0.1: the per-address limits would refuse the run
           "REALTY_CRM_LOGIN_RATE_LIMIT_PER_ADDRESS": "1000000 per minute",
           "REALTY_CRM_API_RATE_LIMIT": "1000000 per minute"}
    if args.redis:
        env["REALTY_CRM_RATELIMIT_STORAGE_URI"] = args.redis
    result: dict[str, Any] = {"database": name, "workers": args.workers if name == "postgresql" else 1,
                              "rate_limit_storage": args.redis or "memory://"}
    if args.reuse:
        cli(env, "init")
    else:
        fresh_database(url)
        result["seed_seconds"] = round(seed(env, args.scale), 1)
        print(f"[{name}] seeded in {result['seed_seconds']} s", flush=True)
    port = free_port()
    log_path = Path(instance) / "server.log"
    server = subprocess.Popen(serve_command(port, result["workers"], args.threads), env=env,
                              stdout=subprocess.DEVNULL, stderr=log_path.open("w"))
    scheduler_log = Path(instance) / "scheduler.log"
    scheduler = subprocess.Popen([str(BIN / "realty-crm"), "scheduler"], env=env,
                                 stdout=subprocess.DEVNULL, stderr=scheduler_log.open("w"))
    # the runner's own reads, while the server starts
    app = create_app({"DATABASE_URL": url}, check_secret_key=False)
    recorder = Recorder()
    deadline: list[float] = []
    threads: list[threading.Thread] = []
    try:
        people = plan_people(app, args.users, random.Random(args.seed))  # while the server starts
        result["users"] = {k: sum(p.kind == k for p in people) for k in ("agent", "manager", "visitor")}
        before = last_visit_id(app)
        try:
            wait_for_server(port, server)
        except RuntimeError as exc:
            raise SystemExit(f"{exc}; its log:\n{log_path.read_text(errors='replace')[-3000:]}") from None
        start = threading.Barrier(len(people) + 1,
                                  action=lambda: deadline.append(time.time() + args.duration))
        threads = [
            threading.Thread(target=simulate, daemon=True,
                             args=(p, port, recorder, start, deadline, tuple(args.think), args.seed + n))
            for n, p in enumerate(people)
        ]
        for thread in threads:
            thread.start()
        start.wait(timeout=300)  # every staff member signed in
        began = time.time()
        print(f"[{name}] {len(people)} users for {args.duration:.0f} s on port {port}", flush=True)
        for thread in threads:
            thread.join(timeout=max(1.0, deadline[0] - time.time()) + 150)
        seconds = time.time() - began
    finally:
        for process in (server, scheduler):
            process.terminate()
        for process in (server, scheduler):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
    stuck = sum(thread.is_alive() for thread in threads)
    result.update(recorder.report(seconds))
    result["seconds"] = round(seconds, 1)
    result["users_still_waiting_at_the_end"] = stuck
    result["errors"] += stuck
    # a fault the answers do not show (after the response, or in the scheduler's jobs)
    result["server_tracebacks"] = log_path.read_text(errors="replace").count("Traceback")
    result["scheduler_tracebacks"] = scheduler_log.read_text(errors="replace").count("Traceback")
    result["double_bookings"] = double_bookings(app, before)
    result["logs"] = [str(log_path), str(scheduler_log)]
    return result


def print_run(run: dict[str, Any]) -> None:
    print(f"\n{run['database']} ({run['workers']} worker(s), limits in {run['rate_limit_storage']}): "
          f"{run['users']} for {run['seconds']} s: {run['requests_per_second']} requests/s, "
          f"errors {run['errors']}, double bookings {run['double_bookings']}")
    print(f"{'operation':32}{'requests':>10}{'median ms':>11}{'p95 ms':>9}{'errors':>8}{'slot taken':>12}")
    for op, f in run["operations"].items():
        print(f"{op:32}{f['requests']:>10}{f['median_ms']:>11}{f['p95_ms']:>9}{f['errors']:>8}"
              f"{f['slot_taken']:>12}")
    for op, samples in run["error_samples"].items():
        print(f"  errors of {op}: {samples}")


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sqlite", help="SQLite file to use (default: a new temporary file)")
    parser.add_argument("--postgres", help="a PostgreSQL URL to load as well (its database is emptied)")
    parser.add_argument("--only-postgres", action="store_true", help="skip SQLite")
    parser.add_argument("--users", type=int, default=50, help="simulated users at once (default 50)")
    parser.add_argument("--duration", type=float, default=300.0, help="seconds of load (default 300)")
    parser.add_argument("--scale", type=float, default=1.0, help="share of the SPEC §7 data set (default 1)")
    parser.add_argument("--think", type=float, nargs=2, default=(1.0, 5.0), metavar=("MIN", "MAX"),
                        help="think time between a user's requests, in seconds (default 1 5)")
    parser.add_argument("--workers", type=int, default=2,
                        help="server processes on PostgreSQL (default 2; SQLite always runs one)")
    parser.add_argument("--threads", type=int, default=8, help="waitress threads per process")
    parser.add_argument("--redis", help="rate-limit storage for the PostgreSQL run, e.g. redis://127.0.0.1:6379/9")
    parser.add_argument("--reuse", action="store_true", help="load databases seeded by an earlier run")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the simulated users")
    parser.add_argument("--out", default=str(Path(__file__).with_name("load-results.json")))
    return parser


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parser().parse_args(argv)
    targets = []
    if not args.only_postgres:
        path = args.sqlite or str(Path(tempfile.mkdtemp(prefix="realty-load-")) / "load.sqlite3")
        targets.append(("sqlite", f"sqlite:///{path}"))
    if args.postgres:
        targets.append(("postgresql", args.postgres))
    runs = []
    for name, url in targets:
        redis = args.redis
        args.redis = redis if name == "postgresql" else None  # the single process keeps its limits in memory
        runs.append(run_load(name, url, args))
        args.redis = redis
        print_run(runs[-1])
    report = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(), "python": platform.python_version(), "system": platform.platform()
        },
        "scale": args.scale, "users": args.users, "duration_s": args.duration, "think_s": list(args.think),
        "runs": {run["database"]: run for run in runs},
    }
    Path(args.out).write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nwritten to {args.out}")
    return report


if __name__ == "__main__":
    main()
