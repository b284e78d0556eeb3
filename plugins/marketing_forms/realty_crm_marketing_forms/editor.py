"""Building the agency's enquiry forms: create, change, open and close them (managers, admins)."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, ConfigDict, Field, field_validator
from realty_crm.plugin_api import User, ValidationFailed, commit, db, require, text, validate
from sqlalchemy import select

from . import thanks_page
from .fields import CATALOGUE, CONTACT_FIELDS, FIXED
from .models import EnquiryForm
from .permissions import MANAGE

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# a form's address is unique in the agency (checked here, and by the database under a race)
SLUG_TAKEN = _l("Another form of the agency already has this address.")


class FieldChoice(BaseModel):
    """One field the form asks."""

    model_config = ConfigDict(extra="forbid")

    name: str
    required: bool = False

    @field_validator("name")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in CATALOGUE or value == FIXED:
            raise ValueError(_("unknown field"))
        return value


class FormIn(BaseModel):
    """What a form is: its name and address, the fields it asks and what it says."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: text(120, 1)  # type: ignore[valid-type]
    slug: text(60, 1)  # type: ignore[valid-type]
    intro: text(2000) = ""  # type: ignore[valid-type]
    fields: list[FieldChoice] = Field(default_factory=list, max_length=len(CATALOGUE))
    consent_text: text(1000) = ""  # type: ignore[valid-type]
    thank_you_message: text(2000) = ""  # type: ignore[valid-type]
    redirect_url: text(500) = ""  # type: ignore[valid-type]
    active: bool = True

    @field_validator("slug")
    @classmethod
    def _url_safe(cls, value: str) -> str:
        if not SLUG.match(value):
            raise ValueError(_("use lower-case letters, digits and dashes, e.g. contact-us"))
        return value

    @field_validator("redirect_url")
    @classmethod
    def _web_address(cls, value: str) -> str:
        if value and not thanks_page.is_acceptable(value):
            raise ValueError(_("a full web address, e.g. https://www.example.com/thanks"))
        return value

    @field_validator("fields")
    @classmethod
    def _asks_a_contact(cls, value: list[FieldChoice]) -> list[FieldChoice]:
        names = [f.name for f in value]
        if len(set(names)) != len(names):
            raise ValueError(_("each field once"))
        if not set(names) & set(CONTACT_FIELDS):
            raise ValueError(_("ask for an e-mail or a phone, or the agency cannot answer"))
        return value


def save_form(actor: User, form: EnquiryForm | None, data: dict[str, Any]) -> EnquiryForm:
    """Create a form (``form`` None) or change one; the slug is unique in the agency."""
    require(actor, MANAGE)
    values = validate(FormIn, data)
    clash = db.session.scalars(
        select(EnquiryForm.id)
        .where(EnquiryForm.slug == values.slug, EnquiryForm.agency_id == actor.agency_id)
    ).first()
    if clash is not None and (form is None or clash != form.id):
        raise ValidationFailed(str(SLUG_TAKEN), {"slug": str(SLUG_TAKEN)})
    if form is None:
        form = EnquiryForm(agency_id=actor.agency_id)
        db.session.add(form)
    for key, value in values.model_dump().items():
        setattr(form, key, value)
    commit()
    return form


def forms_of(actor: User) -> list[EnquiryForm]:
    """The agency's forms, open ones first, by name."""
    require(actor, MANAGE)
    return list(db.session.scalars(select(EnquiryForm).order_by(EnquiryForm.active.desc(), EnquiryForm.name)))
