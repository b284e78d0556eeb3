"""Agencies and users in each language, and browser-like form posts, for the i18n tests."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from realty_crm import tenancy
from realty_crm.models import Agency, Role, User
from realty_crm.services import accounts
from realty_crm.testing.factories import Factory, form_token


@dataclass
class People:
    """A Spanish agency (its admin, an agent, an agent who chose English) and an English agency
    (an agent, and one who chose Spanish)."""

    agencia: Agency
    admin_es: User
    agente: User
    agent_prefers_en: User
    agency: Agency
    agent: User
    agente_prefers_es: User


def _with_locale(user: User, locale: str) -> User:
    """``user`` after choosing ``locale`` on their profile."""
    with tenancy.scope(user.agency_id):
        return accounts.update_user(user, user, {"locale": locale})


@pytest.fixture
def people(make: Factory) -> People:
    agencia = make.agency("Pisos Triana", locale="es", currency="EUR")
    agency = make.agency("Kensington Homes", locale="en", currency="EUR")
    return People(
        agencia=agencia,
        admin_es=make.user(agencia, Role.ADMIN, name="Adela Admin"),
        agente=make.user(agencia, Role.AGENT, name="Lucía Agente"),
        agent_prefers_en=_with_locale(make.user(agencia, Role.AGENT, name="Oliver Abroad"), "en"),
        agency=agency,
        agent=make.user(agency, Role.AGENT, name="Emma Agent"),
        agente_prefers_es=_with_locale(make.user(agency, Role.AGENT, name="Javier Agente"), "es"),
    )


@pytest.fixture
def speaking(app: Flask) -> Callable[[str], AbstractContextManager[None]]:
    """``speaking(lang)``: a request context of an anonymous visitor whose browser asks for ``lang``."""

    @contextmanager
    def enter(lang: str) -> Iterator[None]:
        # a fresh app context too, as each real request has: the chosen locale is kept on ``g``
        with app.app_context(), app.test_request_context("/login", headers={"Accept-Language": lang}):
            yield

    return enter


def post_form(client: FlaskClient, path: str, data: dict[str, Any]) -> Any:
    """Submit the form on ``path`` as a browser does, with the page's CSRF token."""
    return client.post(path, data={**data, "csrf_token": form_token(client, path)})


def field_error(page: str, field: str) -> str:
    """The text of the message shown next to ``field`` on a rendered form."""
    match = re.search(rf'id="{re.escape(field)}-error"[^>]*>(.*?)</', page, re.S)
    assert match, f"no error shown for {field}"
    return " ".join(match.group(1).split())
