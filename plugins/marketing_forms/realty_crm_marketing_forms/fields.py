"""The fields an enquiry form can ask, and how each answer becomes part of a prospect."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from realty_crm.plugin_api import Operation, PropertyType


@dataclass(frozen=True)
class FieldKind:
    """One askable field: its label, how it is drawn, its longest answer and its choices."""

    name: str
    label: Any
    input: str  # text, email, tel, number, textarea, select
    max_length: int
    choices: tuple[str, ...] = ()
    # where the answer goes in ProspectCreate's input ("requirements.max_price"), or None for
    # the enquiry's own facts (message, property reference) kept on the submission
    target: str | None = None


CATALOGUE: dict[str, FieldKind] = {
    kind.name: kind
    for kind in (
        FieldKind("first_name", _l("First name"), "text", 100, target="first_name"),
        FieldKind("last_name", _l("Last name"), "text", 100, target="last_name"),
        FieldKind("email", _l("E-mail"), "email", 254, target="email"),
        FieldKind("phone", _l("Phone"), "tel", 40, target="phone"),
        FieldKind("operation", _l("Buy or rent"), "select", 10, tuple(o.value for o in Operation),
                  target="requirements.operation"),
        FieldKind("property_type", _l("Property type"), "select", 20, tuple(t.value for t in PropertyType),
                  target="requirements.property_types"),
        FieldKind("area", _l("Area"), "text", 100, target="requirements.areas"),
        FieldKind("max_price", _l("Maximum price"), "number", 20, target="requirements.max_price"),
        FieldKind("min_bedrooms", _l("Bedrooms (at least)"), "number", 2, target="requirements.min_bedrooms"),
        FieldKind("property_reference", _l("Property reference"), "text", 40),
        FieldKind("message", _l("Message"), "textarea", 5000),
    )
}
# always on the form, and required
FIXED = "first_name"
# a form must ask at least one of these, and a visitor fill at least one: the agency answers there
CONTACT_FIELDS = ("email", "phone")
# a list in the prospect's requirements, filled from a single answer
LIST_TARGETS = {"requirements.property_types", "requirements.areas"}


def prospect_input(answers: dict[str, str], form_name: str, consent: bool) -> dict[str, Any]:
    """The ``ProspectCreate`` input of a submission's answers (blank ones left out)."""
    data: dict[str, Any] = {"source": "web_form", "source_detail": form_name, "marketing_consent": consent}
    requirements: dict[str, Any] = {}
    for name, value in answers.items():
        target = CATALOGUE[name].target
        if not value or target is None:
            continue
        if target.startswith("requirements."):
            key = target.removeprefix("requirements.")
            requirements[key] = [value] if target in LIST_TARGETS else value
        else:
            data[target] = value
    if requirements:
        data["requirements"] = requirements
    return data


def field_of(detail_key: str) -> str:
    """The form field that a ``ProspectCreate`` error key (``requirements.areas.0``) is about."""
    for kind in CATALOGUE.values():
        if kind.target and (detail_key == kind.target or detail_key.startswith(kind.target + ".")):
            return kind.name
    return detail_key
