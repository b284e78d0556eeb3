"""Small plugins the plugin tests register through ``EXTRA_PLUGINS``, and a team in two agencies.

Every plugin here is installed in the test app but enabled nowhere until a test enables it
(``enable(agency, "recorder")``), exactly as an admin would.
"""

from __future__ import annotations

import time as clock
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any, Literal

import pytest
from flask import Flask
from markupsafe import Markup
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from realty_crm import hookimpl, tenancy
from realty_crm.extensions import db
from realty_crm.models import Agency, Property, Prospect, Role, User, Visit
from realty_crm.plugin_host import PluginInfo, TimelineItem, Widget
from realty_crm.services import plugins, visits
from realty_crm.testing.factories import Factory, form_token

# which plugin ran, in order, across plugins (reset for each test by ``test_plugins``)
RUN_LOG: list[str] = []


def _plain(value: Any) -> Any:
    """An ORM object as ``(class name, id)``; anything else as it is."""
    if isinstance(value, db.Model):
        return (type(value).__name__, value.id)
    return value


def committed(record: Any, column: str | None = None) -> bool:
    """Whether a separate connection (which only sees committed data) sees ``record`` as the
    session sees it: the row exists and, when given, ``column`` holds the same value."""
    table = type(record).__table__
    with db.engine.connect() as conn:
        row = conn.execute(select(table).where(table.c.id == record.id)).first()
    if row is None:
        return False
    return column is None or getattr(row, column) == getattr(record, column)


@dataclass
class Event:
    """One event hook as a plugin received it."""

    hook: str
    kwargs: dict[str, Any]
    committed: bool
    scope: int | None


class Recorder:
    """Implements every event hook of SPEC §5 and notes each call with what was committed."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def hooks(self, name: str) -> list[Event]:
        return [e for e in self.events if e.hook == name]

    def _note(self, hook: str, record: Any, column: str | None = None, **kwargs: Any) -> None:
        RUN_LOG.append("recorder")
        self.events.append(
            Event(
                hook,
                {k: _plain(v) for k, v in kwargs.items()},
                committed(record, column),
                tenancy.current_agency_id(),
            )
        )

    @hookimpl
    def crm_plugin_info(self) -> PluginInfo:
        return PluginInfo(
            name="recorder", title="Recorder", description="Notes every event.", version="1.2.3"
        )

    @hookimpl
    def crm_prospect_created(self, prospect: Prospect, agency: Agency, actor: User) -> None:
        self._note("crm_prospect_created", prospect, prospect=prospect, agency=agency, actor=actor)

    @hookimpl
    def crm_prospect_assigned(
        self, prospect: Any, agent: Any, previous_agent: Any, agency: Any, actor: Any
    ) -> None:
        self._note(
            "crm_prospect_assigned",
            prospect,
            "assigned_agent_id",
            prospect=prospect,
            agent=agent,
            previous_agent=previous_agent,
            agency=agency,
            actor=actor,
        )

    @hookimpl
    def crm_prospect_status_changed(self, prospect: Any, old: str, new: str, agency: Any, actor: Any) -> None:
        self._note(
            "crm_prospect_status_changed",
            prospect,
            "status",
            prospect=prospect,
            old=old,
            new=new,
            agency=agency,
            actor=actor,
        )

    @hookimpl
    def crm_visit_scheduled(self, visit: Visit, agency: Any, actor: Any) -> None:
        self._note("crm_visit_scheduled", visit, visit=visit, agency=agency, actor=actor)

    @hookimpl
    def crm_visit_rescheduled(self, visit: Visit, old_starts_at: datetime, agency: Any, actor: Any) -> None:
        self._note(
            "crm_visit_rescheduled",
            visit,
            "starts_at",
            visit=visit,
            old_starts_at=old_starts_at,
            agency=agency,
            actor=actor,
        )

    @hookimpl
    def crm_visit_confirmed(self, visit: Visit, agency: Any, actor: Any) -> None:
        self._note("crm_visit_confirmed", visit, "status", visit=visit, agency=agency, actor=actor)

    @hookimpl
    def crm_visit_cancelled(self, visit: Visit, agency: Any, actor: Any) -> None:
        self._note(
            "crm_visit_cancelled",
            visit,
            "status",
            visit=visit,
            reason=visit.cancel_reason,
            agency=agency,
            actor=actor,
        )

    @hookimpl
    def crm_visit_completed(self, visit: Visit, agency: Any, actor: Any) -> None:
        self._note(
            "crm_visit_completed",
            visit,
            "status",
            visit=visit,
            rating=visit.rating,
            agency=agency,
            actor=actor,
        )

    @hookimpl
    def crm_call_logged(self, call: Any, agency: Any, actor: Any) -> None:
        self._note("crm_call_logged", call, call=call, agency=agency, actor=actor)

    @hookimpl
    def crm_property_published(self, property: Property, agency: Any, actor: Any) -> None:
        self._note(
            "crm_property_published", property, "status", property=property, agency=agency, actor=actor
        )

    @hookimpl
    def crm_property_price_changed(self, property: Property, old_price: Any, agency: Any, actor: Any) -> None:
        self._note(
            "crm_property_price_changed",
            property,
            "price",
            property=property,
            old_price=old_price,
            agency=agency,
            actor=actor,
        )


class Boom:
    """Fails in every hook it has, after trying to undo or change the core's committed work;
    asked first (``tryfirst``), so the tests see the others still run after it failed."""

    def __init__(self) -> None:
        self.calls = 0

    @hookimpl
    def crm_plugin_info(self) -> PluginInfo:
        return PluginInfo(name="boom", title="Boom", description="Always fails.", version="0.1")

    @hookimpl(tryfirst=True)
    def crm_prospect_created(self, prospect: Prospect) -> None:
        self.calls += 1
        RUN_LOG.append("boom")
        prospect.first_name = "Hijacked"
        db.session.flush()
        raise RuntimeError("mail server down <b>now</b>")

    @hookimpl(tryfirst=True)
    def crm_visit_scheduled(self, visit: Visit) -> None:
        self.calls += 1
        RUN_LOG.append("boom")
        db.session.rollback()
        raise ValueError("calendar refused the visit")

    @hookimpl(tryfirst=True)
    def crm_call_logged(self, call: Any) -> None:
        self.calls += 1
        RUN_LOG.append("boom")
        raise KeyError("call")

    @hookimpl(tryfirst=True)
    def crm_nav_items(self, user: User) -> list[Any]:
        raise RuntimeError("no nav today")

    @hookimpl(tryfirst=True)
    def crm_dashboard_widgets(self, user: User) -> list[Any]:
        raise RuntimeError("no widget today")

    @hookimpl(tryfirst=True)
    def crm_timeline_items(self, prospect: Prospect) -> list[Any]:
        raise RuntimeError("no timeline today")

    @hookimpl(tryfirst=True)
    def crm_busy_intervals(self, agent: User) -> list[Any]:
        raise RuntimeError("calendar feed unreachable")


class Tone(StrEnum):
    FORMAL = "formal"
    FRIENDLY = "friendly"


Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class ShowcaseSettings(BaseModel):
    """A settings model with one field of each kind the generated form handles."""

    model_config = ConfigDict(extra="forbid")

    send_copies: bool = Field(True, title="Send copies to the agent")
    reminder_hours: int = Field(24, ge=1, le=72, title="Reminder hours", description="Hours before a visit.")
    discount: Decimal = Field(Decimal("2.5"), ge=0, le=100, title="Discount (%)")
    tone: Tone = Field(Tone.FORMAL, title="Tone of the mails")
    channel: Literal["email", "sms"] = "email"
    sender_name: str = Field("Agency", min_length=1, max_length=80, title="Sender name")
    signature: str = Field("Kind regards", max_length=2000, title="Signature")
    cc_addresses: list[str] = Field(default_factory=list, title="CC addresses")
    weekdays: list[Weekday] = Field(default_factory=lambda: ["mon", "fri"], title="Digest days")
    digest_at: time = Field(time(7, 30), title="Digest time")
    max_per_day: int | None = Field(None, ge=0, title="Most mails a day")


class Showcase:
    """A plugin with settings that adds a top-bar entry, a dashboard widget and timeline items."""

    def __init__(self) -> None:
        self.when = datetime(2020, 1, 1, tzinfo=UTC)

    @hookimpl
    def crm_plugin_info(self) -> PluginInfo:
        return PluginInfo(
            name="showcase",
            title="Showcase ✨",
            description="Shows what a plugin can add.",
            version="2.0",
            settings=ShowcaseSettings,
        )

    @hookimpl
    def crm_nav_items(self, user: User, agency: Agency) -> list[tuple[str, str]]:
        return [("Lead board", "/lead-board"), ("Sneaky", "javascript:alert(1)")]

    @hookimpl
    def crm_dashboard_widgets(self, user: User, agency: Agency) -> list[Any]:
        count = db.session.scalar(select(db.func.count()).select_from(Prospect)) or 0
        return [
            Widget(
                title="Showcase figures",
                html=Markup("<p class='showcase'>{} prospects for {}</p>").format(count, user.name),
            ),
            Widget(title="Plain text", html="<script>alert(1)</script>"),  # type: ignore[arg-type]
            "not a widget",
        ]

    @hookimpl
    def crm_timeline_items(self, prospect: Prospect, agency: Agency) -> list[Any]:
        return [
            TimelineItem(
                occurred_at=self.when,
                kind="mailing",
                summary=f"Newsletter to {prospect.first_name}",
                source="showcase",
            ),
            TimelineItem(occurred_at=datetime(2999, 1, 1), kind="future", summary="Naive time, taken as UTC"),
        ]


class BusySource:
    """An outside calendar: the intervals the test puts in ``busy`` are the agent's busy time."""

    def __init__(self) -> None:
        self.busy: list[tuple[datetime, datetime, str]] = []
        self.asked: list[int] = []

    @hookimpl
    def crm_busy_intervals(self, agent: User, starts_at: datetime, ends_at: datetime) -> list[Any]:
        self.asked.append(agent.id)
        RUN_LOG.append("busy")
        return list(self.busy)


class Probe:
    """A second busy-time source, asked last (``trylast``), that notes whether the booking's
    transaction is still open when its turn comes."""

    def __init__(self) -> None:
        self.open: list[bool] = []

    @hookimpl(trylast=True)
    def crm_busy_intervals(self, agent: User) -> list[Any]:
        RUN_LOG.append("probe")
        self.open.append(db.session().in_transaction())
        return []


class Snoop:
    """Tries to read every prospect and some given ids from inside hooks."""

    def __init__(self) -> None:
        self.targets: list[int] = []
        self.seen_agencies: list[set[int]] = []
        self.found: list[list[int]] = []

    def _look(self) -> None:
        rows = db.session.scalars(select(Prospect)).all()
        self.seen_agencies.append({p.agency_id for p in rows})
        self.found.append(
            [p.id for p in db.session.scalars(select(Prospect).where(Prospect.id.in_(self.targets)))]
        )

    @hookimpl
    def crm_prospect_created(self, prospect: Prospect) -> None:
        self._look()

    @hookimpl
    def crm_dashboard_widgets(self, user: User) -> list[Any]:
        self._look()
        return []


class Slow:
    """Takes its time over every call logged."""

    def __init__(self) -> None:
        self.delay = 0.0
        self.done = 0

    @hookimpl
    def crm_call_logged(self, call: Any) -> None:
        clock.sleep(self.delay)
        self.done += 1


class Bare:
    """A plugin that says nothing about itself (no ``crm_plugin_info``)."""

    @hookimpl
    def crm_call_logged(self) -> None:
        return None


@dataclass
class Plugins:
    """The test plugins, as registered in the app."""

    boom: Boom = field(default_factory=Boom)
    recorder: Recorder = field(default_factory=Recorder)
    showcase: Showcase = field(default_factory=Showcase)
    busy: BusySource = field(default_factory=BusySource)
    probe: Probe = field(default_factory=Probe)
    snoop: Snoop = field(default_factory=Snoop)
    slow: Slow = field(default_factory=Slow)
    bare: Bare = field(default_factory=Bare)

    def registrations(self) -> list[tuple[Any, str]]:
        return [(getattr(self, name), name) for name in self.__dataclass_fields__]


@pytest.fixture
def test_plugins() -> Plugins:
    RUN_LOG.clear()
    return Plugins()


@pytest.fixture
def plugin_config(test_plugins: Plugins) -> dict[str, Any]:
    """App settings that install the test plugins (and nothing from entry points)."""
    return {"EXTRA_PLUGINS": test_plugins.registrations(), "PLUGINS_AUTOLOAD": False}


@pytest.fixture
def app(app_factory: Callable[..., Flask], plugin_config: dict[str, Any]) -> Iterator[Flask]:
    """The application with the test plugins installed, an app context pushed."""
    application = app_factory(**plugin_config)
    with application.app_context():
        yield application
        db.session.remove()


@dataclass
class Team:
    """Agency A (admin, manager, agent) and agency B (admin, agent)."""

    agency: Agency
    admin: User
    manager: User
    agent: User
    other_agency: Agency
    outsider: User
    other_agent: User


@pytest.fixture
def team(make: Factory) -> Team:
    a = make.agency("Pisos Sol", slug="sol")
    b = make.agency("Casas Luna", slug="luna")
    return Team(
        agency=a,
        admin=make.user(a, Role.ADMIN, name="Ada Admin"),
        manager=make.user(a, Role.MANAGER, name="Manu Manager"),
        agent=make.user(a, Role.AGENT, name="Alba Agent"),
        other_agency=b,
        outsider=make.user(b, Role.ADMIN, name="Otto Outsider"),
        other_agent=make.user(b, Role.AGENT, name="Olga Other"),
    )


@pytest.fixture
def enable(app: Flask) -> Callable[..., None]:
    """``enable(agency, "recorder", ...)``: turn plugins on in an agency, as the CLI does."""

    def switch_on(agency: Agency, *names: str) -> None:
        with tenancy.scope(agency.id):
            for name in names:
                plugins.set_enabled(None, agency, name, True)

    return switch_on


@pytest.fixture
def book(app: Flask) -> Callable[..., Visit]:
    """``book(actor, prop, prospect, hours_from_now=48)``: schedule a one-hour visit."""

    def schedule(
        actor: User, prop: Property, prospect: Prospect, hours_from_now: float = 48, **extra: Any
    ) -> Visit:
        starts = (datetime.now(UTC) + timedelta(hours=hours_from_now)).replace(second=0, microsecond=0)
        data = {
            "property_id": prop.id,
            "prospect_id": prospect.id,
            "starts_at": starts.isoformat(),
            "duration_minutes": 60,
            **extra,
        }
        with tenancy.scope(actor.agency_id):
            return visits.schedule_visit(actor, data)

    return schedule


@pytest.fixture
def post() -> Callable[..., Any]:
    """``post(client, path, data, page=None)``: submit a form with the CSRF token of ``page``
    (else ``path``), as a browser does."""

    def submit(client: Any, path: str, data: dict[str, Any] | None = None, page: str | None = None) -> Any:
        token = form_token(client, page or path)
        return client.post(path, data={**(data or {}), "csrf_token": token})

    return submit
