"""Fixtures for the marketing_forms plugin's tests (plugins/marketing_forms, installed as a package).

``sol`` (plugin enabled, here with a contact form) and ``luna`` (installed but off) come from
realty-crm's plugin test fixtures, with their people only: the prospects are the forms' to make.
``visitor`` opens a public form and sends it as a browser does (the signed token of the page,
the answer closed so the after-answer processing runs).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from realty_crm_marketing_forms import editor
from realty_crm_marketing_forms.models import EnquiryForm, FormSubmission

from realty_crm.plugin_api import Prospect, db
from realty_crm.testing.plugin_fixtures import AgencyStaff
from realty_crm.testing.plugin_tools import Activity, activities, configure_plugin

PLUGIN = "marketing_forms"
TOKEN = re.compile(r'name="form_token" value="([^"]+)"')
CONTACT = {
    "name": "Contact us",
    "slug": "contact",
    "intro": "Tell us what you are looking for.",
    "fields": [
        {"name": "last_name"},
        {"name": "email"},
        {"name": "phone"},
        {"name": "operation"},
        {"name": "property_type"},
        {"name": "area"},
        {"name": "max_price"},
        {"name": "min_bedrooms"},
        {"name": "property_reference"},
        {"name": "message"},
    ],
    "consent_text": "Send me news about properties like these.",
    "thank_you_message": "Thanks! An agent will call you today.",
}


@dataclass
class Branch(AgencyStaff):
    """One agency with its people and (where the plugin is on) a contact form."""

    form: EnquiryForm | None = None

    @property
    def path(self) -> str:
        return f"/f/{self.agency.slug}/{self.form.slug if self.form else 'contact'}"

    def build(self, **fields: Any) -> EnquiryForm:
        """A new form of the agency, through the service, as its manager."""
        with self.scope():
            return editor.save_form(self.manager, None, {**CONTACT, **fields})

    def configure(self, **settings: Any) -> None:
        """Change the plugin's settings in the agency."""
        configure_plugin(self.agency, PLUGIN, {"min_fill_seconds": 0, **settings})

    def submissions(self) -> list[FormSubmission]:
        with self.scope():
            return list(db.session.scalars(db.select(FormSubmission).order_by(FormSubmission.id)))

    def prospects(self) -> list[Prospect]:
        with self.scope():
            return list(db.session.scalars(
                db.select(Prospect).order_by(Prospect.id).execution_options(include_deleted=True)
            ))

    def timeline(self, prospect: Prospect) -> list[Activity]:
        return activities(prospect)


@pytest.fixture
def plugin_name() -> str:
    """The plugin under test."""
    return PLUGIN


@pytest.fixture
def agency_kind() -> type[AgencyStaff]:
    """``sol`` and ``luna`` carry this suite's helpers, and no property or prospect."""
    return Branch


@pytest.fixture
def sol(sol: Branch) -> Branch:
    """The agency where the plugin is enabled, with its contact form (no minimum fill time)."""
    sol.configure()
    sol.form = sol.build()
    return sol


class Visitor:
    """Someone on the agency's website: opens a form page, then sends it."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def open(self, path: str, **headers: str) -> Any:
        return self.client.get(path, headers=headers)

    def token(self, path: str) -> str:
        match = TOKEN.search(self.open(path).get_data(as_text=True))
        assert match, f"no form token on {path}"
        return match.group(1)

    def send(self, path: str, answers: dict[str, Any], token: str | None = None, **kwargs: Any) -> Any:
        """POST the form with the page's token; the answer is read whole and closed, as a
        server does, so what runs after it has run when this returns."""
        data = {"form_token": token if token is not None else self.token(path), **answers}
        return self.client.post(path, data=data, buffered=True, **kwargs)


@pytest.fixture
def visitor(client: FlaskClient) -> Visitor:
    return Visitor(client)


@pytest.fixture
def answers() -> dict[str, str]:
    """A complete, valid enquiry."""
    return {
        "first_name": "Ana",
        "last_name": "García",
        "email": "Ana.Garcia@Example.com",
        "phone": "612 345 678",
        "operation": "buy",
        "property_type": "flat",
        "area": "Centro",
        "max_price": "250000",
        "min_bedrooms": "2",
        "property_reference": "SOL-12",
        "message": "Can I see it on Saturday?",
        "marketing_consent": "on",
    }


@pytest.fixture
def other_app(app_factory: Any) -> Flask:
    """A second app on the same database (another worker, or the scheduler)."""
    return app_factory()
