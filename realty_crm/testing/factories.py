"""Factories that build valid records through the service layer, as a user would."""

from __future__ import annotations

import itertools
import re
from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from .. import tenancy
from ..extensions import db
from ..models import Agency, AgencyPlugin, Call, FollowUp, Property, Prospect, Role, User, utcnow
from ..services import accounts, calls, properties, prospects

PASSWORD = "correct horse battery"


class Factory:
    """Makes agencies, users, prospects, properties, calls and follow-ups for tests."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._seq = itertools.count(1)

    def _n(self) -> int:
        return next(self._seq)

    def agency(self, name: str | None = None, **settings: Any) -> Agency:
        n = self._n()
        slug = settings.pop("slug", None) or f"agency-{n}"
        tz = settings.pop("timezone", "Europe/Madrid")
        return accounts.create_agency(name or f"Agency {n}", slug, tz, **settings)

    def user(
        self, agency: Agency | None = None, role: Role | str = Role.AGENT, **fields: Any
    ) -> User:
        agency = agency or self.agency()
        n = self._n()
        data = {
            "email": f"user{n}@{agency.slug}.example.com",
            "name": f"User {n}",
            "role": Role(role).value,
            "password": PASSWORD,
        }
        data.update(fields)
        active = data.pop("active", True)
        user = accounts.create_user(agency, data)
        if not active:
            user.active = False
            from ..extensions import db

            db.session.commit()
        return user

    def prospect(self, actor: User, **fields: Any) -> Prospect:
        n = self._n()
        data: dict[str, Any] = {"first_name": f"Prospect{n}", "last_name": "Test"}
        data.update(fields)
        with tenancy.scope(actor.agency_id):
            return prospects.create_prospect(actor, data)

    def property(self, actor: User, **fields: Any) -> Property:
        n = self._n()
        data: dict[str, Any] = {
            "reference": f"REF-{n:05d}",
            "title": f"Flat {n}",
            "operation": "sale",
            "property_type": "flat",
            "price": "250000",
            "status": "available",
            "city": "Madrid",
            "area": "Chamberí",
            "bedrooms": 2,
            "area_m2": 80,
        }
        data.update(fields)
        with tenancy.scope(actor.agency_id):
            return properties.create_property(actor, data)

    def call(self, actor: User, prospect: Prospect, **fields: Any) -> Call:
        data: dict[str, Any] = {
            "prospect_id": prospect.id,
            "direction": "outbound",
            "outcome": "answered",
            "duration_seconds": 120,
            "summary": "Talked about flats in Chamberí.",
        }
        data.update(fields)
        with tenancy.scope(actor.agency_id):
            return calls.log_call(actor, data)

    def follow_up(self, actor: User, prospect: Prospect, **fields: Any) -> FollowUp:
        data: dict[str, Any] = {
            "prospect_id": prospect.id,
            "due_at": (utcnow() + timedelta(days=1)).isoformat(),
            "title": "Call back",
        }
        data.update(fields)
        with tenancy.scope(actor.agency_id):
            return calls.create_follow_up(actor, data)

    def token(self, user: User) -> str:
        return accounts.create_token(user, "test")[1]


def login(client: FlaskClient, user: User, password: str = PASSWORD) -> FlaskClient:
    """Sign ``user`` in on ``client`` through the real login form."""
    token = form_token(client, "/login")
    response = client.post(
        "/login", data={"email": user.email, "password": password, "csrf_token": token}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


class ApiClient:
    """A test client that sends the user's bearer token with every request."""

    def __init__(self, client: FlaskClient, token: str) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"}

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return self.client.open(path, method=method, headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> Any:
        return self._call("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Any:
        return self._call("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> Any:
        return self._call("PATCH", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> Any:
        return self._call("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Any:
        return self._call("DELETE", path, **kwargs)


def form_token(client: FlaskClient, path: str) -> str:
    """The CSRF token of the form on ``path``, so a test posts forms as a browser does."""
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html
    )
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def store_plugin_settings_unchecked(agency: Agency, name: str, settings: dict[str, Any]) -> None:
    """Write ``settings`` of plugin ``name`` in ``agency`` straight into the database, unchecked,
    as an older version of the plugin may have left them (the plugin must be enabled or
    configured there already); running apps see them on their next request."""
    _store_plugin_row(agency, name, settings=settings)


def store_plugin_enabled_unchecked(agency: Agency, name: str, enabled: bool) -> None:
    """Switch plugin ``name`` on or off in ``agency`` straight in the database, no hook run
    (disabling through the service runs ``crm_plugin_disabled``), as an older version of the
    plugin may have left it (it must have been enabled there once); running apps see it on
    their next request."""
    _store_plugin_row(agency, name, enabled=enabled)


def _store_plugin_row(agency: Agency, name: str, **values: Any) -> None:
    plugins, agencies = AgencyPlugin.__table__, Agency.__table__
    agency_id = agency.id
    db.session.commit()  # ends the session's read: it sees the change once its records are expired
    with db.engine.begin() as conn:
        conn.execute(
            update(plugins)
            .where(plugins.c.agency_id == agency_id, plugins.c.name == name)
            .values(**values)
        )
        conn.execute(
            update(agencies)
            .where(agencies.c.id == agency_id)
            .values(plugins_version=agencies.c.plugins_version + 1)
        )
    db.session.expire_all()
