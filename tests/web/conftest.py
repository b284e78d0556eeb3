"""Helpers for the web tests: a team of users in two agencies, and browser-like form posts."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash

from realty_crm.models import Agency, Role, User
from realty_crm.models import user as user_model
from realty_crm.testing.factories import Factory, form_token


@pytest.fixture(autouse=True)
def _cheap_password_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hash test passwords with one round: web tests sign in a lot; hash strength is not theirs to test."""
    monkeypatch.setattr(
        user_model, "generate_password_hash", partial(generate_password_hash, method="pbkdf2:sha256:1")
    )


@dataclass
class Team:
    """An agency with one user per role (and a second agent), plus another agency and its admin."""

    agency: Agency
    admin: User
    manager: User
    agent: User
    colleague: User
    other_agency: Agency
    outsider: User


@pytest.fixture
def team(make: Factory) -> Team:
    agency = make.agency("Pisos Sol")
    other = make.agency("Casas Luna")
    return Team(
        agency=agency,
        admin=make.user(agency, Role.ADMIN, name="Ada Admin"),
        manager=make.user(agency, Role.MANAGER, name="Manu Manager"),
        agent=make.user(agency, Role.AGENT, name="Alba Agent"),
        colleague=make.user(agency, Role.AGENT, name="Carlos Colleague"),
        other_agency=other,
        outsider=make.user(other, Role.ADMIN, name="Otto Outsider"),
    )


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
