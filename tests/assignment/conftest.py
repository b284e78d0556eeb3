"""An office whose new leads are given out by rule: a manager, four agents with their areas, an
admin, and a second agency; a small plugin that hears the assignments (installed, enabled per test)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from realty_crm import hookimpl, tenancy
from realty_crm.extensions import db
from realty_crm.models import Activity, ActivityKind, Agency, Prospect, Role, User
from realty_crm.plugin_host import PluginInfo
from realty_crm.services import accounts, plugins
from realty_crm.testing.factories import Factory, form_token


class Listener:
    """Notes every ``crm_prospect_assigned`` it hears, as plain ids."""

    def __init__(self) -> None:
        self.assigned: list[dict[str, Any]] = []

    @hookimpl
    def crm_plugin_info(self) -> PluginInfo:
        return PluginInfo(name="listener", title="Listener", description="Hears assignments.")

    @hookimpl
    def crm_prospect_assigned(self, prospect: Any, agent: Any, previous_agent: Any, actor: Any) -> None:
        self.assigned.append({
            "prospect_id": prospect.id,
            "agent_id": agent.id if agent else None,
            "previous_agent_id": previous_agent.id if previous_agent else None,
            "actor_id": actor.id if actor else None,
        })


@pytest.fixture
def listener() -> Listener:
    return Listener()


@pytest.fixture
def app(app_factory: Callable[..., Flask], listener: Listener) -> Iterator[Flask]:
    """The application with the listener installed (enabled in no agency until a test says so)."""
    application = app_factory(EXTRA_PLUGINS=[(listener, "listener")], PLUGINS_AUTOLOAD=False)
    with application.app_context():
        yield application
        db.session.remove()


@pytest.fixture
def enable_listener(app: Flask) -> Callable[[Agency], None]:
    """``enable_listener(agency)``: turn the listener on in the agency, as an admin would."""

    def switch_on(agency: Agency) -> None:
        with tenancy.scope(agency.id):
            plugins.set_enabled(None, agency, "listener", True)

    return switch_on


@dataclass
class Office:
    """Agency "Pisos Sol" (Madrid): admin, manager and four agents made in this order (so in id
    order too): Ana (Chamberí, Salamanca), Ben (Retiro), Cruz (Chamberí), Dora (no areas).
    Agency "Casas Luna": its admin and an agent covering Chamberí."""

    agency: Agency
    admin: User
    manager: User
    ana: User
    ben: User
    cruz: User
    dora: User
    other_agency: Agency
    other_admin: User
    other_agent: User
    make: Factory

    @property
    def agents(self) -> list[User]:
        return [self.ana, self.ben, self.cruz, self.dora]

    def use(self, rule: str, agency: Agency | None = None) -> None:
        """Set the agency's assignment rule, as its admin would."""
        agency = agency or self.agency
        admin = self.admin if agency.id == self.agency.id else self.other_admin
        with tenancy.scope(agency.id):
            accounts.update_agency(admin, {"assignment_rule": rule})

    def lead(self, actor: User | None = None, **fields: Any) -> Prospect:
        """A new lead entered by ``actor`` (the manager unless said), without an agent unless given."""
        return self.make.prospect(actor or self.manager, **fields)

    def update(self, user: User, **fields: Any) -> User:
        """Change a user as the agency's admin would."""
        with tenancy.scope(user.agency_id):
            return accounts.update_user(self.admin, user, fields)


@pytest.fixture
def office(make: Factory) -> Office:
    """The office; agency "Pisos Sol" stays in scope for the test's direct service calls."""
    agency = make.agency("Pisos Sol", timezone="Europe/Madrid")
    other = make.agency("Casas Luna")
    o = Office(
        agency=agency,
        admin=make.user(agency, Role.ADMIN, name="Ada Admin"),
        manager=make.user(agency, Role.MANAGER, name="Manu Manager"),
        ana=make.user(agency, Role.AGENT, name="Ana", areas=["Chamberí", "Salamanca"]),
        ben=make.user(agency, Role.AGENT, name="Ben", areas=["Retiro"]),
        cruz=make.user(agency, Role.AGENT, name="Cruz", areas=["chamberi"]),
        dora=make.user(agency, Role.AGENT, name="Dora"),
        other_agency=other,
        other_admin=make.user(other, Role.ADMIN, name="Otto Outsider"),
        other_agent=make.user(other, Role.AGENT, name="Olga Outsider", areas=["Chamberí"]),
        make=make,
    )
    tenancy.enter(agency.id)
    return o


def _assignment_entries(prospect_id: int) -> list[Activity]:
    db.session.expire_all()
    stmt = (
        select(Activity)
        .where(Activity.prospect_id == prospect_id, Activity.kind == ActivityKind.ASSIGNED)
        .order_by(Activity.id)
        .execution_options(**tenancy.unscoped())
    )
    return list(db.session.scalars(stmt))


@pytest.fixture
def assignment_entries() -> Callable[[int], list[Activity]]:
    """``assignment_entries(prospect_id)``: the prospect's ASSIGNED timeline entries, oldest first."""
    return _assignment_entries


def _holder(prospect_id: int) -> int | None:
    db.session.expire_all()
    return db.session.scalar(
        select(Prospect.assigned_agent_id)
        .where(Prospect.id == prospect_id)
        .execution_options(**tenancy.unscoped())
    )


@pytest.fixture
def holder() -> Callable[[int], int | None]:
    """``holder(prospect_id)``: the id of the agent the prospect is committed to (None: nobody)."""
    return _holder


def _post(client: FlaskClient, path: str, data: dict[str, Any] | None = None, page: str | None = None) -> Any:
    token = getattr(client, "csrf_token_value", None)
    if token is None:
        token = form_token(client, page or path)
        client.csrf_token_value = token  # type: ignore[attr-defined]
    return client.post(path, data={**(data or {}), "csrf_token": token})


@pytest.fixture
def post() -> Any:
    """``post(client, path, data, page=None)``: submit a form as a browser does, with the CSRF token
    read from the page that shows the form (``page``, else ``path``; kept for the session afterwards)."""
    return _post
