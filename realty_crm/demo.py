"""The demo agency: an estate agency in Madrid and Barcelona with a few weeks of history.

Everything is written through the service layer, as users would write it, so the
timelines, follow-ups, last-contact times and visit checks are the real ones. The
services stamp each write with the current time; the demo's story spans weeks, so after
each step the rows that step wrote are moved back to the moment the story says it
happened (``_Story.at``). The data is drawn from a seeded random generator: the same
day gives the same agency.

The vocabularies below (neighbourhoods, names, phrases) are shared with ``seed``.
"""

from __future__ import annotations

import random
import unicodedata
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, delete, event, inspect, select
from sqlalchemy.orm import Session

from . import tenancy
from .demo_form import add_demo_form
from .errors import Conflict
from .extensions import db
from .models import (
    Activity,
    Agency,
    AssignmentRule,
    ListingOperation,
    Operation,
    Property,
    PropertyStatus,
    PropertyType,
    Prospect,
    ProspectStatus,
    Role,
    User,
    Visit,
    VisitStatus,
    utcnow,
)
from .services import accounts, calls, properties, prospects, visits

DEMO_SLUG = "demo"
DEMO_NAME = "Inmobiliaria Sol"
DEMO_TIMEZONE = "Europe/Madrid"
DEMO_PASSWORD = "sol-demo-password"
DEMO_DOMAIN = "demo.example.com"
DEMO_SEED = 2024


# --- vocabularies (shared with realty_crm.seed) ------------------------------------------


@dataclass(frozen=True)
class Neighbourhood:
    """A neighbourhood with real streets and typical prices (EUR per m², to buy and per month)."""

    city: str
    name: str
    postcodes: tuple[str, ...]
    streets: tuple[str, ...]
    sale_m2: int
    rent_m2: int


NEIGHBOURHOODS: tuple[Neighbourhood, ...] = (
    Neighbourhood("Madrid", "Chamberí", ("28010", "28003", "28015"),
                  ("Calle de Almagro", "Calle de Fuencarral", "Calle de Santa Engracia", "Calle de Ponzano",
                   "Calle de Eloy Gonzalo", "Calle de Trafalgar", "Calle de Galileo"), 6900, 23),
    Neighbourhood("Madrid", "Salamanca", ("28001", "28006", "28009"),
                  ("Calle de Serrano", "Calle de Velázquez", "Calle de Goya", "Calle de Lagasca",
                   "Calle de Príncipe de Vergara", "Calle de Claudio Coello"), 8600, 25),
    Neighbourhood("Madrid", "Malasaña", ("28004",),
                  ("Calle del Espíritu Santo", "Calle de San Andrés", "Calle del Pez", "Calle de la Palma",
                   "Calle de San Vicente Ferrer", "Calle de Manuela Malasaña"), 6200, 24),
    Neighbourhood("Madrid", "Retiro", ("28009", "28007"),
                  ("Calle de Ibiza", "Calle de O'Donnell", "Calle del Doctor Castelo",
                   "Avenida de Menéndez Pelayo", "Calle de Narváez"), 6000, 20),
    Neighbourhood("Madrid", "Lavapiés", ("28012",),
                  ("Calle de Argumosa", "Calle del Ave María", "Calle de la Fe", "Calle de Lavapiés",
                   "Calle de Embajadores"), 4900, 20),
    Neighbourhood("Barcelona", "Eixample", ("08007", "08008", "08009", "08011", "08013"),
                  ("Carrer de Balmes", "Carrer d'Aragó", "Carrer de Provença", "Passeig de Sant Joan",
                   "Carrer del Consell de Cent", "Carrer de Mallorca", "Rambla de Catalunya"), 5900, 21),
    Neighbourhood("Barcelona", "Gràcia", ("08012", "08024"),
                  ("Carrer de Verdi", "Carrer de Torrijos", "Travessera de Gràcia", "Carrer d'Astúries",
                   "Carrer de Bonavista", "Carrer del Topazi"), 5300, 20),
    Neighbourhood("Barcelona", "Poblenou", ("08005", "08018"),
                  ("Rambla del Poblenou", "Carrer de Pujades", "Carrer de Llull", "Carrer de Pallars",
                   "Carrer de Badajoz"), 5100, 20),
    Neighbourhood("Barcelona", "Sant Gervasi", ("08021", "08022", "08006"),
                  ("Carrer de Muntaner", "Carrer de Ganduxer", "Via Augusta", "Carrer de Calvet",
                   "Carrer de Santaló"), 6500, 21),
    Neighbourhood("Barcelona", "Barceloneta", ("08003",),
                  ("Carrer de la Maquinista", "Passeig de Joan de Borbó", "Carrer de Sant Carles",
                   "Carrer del Baluard"), 5600, 24),
    Neighbourhood("Valencia", "Ruzafa", ("46004", "46005", "46006"),
                  ("Carrer de Sueca", "Carrer de Cuba", "Carrer del Literat Azorín", "Carrer de Puerto Rico"),
                  3100, 14),
    Neighbourhood("Valencia", "El Carmen", ("46001", "46003"),
                  ("Carrer de Quart", "Carrer de Dalt", "Carrer de Cavallers", "Plaça del Tossal"), 3300, 15),
    Neighbourhood("Valencia", "Benimaclet", ("46020",),
                  ("Carrer de Murta", "Carrer del Doctor Vicent Zaragozá", "Carrer de Benicolet"), 2300, 11),
    Neighbourhood("Sevilla", "Triana", ("41010",),
                  ("Calle Betis", "Calle San Jacinto", "Calle Pureza", "Calle Castilla"), 3200, 13),
    Neighbourhood("Sevilla", "Nervión", ("41005", "41018"),
                  ("Avenida Eduardo Dato", "Calle Luis de Morales", "Calle Marqués de Pickman"), 2900, 12),
    Neighbourhood("Málaga", "Soho", ("29001",),
                  ("Calle Tomás Heredia", "Calle Vendeja", "Calle Casas de Campos"), 4200, 17),
    Neighbourhood("Málaga", "El Limonar", ("29016",),
                  ("Paseo de Sancha", "Calle Ramón y Cajal", "Camino de la Desviación"), 4700, 16),
)

# neighbourhoods where a house (not a flat) is to be had
HOUSE_AREAS = frozenset({"Sant Gervasi", "El Limonar", "Benimaclet", "Triana", "Nervión"})

CITY_CODES = {"Madrid": "MAD", "Barcelona": "BCN", "Valencia": "VLC", "Sevilla": "SVQ", "Málaga": "AGP"}

SPANISH_FIRST_NAMES = (
    "Lucía", "María", "Carmen", "Javier", "Alejandro", "Pablo", "Daniel", "Sofía", "Martina", "Hugo",
    "Álvaro", "Marta", "Elena", "Sergio", "Raúl", "Beatriz", "Nuria", "Jordi", "Montserrat", "Pau",
    "Laia", "Íñigo", "Begoña", "Aitor", "Ainhoa", "Rocío", "José Luis", "Juan Carlos", "Francisco",
    "Ana Belén", "Cristina", "Irene", "Paula", "Andrés", "Nicolás", "Mercedes", "Pilar", "Teresa",
    "Gonzalo", "Adrián", "Noelia", "Ramón", "Verónica", "Xavier", "Núria", "Carlos", "Inés",
)
SPANISH_SURNAMES = (
    "García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Sánchez", "Pérez", "Gómez",
    "Martín", "Jiménez", "Ruiz", "Hernández", "Díaz", "Moreno", "Muñoz", "Álvarez", "Romero", "Alonso",
    "Gutiérrez", "Navarro", "Torres", "Domínguez", "Vázquez", "Ramos", "Gil", "Serrano", "Blanco",
    "Molina", "Castro", "Ortega", "Núñez", "Iglesias", "Puig", "Ferrer", "Vidal", "Soler", "Casals",
    "Roca", "Castells", "Peña", "Ibáñez", "Lozano", "Cano", "Prieto", "Calvo",
)
ENGLISH_FIRST_NAMES = (
    "James", "Oliver", "Emily", "Charlotte", "Harry", "Sophie", "Thomas", "Amelia", "Jack", "Grace",
    "William", "Olivia", "George", "Lucy", "Daniel", "Hannah", "Michael", "Sarah", "Emma", "Chloe",
    "Patrick", "Siobhan", "Rachel", "Matthew",
)
ENGLISH_SURNAMES = (
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Evans", "Thomas",
    "Roberts", "Walker", "Wright", "Thompson", "Hughes", "Edwards", "Clarke", "O'Connor", "Murphy",
    "Campbell", "Mitchell", "Baker", "McAllister", "Fitzgerald",
)
EMAIL_DOMAINS = ("example.com", "example.net", "example.org", "mail.example.com")

PORTALS = ("Idealista", "Fotocasa", "Habitaclia", "pisos.com")
LOST_REASONS = (
    "Ha comprado con otra agencia.",
    "Bought through another agency.",
    "Presupuesto insuficiente para la zona.",
    "Decided to stay in their current flat.",
    "No responde tras varios intentos.",
    "Moved to Valencia for work.",
)
TAGS = ("inversor", "primera vivienda", "relocation", "urgente", "mascotas", "expat", "financiación", "VIP")

FEATURES = (
    "ascensor", "terraza", "balcón", "aire acondicionado", "calefacción central", "plaza de garaje",
    "trastero", "exterior", "portero", "piscina comunitaria", "amueblado", "admite mascotas",
    "suelos de parquet", "reformado",
)

TYPE_LABELS = {
    PropertyType.FLAT: "Piso",
    PropertyType.STUDIO: "Estudio",
    PropertyType.PENTHOUSE: "Ático",
    PropertyType.DUPLEX: "Dúplex",
    PropertyType.HOUSE: "Casa",
    PropertyType.COMMERCIAL: "Local comercial",
    PropertyType.OFFICE: "Oficina",
    PropertyType.GARAGE: "Plaza de garaje",
}

CALL_SUMMARIES_ES = (
    "Confirma presupuesto y zona; quiere ver pisos con ascensor.",
    "Pregunta por gastos de comunidad e IBI.",
    "Interesado en visitar este fin de semana.",
    "Necesita vender su piso actual antes de comprar.",
    "Le enviamos tres opciones por e-mail.",
    "Pide rebaja; lo consultamos con la propiedad.",
)
CALL_SUMMARIES_EN = (
    "Confirmed budget and areas; wants a lift and lots of light.",
    "Asked about community fees and the IBI tax.",
    "Keen to view at the weekend.",
    "Relocating in two months; needs a furnished flat.",
    "Sent three options by e-mail.",
    "Mortgage pre-approval expected next week.",
)
FEEDBACK_ES = (
    ("Le encanta la luz y la terraza; quiere volver con su pareja.", 5),
    ("Encaja en presupuesto, pedirá un 5 % de rebaja.", 4),
    ("Bien situado pero la cocina necesita reforma.", 3),
    ("Demasiado ruido de la calle.", 2),
    ("Busca algo más grande; descartado.", 1),
)
FEEDBACK_EN = (
    ("Loved the light and the terrace; wants a second viewing.", 5),
    ("Fits the budget; may offer 5 % below asking.", 4),
    ("Good location but the kitchen needs work.", 3),
    ("Too noisy at street level.", 2),
    ("Needs something bigger; ruled out.", 1),
)
NOTES_ES = (
    "Prefiere que le llamemos por la tarde.",
    "Tiene la hipoteca preaprobada por 300.000 €.",
    "Viene recomendada por un cliente de Chamberí.",
    "Quiere mudarse antes de septiembre.",
)
NOTES_EN = (
    "Prefers WhatsApp to phone calls.",
    "Company relocation: HR pays the agency fee.",
    "Has a dog; needs a pet-friendly building.",
    "Back in London until the 15th; video viewings only.",
)
# follow-up titles are the agency's own words: the demo writes them in the agency's language
FOLLOW_UP_TITLES_ES = (
    "Llamar para confirmar segunda visita",
    "Enviar dossier del piso",
    "Llamar por la preaprobación de la hipoteca",
    "Enviar los planos",
    "Preguntar si ha decidido",
    "Confirmar fechas de mudanza",
)
FOLLOW_UP_TITLES_EN = (
    "Call to confirm a second viewing",
    "Send the flat's brochure",
    "Call back about mortgage pre-approval",
    "Send the floor plans",
    "Ask whether they have decided",
    "Check moving dates",
)
FOLLOW_UP_TITLES = FOLLOW_UP_TITLES_ES + FOLLOW_UP_TITLES_EN  # the seed's agencies work in both
CANCEL_REASONS = {"es": "El cliente no puede ese día.", "en": "The client cannot make that day."}


def ascii_slug(text: str) -> str:
    """``"Núñez O'Connor"`` → ``"nunezoconnor"``: a name fit for the local part of an e-mail."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "".join(ch for ch in folded if ch.isalnum())


def spanish_mobile(n: int, offset: int = 0) -> str:
    """A distinct Spanish mobile number in E.164 for every ``n`` below 10⁸ (a bijection)."""
    return f"+346{(n * 7_368_787 + offset) % 100_000_000:08d}"


def round_price(value: float, step: int) -> Decimal:
    """A price rounded to ``step`` euros, as agencies advertise them."""
    return Decimal(max(step, int(round(value / step)) * step))


# --- the demo agency ---------------------------------------------------------------------


@dataclass(frozen=True)
class StaffMember:
    """One of the demo's users."""

    email: str
    name: str
    role: Role
    phone: str
    areas: tuple[str, ...] = ()
    languages: tuple[str, ...] = ("es",)
    locale: str | None = None


STAFF: tuple[StaffMember, ...] = (
    StaffMember(f"lucia@{DEMO_DOMAIN}", "Lucía Fernández Ortega", Role.ADMIN, "+34600100200",
                languages=("es", "en")),
    StaffMember(f"marta@{DEMO_DOMAIN}", "Marta Giménez Soler", Role.MANAGER, "+34600100201",
                languages=("es", "en", "ca")),
    StaffMember(f"carmen@{DEMO_DOMAIN}", "Carmen Ruiz Navarro", Role.AGENT, "+34600100202",
                ("Chamberí", "Salamanca", "Retiro")),
    StaffMember(f"javier@{DEMO_DOMAIN}", "Javier Morales Peña", Role.AGENT, "+34600100203",
                ("Malasaña", "Lavapiés", "Chamberí"), ("es", "en")),
    StaffMember(f"emily@{DEMO_DOMAIN}", "Emily Carter", Role.AGENT, "+34600100204",
                ("Eixample", "Gràcia", "Sant Gervasi"), ("en", "es"), "en"),
    StaffMember(f"oliver@{DEMO_DOMAIN}", "Oliver Bennett", Role.AGENT, "+34600100205",
                ("Poblenou", "Barceloneta", "Eixample"), ("en", "es", "ca"), "en"),
)

# visit start times (local) an agent offers; Saturdays only the morning ones
VISIT_SLOTS = (time(10), time(11), time(12), time(13), time(16, 30), time(17, 30), time(18, 30))
VISIT_MINUTES = 45
PROPERTY_COUNT = 40
PROSPECT_COUNT = 120
OWNER_COUNT = 8


class DemoExists(Exception):
    """The demo agency is already there (load it again with ``reset=True``)."""


@dataclass
class DemoResult:
    """What was loaded, and how to sign in."""

    agency: Agency
    staff: tuple[StaffMember, ...]
    password: str
    counts: dict[str, int] = field(default_factory=dict)


def demo_agency() -> Agency | None:
    """The demo agency, if it is loaded."""
    return db.session.scalars(select(Agency).where(Agency.slug == DEMO_SLUG)).first()


def remove_demo() -> bool:
    """Delete the demo agency and everything in it (the database cascades); True if it was there."""
    agency = demo_agency()
    if agency is None:
        return False
    db.session.execute(delete(Agency).where(Agency.id == agency.id))
    db.session.commit()
    return True


def load_demo(*, reset: bool = False, locale: str = "es", seed: int = DEMO_SEED) -> DemoResult:
    """Create the demo agency through the services; ``DemoExists`` if it is there and not ``reset``.

    With the marketing_forms plugin installed, it is switched on in the demo agency, which gets
    an enquiry form (``demo_form``).

    On any failure the half-loaded agency is removed again, so a retry starts clean.
    """
    if demo_agency() is not None:
        if not reset:
            raise DemoExists(DEMO_SLUG)
        remove_demo()
    taken = db.session.scalars(
        select(User.email).where(User.email.in_([m.email for m in STAFF])).execution_options(
            **tenancy.unscoped()
        )
    ).all()
    if taken:
        raise Conflict(
            f"Users with the demo e-mails already exist in another agency: {', '.join(sorted(taken))}.",
            {"email": ", ".join(sorted(taken))},
        )
    agency = accounts.create_agency(DEMO_NAME, DEMO_SLUG, DEMO_TIMEZONE, locale=locale, currency="EUR")
    session = db.session()
    # the story keeps working with the records it made; reloading each after every commit
    # would double the time the demo takes
    expire_on_commit, session.expire_on_commit = session.expire_on_commit, False
    try:
        with tenancy.scope(agency.id):
            story = _Story(agency, seed)
            counts = story.tell()
            # the story's leads were handed out by hand (a few still wait on the Distribution
            # page); from now on new leads go to the agent covering their area
            agency.assignment_rule = AssignmentRule.BY_AREA
            db.session.commit()
            add_demo_form(agency, story.manager, locale)
    except BaseException:
        db.session.rollback()
        remove_demo()
        raise
    finally:
        session.expire_on_commit = expire_on_commit
        session.expire_all()
    return DemoResult(agency=agency, staff=STAFF, password=DEMO_PASSWORD, counts=counts)


class _Diary:
    """Busy intervals of agents and properties: the generator keeps clear of double bookings itself."""

    def __init__(self) -> None:
        self._busy: dict[tuple[str, int], list[tuple[datetime, datetime]]] = defaultdict(list)

    def free(self, agent_id: int, property_id: int, start: datetime, end: datetime) -> bool:
        """Whether neither the agent nor the property has a visit overlapping ``[start, end)``."""
        keys = (("agent", agent_id), ("property", property_id))
        return not any(s < end and start < e for key in keys for s, e in self._busy[key])

    def book(self, agent_id: int, property_id: int, start: datetime, end: datetime) -> None:
        """Mark the agent and the property busy over ``[start, end)``."""
        self._busy[("agent", agent_id)].append((start, end))
        self._busy[("property", property_id)].append((start, end))


class _Stamps:
    """Story times for the rows the services write, put on them in one go at the end.

    The services date what they write "now"; the story happens over weeks. The timeline
    entries a step writes are caught as they are flushed, and dated with that step.
    """

    def __init__(self) -> None:
        self._fresh: list[int] = []
        self._activities: list[dict[str, Any]] = []
        self._rows: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)

    @contextmanager
    def watching(self, session: Session) -> Iterator[None]:
        """Catch the ids of the timeline entries ``session`` writes, while the block runs."""
        event.listen(session, "after_flush", self._catch)
        try:
            yield
        finally:
            event.remove(session, "after_flush", self._catch)

    def _catch(self, session: Session, _context: Any) -> None:
        self._fresh.extend(obj.id for obj in session.new if isinstance(obj, Activity))

    def date(self, when: datetime, created: Sequence[Any], touched: Sequence[Any]) -> None:
        """Date the entries written since the last call, the ``created`` records' creation,
        and the last change of the ``created`` and ``touched`` ones, at ``when``."""
        self._activities.extend({"row_id": i, "when": when} for i in self._fresh)
        self._fresh.clear()
        for record in created:
            self._add(record, "created_at", when)
        for record in (*created, *touched):
            self._add(record, "updated_at", when)

    def _add(self, record: Any, column: str, when: datetime) -> None:
        state = inspect(record)
        table = state.mapper.local_table
        if column in table.c:
            self._rows[(table.name, column)].append({"row_id": state.identity[0], "when": when})

    def apply(self) -> None:
        """Write every date down, in the order the story set them (the last one wins)."""
        activities = Activity.__table__
        if self._activities:
            by_id = activities.update().where(activities.c.id == bindparam("row_id"))
            db.session.execute(by_id.values(occurred_at=bindparam("when")), self._activities)
        for (name, column), params in self._rows.items():
            table = db.metadata.tables[name]
            values: dict[str, Any] = {column: bindparam("when")}
            if column != "updated_at" and "updated_at" in table.c:
                values["updated_at"] = table.c.updated_at  # as it is: no "onupdate" now
            db.session.execute(table.update().where(table.c.id == bindparam("row_id")).values(values), params)


class _Story:
    """Writes the demo agency's few weeks of work, step by step, through the services."""

    def __init__(self, agency: Agency, seed: int) -> None:
        self.agency = agency
        self.seed = seed
        self.rng = random.Random(seed)
        self.tz = ZoneInfo(agency.timezone)
        self.now = utcnow()
        self.today = self.now.astimezone(self.tz).date()
        self.diary = _Diary()
        self.users: dict[str, User] = {}
        self.agents: list[User] = []
        self.properties: list[Property] = []
        self.counts: dict[str, int] = defaultdict(int)
        self.stamps = _Stamps()

    # -- time --------------------------------------------------------------------------

    def local(self, day: date, at: time) -> datetime:
        """A local wall-clock time of the agency, as an aware UTC datetime."""
        return datetime.combine(day, at, tzinfo=self.tz).astimezone(UTC)

    def at(self, when: datetime, *created: Any, touched: Sequence[Any] = ()) -> None:
        """Date what the last service call wrote at ``when``: its timeline entries, the records
        it ``created`` and the last change of the records it ``touched``."""
        self.stamps.date(when, created, touched)

    def in_working_hours(self, earliest: datetime, latest: datetime) -> datetime:
        """A plausible office-hours moment between ``earliest`` and ``latest`` (both UTC)."""
        if latest <= earliest:
            return earliest
        for _attempt in range(20):
            moment = earliest + (latest - earliest) * self.rng.random()
            local = moment.astimezone(self.tz)
            if local.weekday() < 6 and 9 <= local.hour < 20:
                return moment
        return earliest + (latest - earliest) / 2

    # -- the story ---------------------------------------------------------------------

    def tell(self) -> dict[str, int]:
        """Staff, listings, leads and their weeks of calls, visits, notes and follow-ups."""
        with self.stamps.watching(db.session()):
            self.hire_staff()
            owners = self.list_owners()
            self.list_properties(owners)
            for n in range(PROSPECT_COUNT):
                self.follow_lead(n)
        self.stamps.apply()
        db.session.commit()
        return dict(self.counts)

    def hire_staff(self) -> None:
        """The admin, the manager and four agents, with their areas and languages."""
        start = self.now - timedelta(days=60)
        for member in STAFF:
            user = accounts.create_user(
                self.agency,
                {
                    "email": member.email,
                    "name": member.name,
                    "role": member.role.value,
                    "phone": member.phone,
                    "password": DEMO_PASSWORD,
                    "areas": list(member.areas),
                    "languages": list(member.languages),
                },
            )
            user.created_at = start
            db.session.commit()
            self.users[member.email] = user
            if member.role == Role.AGENT:
                self.agents.append(user)
        admin = self.users[STAFF[0].email]
        for member in STAFF:
            if member.locale:
                accounts.update_user(admin, self.users[member.email], {"locale": member.locale})
        self.counts["users"] = len(STAFF)

    @property
    def manager(self) -> User:
        """The manager, who enters and assigns the leads that come in by portal and web."""
        return self.users[STAFF[1].email]

    @property
    def agency_language(self) -> str:
        """The language the agency's shared words (follow-up titles, cancel reasons) are in."""
        return "en" if self.agency.locale == "en" else "es"

    def speaks_english(self, user: User) -> bool:
        """Whether ``user`` works in English (and so writes notes and summaries in it)."""
        return (user.locale or self.agency.locale) == "en"

    def agent_city(self, agent: User) -> str:
        """The city of the agent's neighbourhoods."""
        return next(n.city for n in NEIGHBOURHOODS if n.name == agent.areas[0])

    def person(self, english: bool) -> tuple[str, str]:
        """A first name and surname(s): Spanish ones carry two surnames."""
        rng = self.rng
        if english:
            return rng.choice(ENGLISH_FIRST_NAMES), rng.choice(ENGLISH_SURNAMES)
        surnames = f"{rng.choice(SPANISH_SURNAMES)} {rng.choice(SPANISH_SURNAMES)}"
        return rng.choice(SPANISH_FIRST_NAMES), surnames

    def contact(self, n: int, first: str, last: str) -> dict[str, Any]:
        """E-mail and phone, unique by construction (the running number is in both)."""
        rng = self.rng
        email = f"{ascii_slug(first)}.{ascii_slug(last.split()[0])}{n}@{rng.choice(EMAIL_DOMAINS)}"
        digits = spanish_mobile(n, offset=31_337)[3:]
        # typed the way people give their numbers; the service stores E.164
        spaced = f"{digits[:3]} {digits[3:5]} {digits[5:7]} {digits[7:]}"
        phone = rng.choice((spaced, f"+34 {digits}", digits))
        roll = rng.random()
        return {"email": None if roll < 0.07 else email, "phone": None if 0.07 <= roll < 0.15 else phone}

    def list_owners(self) -> list[Prospect]:
        """A few owners who list their homes with the agency (owners are prospects too), each
        looked after by the agent who lists the home."""
        owners = []
        for n in range(OWNER_COUNT):
            first, last = self.person(english=n % 4 == 3)
            created = self.now - timedelta(days=self.rng.randint(45, 60))
            data = {
                "first_name": first,
                "last_name": last,
                **self.contact(900 + n, first, last),
                "source": self.rng.choice(("referral", "walk_in", "phone")),
                "status": "won",
                "tags": ["propietario"],
                "marketing_consent": False,
                "assigned_agent_id": self.agents[n % len(self.agents)].id,
            }
            data["email"] = data["email"] or f"owner{n}@example.com"
            owner = prospects.create_prospect(self.manager, data)
            self.at(created, owner)
            owners.append(owner)
        self.counts["prospects"] += len(owners)
        return owners

    def list_properties(self, owners: list[Prospect]) -> None:
        """Forty listings in the agents' neighbourhoods; the first few belong to the owners."""
        rng = self.rng
        for n in range(PROPERTY_COUNT):
            agent = self.agents[n % len(self.agents)]
            name = rng.choice(agent.areas)
            area = next(a for a in NEIGHBOURHOODS if a.name == name)
            data = property_listing(rng, area, n + 1)
            data["status"] = "draft" if n == 7 else "withdrawn" if n == 19 else "available"
            data["listing_agent_id"] = agent.id
            if n < len(owners):
                data["owner_id"] = owners[n].id
            prop = properties.create_property(agent, data)
            self.at(self.now - timedelta(days=rng.randint(30, 60), hours=rng.randint(0, 8)), prop)
            self.properties.append(prop)
        self.counts["properties"] = len(self.properties)

    def follow_lead(self, n: int) -> None:
        """One prospect's story: the enquiry, calls, visits, the outcome, notes and follow-ups.

        Each lead draws from its own generator, so that what depends on the time of day
        (which slots are still ahead, say) changes that lead's story, not every later one.
        """
        rng = self.rng = random.Random(f"{self.seed}:lead:{n}")
        english = rng.random() < 0.3
        first, last = self.person(english)
        stage = rng.choices(
            ("new", "contacted", "qualified", "visiting", "offer", "won", "lost"),
            (16, 18, 16, 24, 8, 6, 12),
        )[0]
        unassigned = stage == "new" and rng.random() < 0.6
        agent = None if unassigned else rng.choice(self.agents)
        days_ago = rng.uniform(0.1, 4) if stage == "new" else rng.uniform(7, 42)
        created = self.in_working_hours(
            self.now - timedelta(days=days_ago + 0.5), self.now - timedelta(days=days_ago)
        )
        city = self.agent_city(agent) if agent else rng.choice(("Madrid", "Barcelona"))
        source = rng.choices(
            ("portal", "web_form", "phone", "walk_in", "referral", "email", "other"),
            (34, 22, 15, 8, 11, 7, 3),
        )[0]
        detail = {
            "portal": rng.choice(PORTALS),
            "web_form": "Formulario web (utm_campaign=primavera)",
            "referral": "Recomendado por un cliente",
        }.get(source)
        data: dict[str, Any] = {
            "first_name": first,
            "last_name": last,
            **self.contact(n, first, last),
            "source": source,
            "source_detail": detail,
            "requirements": requirements(rng, city, agent.areas if agent else None),
            "marketing_consent": rng.random() < 0.6,
            "tags": rng.sample(TAGS, k=rng.choice((0, 0, 1, 2))) + (["expat"] if english else []),
        }
        actor = self.manager
        if agent is not None:
            data["assigned_agent_id"] = agent.id
            if source in ("walk_in", "phone") and rng.random() < 0.7:
                actor = agent  # the agent took the call or met them at the office
        data["tags"] = list(dict.fromkeys(data["tags"]))
        prospect = prospects.create_prospect(actor, data)
        self.at(created, prospect)
        self.counts["prospects"] += 1
        if agent is None:
            return
        clock = self.call(agent, prospect, created, stage)
        reached = prospect.status != ProspectStatus.NEW
        if reached and (stage in ("qualified", "visiting", "offer", "won") or rng.random() < 0.4):
            clock = self.change(agent, prospect, clock, {"status": "qualified"})
        if stage in ("visiting", "offer", "won") or (stage == "lost" and rng.random() < 0.5):
            clock = self.show_properties(agent, prospect, clock, stage)
        if stage in ("offer", "won"):
            clock = self.change(agent, prospect, clock, {"status": "offer"})
        if stage == "won":
            clock = self.change(agent, prospect, clock, {"status": "won"})
            self.close_sale(agent, prospect, clock)
        if stage == "lost":
            reason = rng.choice(LOST_REASONS)
            clock = self.change(agent, prospect, clock, {"status": "lost", "lost_reason": reason})
        if rng.random() < 0.35:
            self.note(agent, prospect, clock)
        if prospect.is_open:
            self.follow_up(agent, prospect, clock)

    def call(self, agent: User, prospect: Prospect, created: datetime, stage: str) -> datetime:
        """A few calls after the enquiry, the last one answered once the lead is reached."""
        rng = self.rng
        english = self.speaks_english(agent)
        reached = stage != "new"
        attempts = rng.choice((1, 1, 2, 3)) if reached else rng.choice((0, 1))
        clock = created
        for i in range(attempts):
            answered = reached and i == attempts - 1
            outcome = "answered" if answered else rng.choice(("no_answer", "voicemail", "busy"))
            span = (self.now - clock) / (attempts - i + 2)
            occurred = self.in_working_hours(clock + timedelta(minutes=20), clock + span)
            occurred = min(occurred, self.now - timedelta(minutes=10))
            summaries = CALL_SUMMARIES_EN if english else CALL_SUMMARIES_ES
            call = calls.log_call(
                agent,
                {
                    "prospect_id": prospect.id,
                    "direction": "inbound" if i == 0 and prospect.source == "phone" else "outbound",
                    "outcome": outcome,
                    "occurred_at": occurred,
                    "duration_seconds": rng.randint(90, 900) if answered else rng.randint(0, 40),
                    "summary": rng.choice(summaries) if answered else "",
                },
            )
            self.at(occurred, call, touched=(prospect,))
            self.counts["calls"] += 1
            clock = occurred
        return clock

    def change(self, agent: User, prospect: Prospect, clock: datetime, data: dict[str, Any]) -> datetime:
        """A change of the prospect (its status) a little after ``clock``; returns when."""
        when = self.in_working_hours(clock + timedelta(hours=2), clock + (self.now - clock) / 3)
        when = min(when, self.now - timedelta(minutes=5))
        prospects.update_prospect(agent, prospect, data)
        self.at(when, touched=(prospect,))
        return when

    def candidates(self, agent: User, prospect: Prospect) -> list[Property]:
        """Properties on the market in the agent's city, of the operation the prospect wants."""
        wanted = ListingOperation.SALE if prospect.operation == Operation.BUY else ListingOperation.RENT
        city = self.agent_city(agent)
        on_market = (PropertyStatus.AVAILABLE, PropertyStatus.RESERVED)
        fits = [p for p in self.properties if p.city == city and p.status in on_market]
        return [p for p in fits if p.operation == wanted] or fits

    def slot(
        self, agent: User, prop: Property, earliest: datetime, latest: datetime
    ) -> tuple[datetime, datetime] | None:
        """A free visit slot of the agent and the property between ``earliest`` and ``latest``."""
        first, last = earliest.astimezone(self.tz).date(), latest.astimezone(self.tz).date()
        days = max((last - first).days, 0)
        for _attempt in range(60):
            day = first + timedelta(days=self.rng.randint(0, days))
            if day.weekday() == 6:
                continue
            at = self.rng.choice(VISIT_SLOTS[:4] if day.weekday() == 5 else VISIT_SLOTS)
            start = self.local(day, at)
            end = start + timedelta(minutes=VISIT_MINUTES)
            if earliest <= start and end <= latest and self.diary.free(agent.id, prop.id, start, end):
                return start, end
        return None

    def show_properties(self, agent: User, prospect: Prospect, clock: datetime, stage: str) -> datetime:
        """Viewings: the past ones done with feedback and a rating, a future one or two booked."""
        rng = self.rng
        english = self.speaks_english(agent)
        options = self.candidates(agent, prospect)
        if not options:
            return clock
        past = rng.randint(0, 2) if stage == "visiting" else rng.randint(1, 3)
        future = {"visiting": rng.randint(1, 2), "offer": rng.randint(0, 1)}.get(stage, 0)
        for i in range(past + future):
            prop = rng.choice(options)
            done = i < past
            if done:
                window = self.slot(agent, prop, clock + timedelta(hours=20), self.now - timedelta(hours=1))
            else:
                window = self.slot(agent, prop, self.now + timedelta(hours=1), self.now + timedelta(days=14))
            if window is None:
                continue
            start, end = window
            data: dict[str, Any] = {
                "property_id": prop.id,
                "prospect_id": prospect.id,
                "agent_id": agent.id,
                "starts_at": start,
                "duration_minutes": VISIT_MINUTES,
            }
            if done:
                feedback, rating = rng.choice(FEEDBACK_EN if english else FEEDBACK_ES)
                data.update(status=VisitStatus.DONE.value, feedback=feedback, rating=rating)
                booked = max(clock, start - timedelta(days=rng.randint(1, 4)))
            else:
                booked = self.in_working_hours(max(clock, self.now - timedelta(days=3)), self.now)
            visit = visits.schedule_visit(agent, data)
            self.diary.book(agent.id, prop.id, start, end)
            self.at(booked, visit, touched=(prospect,))
            self.counts["visits"] += 1
            if done:
                clock = max(clock, end)
            else:
                self.confirm_or_cancel(agent, visit, booked)
        return clock

    def confirm_or_cancel(self, agent: User, visit: Visit, booked: datetime) -> None:
        """Most booked visits get confirmed by the prospect; now and then one is called off."""
        roll = self.rng.random()
        if roll < 0.45:
            visits.update_visit(agent, visit, {"status": "confirmed"})
        elif roll < 0.55:
            reason = CANCEL_REASONS[self.agency_language]
            visits.update_visit(agent, visit, {"status": "cancelled", "cancel_reason": reason})
        else:
            return
        self.at(booked + (self.now - booked) / 2, touched=(visit,))

    def close_sale(self, agent: User, prospect: Prospect, clock: datetime) -> None:
        """The won prospect's best-rated property is sold or let."""
        best = db.session.scalars(
            select(Visit)
            .where(Visit.prospect_id == prospect.id, Visit.status == VisitStatus.DONE)
            .order_by(Visit.rating.desc(), Visit.starts_at.desc())
        ).first()
        if best is None or best.property.status not in (PropertyStatus.AVAILABLE, PropertyStatus.RESERVED):
            return
        prop = best.property
        status = "sold" if prop.operation == ListingOperation.SALE else "rented"
        properties.update_property(agent, prop, {"status": status})
        self.at(clock, touched=(prop,))

    def note(self, agent: User, prospect: Prospect, clock: datetime) -> None:
        """A note on the prospect's timeline, in the agent's language."""
        body = self.rng.choice(NOTES_EN if self.speaks_english(agent) else NOTES_ES)
        prospects.add_note(agent, prospect, body)
        self.at(self.in_working_hours(clock, self.now))
        self.counts["notes"] += 1

    def follow_up(self, agent: User, prospect: Prospect, clock: datetime) -> None:
        """Most open leads get a next step: some overdue (a few done), some due today, the rest ahead."""
        rng = self.rng
        roll = rng.random()
        if roll < 0.2:
            return
        if roll < 0.45:
            due = self.local(self.today - timedelta(days=rng.randint(1, 6)), time(rng.randint(9, 18)))
        elif roll < 0.7:
            due = self.local(self.today, time(rng.randint(9, 19), rng.choice((0, 30))))
        else:
            due = self.local(self.today + timedelta(days=rng.randint(1, 10)), time(rng.randint(9, 18)))
        titles = FOLLOW_UP_TITLES_EN if self.agency_language == "en" else FOLLOW_UP_TITLES_ES
        follow_up = calls.create_follow_up(
            agent, {"prospect_id": prospect.id, "due_at": due, "title": rng.choice(titles)}
        )
        planned = min(self.now, max(clock, due - timedelta(days=rng.randint(2, 7))))
        self.at(planned, follow_up, touched=(prospect,))
        self.counts["follow_ups"] += 1
        if roll < 0.3:
            done_at = min(self.now, due + timedelta(hours=rng.randint(1, 20)))
            calls.update_follow_up(agent, follow_up, {"done": True})
            follow_up.done_at = done_at
            self.at(done_at, touched=(prospect,))


def property_listing(rng: random.Random, area: Neighbourhood, n: int) -> dict[str, Any]:
    """A realistic listing in ``area``: type, size, rooms, features, and a price that fits."""
    operation = "sale" if rng.random() < 0.6 else "rent"
    kind = rng.choices(
        (PropertyType.FLAT, PropertyType.STUDIO, PropertyType.PENTHOUSE, PropertyType.DUPLEX,
         PropertyType.HOUSE, PropertyType.COMMERCIAL, PropertyType.OFFICE, PropertyType.GARAGE),
        (58, 10, 9, 7, 3, 6, 4, 3),
    )[0]
    if kind == PropertyType.HOUSE and area.name not in HOUSE_AREAS:
        kind = PropertyType.DUPLEX  # the city centres are flats
    bedrooms: int | None
    if kind == PropertyType.STUDIO:
        bedrooms, size = 0, rng.randint(28, 45)
    elif kind in (PropertyType.FLAT, PropertyType.DUPLEX, PropertyType.PENTHOUSE):
        bedrooms = rng.choices((1, 2, 3, 4, 5), (18, 34, 30, 13, 5))[0]
        size = 30 + bedrooms * rng.randint(18, 30) + (25 if kind != PropertyType.FLAT else 0)
    elif kind == PropertyType.HOUSE:
        bedrooms, size = rng.randint(3, 6), rng.randint(150, 380)
    elif kind == PropertyType.GARAGE:
        bedrooms, size = None, rng.randint(11, 16)
    else:
        bedrooms, size = None, rng.randint(45, 260)
    bathrooms = None if bedrooms is None else max(1, min(4, (bedrooms + 1) // 2 + rng.choice((0, 0, 1))))
    premium = {PropertyType.PENTHOUSE: 1.25, PropertyType.HOUSE: 1.15, PropertyType.COMMERCIAL: 0.8,
               PropertyType.OFFICE: 0.75}.get(kind, 1.0) * rng.uniform(0.88, 1.15)
    if kind == PropertyType.GARAGE:
        price = round_price(rng.uniform(22_000, 48_000), 500) if operation == "sale" else \
            round_price(rng.uniform(90, 190), 5)
    elif operation == "sale":
        price = round_price(size * area.sale_m2 * premium, 5_000)
    else:
        price = round_price(size * area.rent_m2 * premium, 10)
    if kind == PropertyType.GARAGE:
        features = ["puerta automática"]
    else:
        features = rng.sample(FEATURES, k=rng.randint(2, 6))
    street = rng.choice(area.streets)
    number = rng.randint(1, 140)
    if kind == PropertyType.HOUSE:
        floor = ""
    elif kind == PropertyType.COMMERCIAL:
        floor = ", bajo"
    elif kind == PropertyType.PENTHOUSE:
        floor = ", ático"
    elif kind == PropertyType.GARAGE:
        floor = f", plaza {rng.randint(1, 60)}"
    else:
        floor = rng.choice((", bajo", ", 1.º", ", 2.º", ", 3.º", ", 4.º", ", 5.º", ", 6.º"))
    label = TYPE_LABELS[kind]
    if bedrooms:
        title = f"{label} de {bedrooms} {'dormitorio' if bedrooms == 1 else 'dormitorios'} en {area.name}"
    else:
        title = f"{label} en {area.name}"
    verb = "en venta" if operation == "sale" else "en alquiler"
    rooms = f", {bedrooms} dormitorios y {bathrooms} baños" if bedrooms else ""
    description = (
        f"{label} {verb} de {size} m²{rooms}, en {street}, {area.name} ({area.city}). "
        f"Incluye: {', '.join(features)}."
    )
    return {
        "reference": f"{CITY_CODES[area.city]}-{n:04d}",
        "title": title,
        "description": description,
        "operation": operation,
        "property_type": kind.value,
        "price": price,
        "address": f"{street}, {number}{floor}",
        "city": area.city,
        "area": area.name,
        "postcode": rng.choice(area.postcodes),
        "bedrooms": bedrooms,
        "bathrooms": bathrooms,
        "area_m2": size,
        "features": features,
    }


def requirements(rng: random.Random, city: str, areas: Sequence[str] | None) -> dict[str, Any]:
    """What a prospect looking in ``city`` (preferably in ``areas``) is after, with a fitting budget."""
    in_city = [n for n in NEIGHBOURHOODS if n.city == city]
    preferred = [n for n in in_city if areas is None or n.name in areas] or in_city
    chosen = rng.sample(preferred, k=min(len(preferred), rng.choice((1, 1, 2, 3))))
    operation = "buy" if rng.random() < 0.55 else "rent"
    bedrooms = rng.choices((None, 1, 2, 3, 4), (10, 20, 35, 27, 8))[0]
    size = 35 + (bedrooms or 1) * rng.randint(20, 30)
    per_m2 = max(n.sale_m2 if operation == "buy" else n.rent_m2 for n in chosen)
    budget = size * per_m2 * rng.uniform(0.85, 1.2)
    max_price = round_price(budget, 5_000 if operation == "buy" else 50)
    types = rng.choice((["flat"], ["flat"], ["flat", "penthouse"], ["flat", "duplex"], ["studio", "flat"],
                        []))
    return {
        "operation": operation,
        "property_types": types,
        "min_price": round_price(float(max_price) * 0.6, 5_000 if operation == "buy" else 50)
        if rng.random() < 0.4 else None,
        "max_price": max_price,
        "min_bedrooms": bedrooms,
        "min_area_m2": size - 10 if rng.random() < 0.5 else None,
        "areas": [n.name for n in chosen],
    }


def login_lines(result_staff: Sequence[StaffMember], password: str, url: str) -> list[str]:
    """The lines that tell a person how to sign in to the demo."""
    width = max(len(m.email) for m in result_staff)
    lines = [f"Sign in at {url} with one of these accounts (password: {password}):"]
    for member in result_staff:
        role = {Role.ADMIN: "admin", Role.MANAGER: "manager", Role.AGENT: "agent"}[member.role]
        lines.append(f"  {member.email.ljust(width)}  {role:<7}  {member.name}")
    return lines

