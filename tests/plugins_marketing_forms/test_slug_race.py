"""Two forms given the same address at once: both pass the editor's check, the database's unique
index refuses the second, and its builder hears the same field error as one after the other."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from realty_crm_marketing_forms import editor
from realty_crm_marketing_forms.models import EnquiryForm
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from realty_crm.plugin_api import ServiceError, db, tenancy
from realty_crm.testing.factories import form_token

from .conftest import CONTACT

TAKEN = "Another form of the agency already has this address."


@pytest.fixture
def rival(sol) -> Iterator[None]:
    """Another request commits a form at ``/viewing`` just before the first form at that address
    is written here (after the editor found the address free), in whichever session writes it."""
    done: list[bool] = []

    def commit_the_rivals_form(session: Session, flush_context: Any, instances: Any) -> None:
        if done or not any(isinstance(o, EnquiryForm) and o.slug == "viewing" for o in session.new):
            return
        done.append(True)
        with Session(db.engine) as other, tenancy.scope(sol.agency.id):
            other.add(EnquiryForm(agency_id=sol.agency.id, slug="viewing", name="Their viewing form"))
            other.commit()

    event.listen(Session, "before_flush", commit_the_rivals_form)
    yield
    event.remove(Session, "before_flush", commit_the_rivals_form)
    assert done, "the rival's form was never written"


def _forms(sol) -> list[tuple[str, str]]:
    db.session.expire_all()
    with tenancy.scope(sol.agency.id):
        return [(f.slug, f.name) for f in db.session.scalars(select(EnquiryForm).order_by(EnquiryForm.id))]


def test_the_second_of_two_simultaneous_forms_is_refused_on_its_address(sol, rival):
    with tenancy.scope(sol.agency.id), pytest.raises(ServiceError) as refused:
        editor.save_form(sol.manager, None, {**CONTACT, "name": "Our viewing form", "slug": "viewing"})

    assert refused.value.details == {"slug": TAKEN}
    assert refused.value.message == TAKEN
    assert _forms(sol) == [("contact", "Contact us"), ("viewing", "Their viewing form")]


def test_the_builder_shows_the_address_taken_meanwhile_as_a_field_error(sol, rival, login):
    browser = login(sol.manager)
    data = {
        "name": "Our viewing form", "slug": "viewing", "thank_you_message": "Thanks.", "active": "y",
        "ask_email": "on", "require_email": "on", "csrf_token": form_token(browser, "/marketing-forms/new"),
    }
    answer = browser.post("/marketing-forms/new", data=data)

    assert answer.status_code == 422
    assert TAKEN in answer.get_data(as_text=True)
    assert _forms(sol) == [("contact", "Contact us"), ("viewing", "Their viewing form")]
