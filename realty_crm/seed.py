"""``realty-crm seed``: realistic synthetic data, fast, for the benchmarks of SPEC §7.

Rows are generated in Python from a seeded random generator and written in bulk: with
SQLAlchemy Core ``insert()`` and executemany batches on SQLite, with ``COPY`` on
PostgreSQL. The ORM and the per-record services are bypassed for speed, so every rule
the app relies on is kept here by construction:

- e-mails and phones are unique per agency (a running number is part of both; a phone
  is a bijection of it), phones are E.164, every enum value is a valid one;
- ``search_text`` is computed by the services' own ``search_text`` functions;
- visits sit on a grid of one-hour slots, and within a slot each agent and each property
  appear at most once, so no two visits of an agent or of a property overlap (visits
  already in the agency are kept clear of as well); past visits are done, cancelled or
  no-shows, future ones scheduled, confirmed or cancelled;
- calls are in the past, after the prospect's creation, and ``last_contacted_at`` /
  ``first_contacted_at`` are set from them; open follow-ups set ``next_follow_up_at``;
- every prospect and property gets its "created" timeline entry.

Each agency is written in one transaction: a failure leaves no half-seeded agency.
"""

from __future__ import annotations

import json
import math
import random
import time
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from itertools import islice
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy import func, select, text
from sqlalchemy.engine import Connection

from .database import IMMEDIATE
from .demo import (
    CALL_SUMMARIES_EN,
    CALL_SUMMARIES_ES,
    CITY_CODES,
    EMAIL_DOMAINS,
    ENGLISH_FIRST_NAMES,
    ENGLISH_SURNAMES,
    FEEDBACK_EN,
    FEEDBACK_ES,
    FOLLOW_UP_TITLES,
    LOST_REASONS,
    NEIGHBOURHOODS,
    PORTALS,
    SPANISH_FIRST_NAMES,
    SPANISH_SURNAMES,
    TAGS,
    Neighbourhood,
    ascii_slug,
    property_listing,
    requirements,
    spanish_mobile,
)
from .extensions import db
from .models import (
    Activity,
    Agency,
    Call,
    FollowUp,
    Property,
    Prospect,
    ProspectArea,
    Role,
    User,
    Visit,
    area_keys,
    utcnow,
)
from .services.accounts import create_agency
from .services.properties import search_text as property_search_text
from .services.prospects import search_text as prospect_search_text

SEED_PASSWORD = "seed-password"
AGENTS_PER_AGENCY = 20
BATCH_ROWS = 10_000
DAY = 86_400
HISTORY_DAYS = 730
# share of a slot's agents that are out on a visit, and of the visit grid lying ahead of now
SLOT_DENSITY = 0.5
FUTURE_SHARE = 0.12
# visit start times (local hours); Saturdays only the morning
WEEKDAY_HOURS = tuple(range(9, 19))
SATURDAY_HOURS = (10, 11, 12, 13)
VISIT_MINUTES = (30, 45, 45, 60)
# a visit's prospect is one of the agent's most recent leads at the time
RECENT_LEADS = 300

AGENCY_NAMES = (
    "Inmobiliaria Alcalá", "Fincas Diagonal", "Casas del Turia", "Pisos Triana", "Hogar Costa del Sol",
    "Inmuebles Castellana", "Llar Gràcia", "Vivienda Norte", "Hábitat Levante", "Casa Nostra",
)
CITY_ROTATION = ("Madrid", "Barcelona", "Valencia", "Sevilla", "Málaga")
PROSPECT_STATUSES = ("new", "contacted", "qualified", "visiting", "offer", "won", "lost")
STATUS_WEIGHTS = (7, 25, 20, 15, 5, 8, 20)
OPEN = frozenset(PROSPECT_STATUSES[:5])
SOURCES = ("portal", "web_form", "phone", "walk_in", "referral", "email", "other")
SOURCE_WEIGHTS = (35, 22, 14, 7, 12, 7, 3)
PROPERTY_STATUSES = ("available", "reserved", "sold", "draft", "withdrawn")
PROPERTY_STATUS_WEIGHTS = (70, 8, 12, 5, 5)
BOOKABLE = frozenset({"available", "reserved"})
CALL_OUTCOMES = ("answered", "no_answer", "voicemail", "busy", "wrong_number")
CALL_OUTCOME_WEIGHTS = (60, 20, 12, 5, 3)
CANCEL_REASONS = (
    "El cliente no puede ese día.", "Prospect found another place.", "La propiedad ya está reservada.",
)


class SeedError(Exception):
    """The request cannot be seeded (unknown agency, nothing to attach visits to...)."""


@dataclass(frozen=True)
class SeedRequest:
    """How much to generate (totals, split evenly over the agencies) and where."""

    prospects: int = 0
    properties: int = 0
    visits: int = 0
    calls: int = 0
    agencies: int | None = None
    agency_slug: str | None = None
    seed: int = 1


@dataclass
class SeedReport:
    """What was written, where, and how long it took."""

    agencies: list[str] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    # asked for but not written: visits beyond the free slots, calls of an agency left without prospects
    shortfall: Counter[str] = field(default_factory=Counter)


def split(total: int, parts: int) -> list[int]:
    """``total`` spread over ``parts`` as evenly as whole numbers allow."""
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def seed(request: SeedRequest, echo: Callable[[str], None] = lambda _line: None) -> SeedReport:
    """Generate and write the requested data; ``SeedError`` before anything is written if it cannot."""
    started = time.perf_counter()
    report = SeedReport()
    if request.agency_slug is not None:
        agency = db.session.scalars(select(Agency).where(Agency.slug == request.agency_slug)).first()
        if agency is None:
            raise SeedError(f"No agency with slug {request.agency_slug!r}.")
        tenant = _Tenant.existing(agency)
        _check_pools(tenant, request.prospects, request.properties, request.visits, request.calls)
        plan = [(tenant, request.prospects, request.properties, request.visits, request.calls)]
    else:
        count = request.agencies or 1
        if request.visits and not (request.prospects and request.properties):
            raise SeedError("Visits need prospects and properties: give --prospects and --properties too.")
        if request.calls and not request.prospects:
            raise SeedError("Calls need prospects: give --prospects too.")
        shares = zip(*(split(n, count) for n in (request.prospects, request.properties,
                                                     request.visits, request.calls)), strict=True)
        plan = [(None, *share) for share in shares]  # type: ignore[misc]
    # one hash for every seeded user, made the way the app makes them (and checks them)
    sample = User()
    sample.set_password(SEED_PASSWORD)
    password_hash = sample.password_hash or ""
    slugs = _free_slugs(sum(1 for entry in plan if entry[0] is None))
    for index, (tenant, prospects, properties, visits, calls) in enumerate(plan):
        step = time.perf_counter()
        rng = random.Random(f"{request.seed}:{index}")
        new_agency = None
        if tenant is None:
            new_agency = _new_agency(slugs[index], index, rng)
            tenant = _Tenant.new(new_agency, index)
        # end the session's read transaction: on SQLite its old snapshot would block later writes
        db.session.commit()
        try:
            counts = _AgencySeeder(tenant, rng, password_hash).run(prospects, properties, visits, calls)
        except BaseException:
            if new_agency is not None:
                db.session.execute(sa.delete(Agency).where(Agency.id == new_agency.id))
                db.session.commit()
            raise
        report.agencies.append(tenant.slug)
        report.counts.update(counts)
        report.shortfall.update(visits=visits - counts["visits"], calls=calls - counts["calls"])
        echo(f"  {tenant.slug}: " + ", ".join(f"{n:,} {k.replace('_', '-')}" for k, n in counts.items())
             + f" ({time.perf_counter() - step:.1f} s)")
    _analyze()
    report.seconds = time.perf_counter() - started
    return report


def _check_pools(tenant: _Tenant, prospects: int, properties: int, visits: int, calls: int) -> None:
    if not tenant.agent_ids:
        raise SeedError(f"Agency {tenant.slug!r} has no active users to act as agents; add some first.")
    have_prospects = prospects or tenant.existing_prospects
    have_properties = properties or tenant.existing_properties
    if visits and not (have_prospects and have_properties):
        raise SeedError("Visits need prospects and properties: give --prospects and --properties too.")
    if calls and not have_prospects:
        raise SeedError("Calls need prospects: give --prospects too.")


def _free_slugs(count: int) -> list[str]:
    taken = set(db.session.scalars(select(Agency.slug).where(Agency.slug.like("seed-%"))))
    slugs: list[str] = []
    n = 1
    while len(slugs) < count:
        if f"seed-{n}" not in taken:
            slugs.append(f"seed-{n}")
        n += 1
    return slugs


def _new_agency(slug: str, index: int, rng: random.Random) -> Agency:
    name = AGENCY_NAMES[index % len(AGENCY_NAMES)]
    if index >= len(AGENCY_NAMES):
        name = f"{name} {index // len(AGENCY_NAMES) + 1}"
    return create_agency(name, slug, "Europe/Madrid", locale=rng.choice(("es", "en")), currency="EUR")


def _analyze() -> None:
    """After a bulk load on PostgreSQL, refresh the planner's statistics and the visibility map
    (``VACUUM ANALYZE``, as autovacuum would do later), so list counts and pages are index-only
    scans from the start. SQLite plans well without statistics."""
    if db.engine.dialect.name != "postgresql":
        return
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")


@dataclass
class _Tenant:
    """The agency being seeded: who acts as agents, where it works, what it already holds."""

    id: int
    slug: str
    timezone: str
    locale: str
    areas: list[Neighbourhood]
    agent_ids: list[int] = field(default_factory=list)
    manager_id: int | None = None
    is_new: bool = True
    existing_prospects: int = 0
    existing_properties: int = 0

    @classmethod
    def new(cls, agency: Agency, index: int) -> _Tenant:
        city = CITY_ROTATION[index % len(CITY_ROTATION)]
        areas = [n for n in NEIGHBOURHOODS if n.city == city]
        return cls(agency.id, agency.slug, agency.timezone, agency.locale, areas)

    @classmethod
    def existing(cls, agency: Agency) -> _Tenant:
        users = db.session.execute(
            select(User.id, User.role, User.areas).where(User.agency_id == agency.id, User.active.is_(True))
            .order_by(User.id)
        ).all()
        agents = [u.id for u in users if u.role == Role.AGENT] or [u.id for u in users]
        staff = [u.id for u in users if u.role != Role.AGENT]
        covered = {area for u in users for area in (u.areas or [])}
        cities = {n.city for n in NEIGHBOURHOODS if n.name in covered} or {"Madrid", "Barcelona"}
        count = {
            model: db.session.scalar(
                select(func.count()).select_from(model).where(model.agency_id == agency.id)
            ) or 0
            for model in (Prospect, Property)
        }
        return cls(
            agency.id, agency.slug, agency.timezone, agency.locale,
            [n for n in NEIGHBOURHOODS if n.city in cities], agents, staff[0] if staff else None,
            is_new=False, existing_prospects=count[Prospect], existing_properties=count[Property],
        )


class _Writer:
    """Bulk writes on one connection: Core executemany batches, or COPY on PostgreSQL."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.postgres = conn.dialect.name == "postgresql"

    def reserve_ids(self, table: sa.Table, count: int) -> list[int]:
        """Ids for ``count`` new rows of ``table``, so that other rows can point at them."""
        if count == 0:
            return []
        if self.postgres:
            sequence = self.conn.scalar(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table.name})
            return list(self.conn.scalars(
                text("SELECT nextval(CAST(:s AS regclass)) FROM generate_series(1, :n)"),
                {"s": sequence, "n": count},
            ))
        # SQLite: this transaction holds the write lock (BEGIN IMMEDIATE), so max(id) stays ours
        start = (self.conn.scalar(select(func.max(table.c.id))) or 0) + 1
        return list(range(start, start + count))

    def write(self, table: sa.Table, columns: tuple[str, ...], rows: Iterable[tuple[Any, ...]]) -> int:
        """Insert ``rows`` (tuples in the order of ``columns``); returns how many."""
        if self.postgres:
            return self._copy(table, columns, rows)
        statement = table.insert()
        written = 0
        iterator = iter(rows)
        while batch := list(islice(iterator, BATCH_ROWS)):
            self.conn.execute(statement, [dict(zip(columns, row, strict=True)) for row in batch])
            written += len(batch)
        return written

    def _copy(self, table: sa.Table, columns: tuple[str, ...], rows: Iterable[tuple[Any, ...]]) -> int:
        from psycopg import sql

        # COPY skips the Python-side column defaults that Core's insert() would apply
        defaults = {
            c.name: c.default.arg(None) if c.default.is_callable else c.default.arg  # type: ignore[union-attr]
            for c in table.c
            if c.name not in columns and c.default is not None and not c.primary_key
            and (c.default.is_scalar or c.default.is_callable)  # type: ignore[attr-defined]
        }
        names = (*columns, *defaults)
        tail = tuple(getattr(value, "value", value) for value in defaults.values())  # enums: their value
        json_columns = [i for i, c in enumerate(names) if isinstance(table.c[c].type, sa.JSON)]
        query = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table.name), sql.SQL(", ").join(sql.Identifier(c) for c in names)
        )
        written = 0
        driver = self.conn.connection.driver_connection
        with driver.cursor() as cursor, cursor.copy(query) as copy:  # type: ignore[union-attr]
            for row in rows:
                values = (*row, *tail) if tail else row
                if json_columns:
                    values = list(values)  # the JSON columns travel as text
                    for i in json_columns:
                        values[i] = json.dumps(values[i])
                copy.write_row(values)
                written += 1
        return written


def _at(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


class _AgencySeeder:
    """Generates one agency's rows and writes them in one transaction."""

    def __init__(self, tenant: _Tenant, rng: random.Random, password_hash: str) -> None:
        self.t = tenant
        self.rng = rng
        self.password_hash = password_hash
        self.tz = ZoneInfo(tenant.timezone)
        self.now = utcnow().timestamp()
        self.english = tenant.locale == "en"
        self.counts: Counter[str] = Counter()
        # per prospect, in creation order of this run (or loaded, when none are generated)
        self.p_ids: list[int] = []
        self.p_created: list[float] = []
        self.p_agent: list[int | None] = []
        self.p_status: list[str] = []
        self.prop_ids: list[int] = []
        self.prop_bookable: list[int] = []

    def run(self, prospects: int, properties: int, visits: int, calls: int) -> Counter[str]:
        """Write everything for the agency; returns the counts per kind of row."""
        with db.engine.connect() as base:
            sqlite = base.dialect.name == "sqlite"
            # straight on the driver's connection: a pragma needs no transaction
            driver = base.connection.driver_connection
            if sqlite:
                driver.execute("PRAGMA cache_size=-262144")  # 256 MB: index inserts stay in memory
            conn = base.execution_options(**{IMMEDIATE: True}) if sqlite else base
            try:
                with conn.begin():
                    writer = _Writer(conn)
                    if self.t.is_new:
                        self._users(writer)
                    self._prospects(writer, prospects)
                    self._properties(writer, properties)
                    self._load_pools(conn, prospects, properties)
                    self._visits(writer, conn, visits)
                    self._calls(writer, conn, calls)
            finally:
                if sqlite:
                    driver.execute("PRAGMA cache_size=-2000")
        return self.counts

    # -- staff ---------------------------------------------------------------------------

    def _person(self, english: bool) -> tuple[str, str]:
        rng = self.rng
        if english:
            return rng.choice(ENGLISH_FIRST_NAMES), rng.choice(ENGLISH_SURNAMES)
        surnames = f"{rng.choice(SPANISH_SURNAMES)} {rng.choice(SPANISH_SURNAMES)}"
        return rng.choice(SPANISH_FIRST_NAMES), surnames

    def _users(self, writer: _Writer) -> None:
        rng, t = self.rng, self.t
        table = User.__table__
        roles = [("admin", Role.ADMIN), ("manager", Role.MANAGER)] + [
            (f"agent{n:02d}", Role.AGENT) for n in range(1, AGENTS_PER_AGENCY + 1)
        ]
        ids = writer.reserve_ids(table, len(roles))
        names = [area.name for area in t.areas]
        created = _at(self.now - HISTORY_DAYS * DAY - 30 * DAY)
        rows = []
        for user_id, (local_part, role) in zip(ids, roles, strict=True):
            first, last = self._person(rng.random() < 0.25)
            areas = rng.sample(names, k=min(len(names), 2)) if role == Role.AGENT else []
            languages = ["es", "en"] if rng.random() < 0.5 else ["es"]
            rows.append((
                user_id, t.id, f"{local_part}@{t.slug}.example.com", f"{first} {last}",
                spanish_mobile(user_id, 55_555), role.value, True, self.password_hash, areas, languages,
                created,
            ))
            if role == Role.AGENT:
                t.agent_ids.append(user_id)
            elif role == Role.MANAGER:
                t.manager_id = user_id
        columns = ("id", "agency_id", "email", "name", "phone", "role", "active", "password_hash",
                   "areas", "languages", "created_at")
        self.counts["users"] += writer.write(table, columns, rows)

    # -- prospects, their follow-ups and timeline ----------------------------------------

    def _taken_contacts(self, writer: _Writer) -> tuple[set[str], set[str]]:
        if self.t.is_new or not self.t.existing_prospects:
            return set(), set()
        rows = writer.conn.execute(
            select(Prospect.email, Prospect.phone).where(Prospect.agency_id == self.t.id)
        ).all()
        return {r.email for r in rows if r.email}, {r.phone for r in rows if r.phone}

    def _prospects(self, writer: _Writer, count: int) -> None:
        if count == 0:
            return
        rng, t, now = self.rng, self.t, self.now
        ids = writer.reserve_ids(Prospect.__table__, count)
        taken_emails, taken_phones = self._taken_contacts(writer)
        serial = t.existing_prospects
        phone_offset = (t.id * 1_000_003) % 100_000_000
        agents = t.agent_ids
        cities = sorted({n.city for n in t.areas})
        agent_areas = self._agent_areas(writer)
        row = SimpleNamespace(first_name="", last_name="", email=None, phone=None)
        follow_ups: list[tuple[Any, ...]] = []
        activities: list[tuple[Any, ...]] = []
        wanted_areas: list[tuple[Any, ...]] = []

        def generate() -> Iterator[tuple[Any, ...]]:
            nonlocal serial
            for prospect_id in ids:
                english = rng.random() < 0.25
                first, last = self._person(english)
                age = HISTORY_DAYS * rng.random() ** 1.6
                created = now - age * DAY - rng.random() * 3600
                status = "new" if age < 3 and rng.random() < 0.7 else rng.choices(
                    PROSPECT_STATUSES, STATUS_WEIGHTS)[0]
                if status == "new" and rng.random() < 0.4 or rng.random() < 0.03:
                    agent = None
                else:
                    agent = agents[rng.randrange(len(agents))]
                local_part = f"{ascii_slug(first)}.{ascii_slug(last.split()[0])}"
                while True:  # the running number makes both unique; skip what the agency already has
                    serial += 1
                    email: str | None = f"{local_part}.{serial}@{EMAIL_DOMAINS[serial % len(EMAIL_DOMAINS)]}"
                    phone: str | None = spanish_mobile(serial, phone_offset)
                    if email not in taken_emails and phone not in taken_phones:
                        break
                roll = rng.random()
                if roll < 0.06:
                    email = None
                elif roll < 0.14:
                    phone = None
                source = rng.choices(SOURCES, SOURCE_WEIGHTS)[0]
                detail = rng.choice(PORTALS) if source == "portal" else (
                    "Formulario web" if source == "web_form" else None)
                city = rng.choice(cities)
                wants = requirements(rng, city, agent_areas.get(agent) if agent else None)
                updated = created + (now - created) * rng.random()
                next_follow_up = None
                if status in OPEN and agent is not None and rng.random() < 0.3:
                    due = now + rng.uniform(-10, 14) * DAY
                    follow_ups.append((t.id, prospect_id, agent, _at(due), rng.choice(FOLLOW_UP_TITLES), None,
                                       _at(max(created, min(now, due - 3 * DAY))), t.manager_id or agent))
                    next_follow_up = _at(due)
                    if rng.random() < 0.3:  # an earlier one, done
                        done = created + (due - created) * rng.random()
                        follow_ups.append((t.id, prospect_id, agent, _at(done), rng.choice(FOLLOW_UP_TITLES),
                                           _at(min(now, done + 3600)), _at(created), agent))
                types_text = json.dumps(list(wants["property_types"] or []))
                wanted_areas.extend(
                    (t.id, prospect_id, key, wants["operation"], status in OPEN, wants["min_price"],
                     wants["max_price"], wants["min_bedrooms"], wants["min_area_m2"], types_text)
                    for key in area_keys(wants["areas"])
                )
                row.first_name, row.last_name, row.email, row.phone = first, last, email, phone
                created_at = _at(created)
                self.p_ids.append(prospect_id)
                self.p_created.append(created)
                self.p_agent.append(agent)
                self.p_status.append(status)
                actor = agent if agent is not None and source in ("phone", "walk_in") else t.manager_id
                activities.append((t.id, "created", created_at, actor, prospect_id, None, None,
                                   "", {"source": source}, "core"))
                yield (
                    prospect_id, t.id, first, last, email, phone, source, detail, status,
                    rng.choice(LOST_REASONS) if status == "lost" else None, agent,
                    rng.random() < 0.55, rng.sample(TAGS, k=1) if rng.random() < 0.2 else [],
                    wants["operation"], wants["property_types"], wants["min_price"], wants["max_price"],
                    wants["min_bedrooms"], wants["min_area_m2"], wants["areas"], next_follow_up,
                    prospect_search_text(row), created_at, _at(updated),  # type: ignore[arg-type]
                )

        columns = (
            "id", "agency_id", "first_name", "last_name", "email", "phone", "source", "source_detail",
            "status", "lost_reason", "assigned_agent_id", "marketing_consent", "tags", "operation",
            "property_types", "min_price", "max_price", "min_bedrooms", "min_area_m2", "areas",
            "next_follow_up_at", "search_text", "created_at", "updated_at",
        )
        self.counts["prospects"] += writer.write(Prospect.__table__, columns, generate())
        writer.write(
            ProspectArea.__table__,
            ("agency_id", "prospect_id", "area", "operation", "is_open", "min_price", "max_price",
             "min_bedrooms", "min_area_m2", "property_types"),
            wanted_areas,
        )
        self.counts["follow_ups"] += writer.write(
            FollowUp.__table__,
            ("agency_id", "prospect_id", "assignee_id", "due_at", "title", "done_at", "created_at",
             "created_by_id"),
            follow_ups,
        )
        self._activities(writer, activities)

    def _agent_areas(self, writer: _Writer) -> dict[int, list[str]]:
        rows = writer.conn.execute(
            select(User.id, User.areas).where(User.id.in_(self.t.agent_ids))
        ).all()
        catalog = {n.name for n in self.t.areas}
        return {r.id: [a for a in (r.areas or []) if a in catalog] or None for r in rows}  # type: ignore[misc]

    def _activities(self, writer: _Writer, rows: list[tuple[Any, ...]]) -> None:
        columns = ("agency_id", "kind", "occurred_at", "actor_id", "prospect_id", "property_id", "subject_id",
                   "summary", "data", "source")
        self.counts["activities"] += writer.write(Activity.__table__, columns, rows)

    # -- properties ----------------------------------------------------------------------

    def _properties(self, writer: _Writer, count: int) -> None:
        if count == 0:
            return
        rng, t, now = self.rng, self.t, self.now
        ids = writer.reserve_ids(Property.__table__, count)
        taken: set[str] = set()
        if not t.is_new and t.existing_properties:
            taken = set(writer.conn.scalars(select(Property.reference).where(Property.agency_id == t.id)))
        serial = t.existing_properties
        row = SimpleNamespace(reference="", title="", address="", city="", area="", postcode="")
        activities: list[tuple[Any, ...]] = []
        owners = self.p_ids

        def generate() -> Iterator[tuple[Any, ...]]:
            nonlocal serial
            for property_id in ids:
                area = rng.choice(t.areas)
                listing = property_listing(rng, area, 0)
                serial += 1
                while (reference := f"{CITY_CODES[area.city]}-{serial:06d}") in taken:
                    serial += 1
                status = rng.choices(PROPERTY_STATUSES, PROPERTY_STATUS_WEIGHTS)[0]
                if status == "sold" and listing["operation"] == "rent":
                    status = "rented"
                created = now - HISTORY_DAYS * DAY * rng.random() ** 1.3
                published = None if status == "draft" else _at(min(now, created + rng.uniform(0, 5) * DAY))
                row.reference, row.title, row.address = reference, listing["title"], listing["address"]
                row.city, row.area, row.postcode = listing["city"], listing["area"], listing["postcode"]
                agent = t.agent_ids[rng.randrange(len(t.agent_ids))]
                created_at = _at(created)
                self.prop_ids.append(property_id)
                if status in BOOKABLE:
                    self.prop_bookable.append(property_id)
                activities.append((t.id, "created", created_at, agent, None, property_id, None,
                                   "", {"reference": reference}, "core"))
                yield (
                    property_id, t.id, reference, listing["title"], listing["description"],
                    listing["operation"], listing["property_type"], status, listing["price"],
                    listing["address"], listing["city"], listing["area"], listing["postcode"],
                    listing["bedrooms"], listing["bathrooms"], listing["area_m2"], listing["features"],
                    owners[rng.randrange(len(owners))] if owners and rng.random() < 0.08 else None, agent,
                    published, property_search_text(row), created_at,  # type: ignore[arg-type]
                    _at(created + (now - created) * rng.random()),
                )

        columns = (
            "id", "agency_id", "reference", "title", "description", "operation", "property_type", "status",
            "price", "address", "city", "area", "postcode", "bedrooms", "bathrooms", "area_m2", "features",
            "owner_id", "listing_agent_id", "published_at", "search_text", "created_at", "updated_at",
        )
        self.counts["properties"] += writer.write(Property.__table__, columns, generate())
        self._activities(writer, activities)

    def _load_pools(self, conn: Connection, prospects: int, properties: int) -> None:
        """With nothing generated of a kind, visits and calls go to the agency's existing records."""
        if not prospects and self.t.existing_prospects:
            rows = conn.execute(
                select(Prospect.id, Prospect.created_at, Prospect.assigned_agent_id, Prospect.status)
                .where(Prospect.agency_id == self.t.id, Prospect.deleted_at.is_(None))
                .order_by(Prospect.created_at)
            ).all()
            self.p_ids = [r.id for r in rows]
            self.p_created = [r.created_at.timestamp() for r in rows]
            self.p_agent = [r.assigned_agent_id for r in rows]
            self.p_status = [str(r.status) for r in rows]
        if not properties and self.t.existing_properties:
            rows = conn.execute(
                select(Property.id, Property.status)
                .where(Property.agency_id == self.t.id, Property.deleted_at.is_(None))
            ).all()
            self.prop_ids = [r.id for r in rows]
            self.prop_bookable = [r.id for r in rows if str(r.status) in BOOKABLE]

    # -- visits --------------------------------------------------------------------------

    def _day_slots(self, day: date) -> list[float]:
        """The visit start times (UTC timestamps) of one local day: weekdays and Saturday mornings."""
        weekday = day.weekday()
        hours = WEEKDAY_HOURS if weekday < 5 else SATURDAY_HOURS if weekday == 5 else ()
        return [datetime.combine(day, clock_time(hour), tzinfo=self.tz).timestamp() for hour in hours]

    def _slot_starts(self, today: date, past_slots: int) -> Iterator[float]:
        """Visit start times, slot by slot: the last ``past_slots`` slots before now, then every
        slot from now on (so the share of past visits holds whatever the day of the week)."""
        past: list[float] = []
        day = today
        while len(past) < past_slots:
            past[:0] = [start for start in self._day_slots(day) if start < self.now]
            day -= timedelta(days=1)
        yield from past[len(past) - past_slots:]
        day = today
        while True:
            yield from (start for start in self._day_slots(day) if start >= self.now)
            day += timedelta(days=1)

    def _visits(self, writer: _Writer, conn: Connection, count: int) -> None:
        if count == 0 or not self.prop_ids or not self.p_ids:
            return
        rng, t, now = self.rng, self.t, self.now
        agents = t.agent_ids
        busy = _Busy.load(conn, t.id) if not t.is_new else None
        per_slot = max(1, round(min(len(agents), len(self.prop_ids)) * SLOT_DENSITY))
        slots = math.ceil(count / per_slot)
        past_slots = math.floor(slots * (1 - FUTURE_SHARE))
        today = datetime.fromtimestamp(now, self.tz).date()
        leads = _Leads(self.p_ids, self.p_created, self.p_agent, self.p_status)
        feedback = FEEDBACK_EN if self.english else FEEDBACK_ES
        made = 0
        horizon = now + 2 * 365 * DAY  # the visit service books at most two years ahead

        def generate() -> Iterator[tuple[Any, ...]]:
            nonlocal made
            for start in self._slot_starts(today, past_slots):
                if made >= count or start > horizon:
                    return
                pool = self.prop_bookable if start > now and self.prop_bookable else self.prop_ids
                k = min(per_slot, count - made, len(pool))
                for agent, property_id in zip(rng.sample(agents, k), rng.sample(pool, k), strict=True):
                    end = start + rng.choice(VISIT_MINUTES) * 60
                    if busy is not None and busy.clashes(agent, property_id, start, end):
                        continue
                    prospect_id = leads.pick(rng, agent, start)
                    if prospect_id is None:
                        continue
                    made += 1
                    yield self._visit_row(agent, property_id, prospect_id, start, end, feedback)

        columns = ("agency_id", "property_id", "prospect_id", "agent_id", "starts_at", "ends_at", "status",
                   "cancel_reason", "feedback", "rating", "sequence", "created_at", "updated_at")
        self.counts["visits"] += writer.write(Visit.__table__, columns, generate())

    def _visit_row(
        self, agent: int, property_id: int, prospect_id: int, start: float, end: float,
        feedback: tuple[tuple[str, int], ...],
    ) -> tuple[Any, ...]:
        rng, now = self.rng, self.now
        roll = rng.random()
        reason = note = rating = None
        if end <= now:
            status = "done" if roll < 0.74 else "cancelled" if roll < 0.9 else "no_show"
            if status == "done" and rng.random() < 0.85:
                note, rating = feedback[rng.randrange(len(feedback))]
        elif start > now:
            status = "scheduled" if roll < 0.55 else "confirmed" if roll < 0.9 else "cancelled"
        else:
            status = "confirmed"
        if status == "cancelled":
            reason = CANCEL_REASONS[rng.randrange(len(CANCEL_REASONS))]
        created = min(now, start - rng.uniform(1, 14) * DAY)
        changed = status != "scheduled"
        updated = min(now, end) if changed else created
        return (self.t.id, property_id, prospect_id, agent, _at(start), _at(end), status, reason, note,
                rating, 1 if changed else 0, _at(created), _at(updated))

    # -- calls ---------------------------------------------------------------------------

    def _calls(self, writer: _Writer, conn: Connection, count: int) -> None:
        if count == 0 or not self.p_ids:
            return
        rng, t, now = self.rng, self.t, self.now
        # leads still "new" have not been reached: calls go to the others
        reachable = [i for i, status in enumerate(self.p_status) if status != "new"]
        reachable = reachable or list(range(len(self.p_ids)))
        agents = t.agent_ids
        summaries = CALL_SUMMARIES_EN if self.english else CALL_SUMMARIES_ES

        def generate() -> Iterator[tuple[Any, ...]]:
            p_ids, p_created, p_agent = self.p_ids, self.p_created, self.p_agent
            for _n in range(count):
                i = reachable[rng.randrange(len(reachable))]
                created = p_created[i]
                occurred = created + (now - created) * rng.random()
                # move it into office hours of that day when that stays inside the window
                office = occurred - occurred % DAY + rng.uniform(7.5, 18.5) * 3600
                if created < office < now:
                    occurred = office
                agent = p_agent[i] or agents[rng.randrange(len(agents))]
                outcome = rng.choices(CALL_OUTCOMES, CALL_OUTCOME_WEIGHTS)[0]
                answered = outcome == "answered"
                yield (
                    t.id, p_ids[i], agent, "outbound" if rng.random() < 0.7 else "inbound", _at(occurred),
                    rng.randint(40, 900) if answered else rng.randint(0, 45), outcome,
                    summaries[rng.randrange(len(summaries))] if answered else "",
                    _at(min(now, occurred + 60)),
                )

        columns = ("agency_id", "prospect_id", "agent_id", "direction", "occurred_at", "duration_seconds",
                   "outcome", "summary", "created_at")
        self.counts["calls"] += writer.write(Call.__table__, columns, generate())
        self._contact_times(conn)

    def _contact_times(self, conn: Connection) -> None:
        """Set the last and first contact of the agency's called prospects from their calls.

        One aggregate and one ``UPDATE ... FROM``: it needs no planner statistics, which a
        freshly loaded table does not have yet.
        """
        prospects, calls = Prospect.__table__, Call.__table__
        answered_at = sa.case((calls.c.outcome == "answered", calls.c.occurred_at))
        contacts = (
            select(
                calls.c.prospect_id,
                func.max(calls.c.occurred_at).label("last"),
                func.min(answered_at).label("first"),
            )
            .where(calls.c.agency_id == self.t.id)
            .group_by(calls.c.prospect_id)
            .subquery()
        )
        conn.execute(
            prospects.update()
            .where(prospects.c.id == contacts.c.prospect_id)
            .values(
                last_contacted_at=contacts.c.last,
                first_contacted_at=contacts.c.first,
                updated_at=prospects.c.updated_at,
            )
        )


class _Leads:
    """Picks a visit's prospect: one of the agent's leads created shortly before the visit."""

    def __init__(
        self, ids: list[int], created: list[float], agents: list[int | None], status: list[str]
    ) -> None:
        order = sorted(range(len(ids)), key=created.__getitem__)
        self.all_created = [created[i] for i in order]
        self.all_ids = [ids[i] for i in order]
        by_agent: dict[int | None, list[int]] = defaultdict(list)
        for i in order:
            if status[i] != "new":
                by_agent[agents[i]].append(i)
        self.by_agent = {
            agent: ([created[i] for i in members], [ids[i] for i in members])
            for agent, members in by_agent.items()
        }

    def pick(self, rng: random.Random, agent: int, start: float) -> int | None:
        """A prospect created before ``start``, preferably the agent's; None when there is none yet."""
        created, ids = self.by_agent.get(agent, (self.all_created, self.all_ids))
        m = bisect_left(created, start)
        if m == 0:
            created, ids = self.all_created, self.all_ids
            m = bisect_left(created, start)
            if m == 0:
                return None
        return ids[rng.randrange(max(0, m - RECENT_LEADS), m)]


class _Busy:
    """The agency's existing non-cancelled visits, per agent and per property, for clash checks."""

    def __init__(self) -> None:
        self.starts: dict[tuple[str, int], list[float]] = defaultdict(list)
        self.ends: dict[tuple[str, int], list[float]] = defaultdict(list)

    @classmethod
    def load(cls, conn: Connection, agency_id: int) -> _Busy:
        busy = cls()
        rows = conn.execute(
            select(Visit.agent_id, Visit.property_id, Visit.starts_at, Visit.ends_at)
            .where(Visit.agency_id == agency_id, Visit.status != "cancelled")
            .order_by(Visit.starts_at)
        )
        for agent_id, property_id, starts_at, ends_at in rows:
            for key in (("agent", agent_id), ("property", property_id)):
                busy.starts[key].append(starts_at.timestamp())
                busy.ends[key].append(ends_at.timestamp())
        return busy

    def _overlaps(self, key: tuple[str, int], start: float, end: float) -> bool:
        starts = self.starts.get(key)
        if not starts:
            return False
        # every visit starting before ``end`` that also ends after ``start`` overlaps;
        # existing visits of one key do not overlap each other, so the latest few suffice
        i = bisect_right(starts, end - 1e-6)
        ends = self.ends[key]
        return any(ends[j] > start for j in range(max(0, i - 3), i))

    def clashes(self, agent: int, property_id: int, start: float, end: float) -> bool:
        """Whether the agent or the property already has a visit overlapping ``[start, end)``."""
        return self._overlaps(("agent", agent), start, end) or self._overlaps(
            ("property", property_id), start, end
        )


ROW_KINDS = ("users", "prospects", "properties", "visits", "calls", "follow_ups", "activities")


def summary_lines(report: SeedReport) -> list[str]:
    """The human summary of a seed run: what was written where, and how fast."""
    total = sum(report.counts.values())
    rate = total / report.seconds if report.seconds else 0.0
    counts = ", ".join(f"{report.counts[k]:,} {k.replace('_', '-')}" for k in ROW_KINDS)
    names = report.agencies
    where = names[0] if len(names) == 1 else f"{names[0]} … {names[-1]}"
    lines = [
        f"Seeded {len(names)} {'agency' if len(names) == 1 else 'agencies'} ({where}): {counts}.",
        f"{total:,} rows in {report.seconds:.1f} s ({rate:,.0f} rows/s).",
    ]
    if report.shortfall["visits"]:
        left_out = report.shortfall["visits"]
        lines.append(f"{left_out:,} visits found no free slot or prospect and were left out.")
    if report.shortfall["calls"]:
        lines.append(f"{report.shortfall['calls']:,} calls were left out: their agency got no prospects.")
    return lines
