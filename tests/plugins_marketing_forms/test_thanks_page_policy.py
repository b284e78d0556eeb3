"""A form's thank-you address is checked when saved (http or https, a host name, no quote,
semicolon, comma, white space or control character), and the page's Content-Security-Policy
only ever names its origin, rebuilt from the checked parts."""

from __future__ import annotations

import pytest
from realty_crm_marketing_forms import editor
from realty_crm_marketing_forms.models import EnquiryForm
from sqlalchemy import update

from realty_crm.plugin_api import ValidationFailed, db, tenancy

from .conftest import CONTACT

INJECTIONS = [
    "https://evil.example;script-src 'unsafe-inline'",
    "https://evil.example/;script-src *",
    "https://evil.example/'unsafe-inline'",
    'https://evil.example/"x',
    "https://evil.example/ x",
    "https://evil.example/a,b",
    "https://evil.example\tx.example/",
    "https://evil.example/\r\nSet-Cookie: a=b",
    "https://evil.example/\x00",
    "https://evil.example\\@good.example/",
    "https://user:pass@evil.example/",
    "https://evil.example:99999/",
    "https://localhost/thanks",
    "https://[::1]/thanks",
    "data:text/html,hi",
    "//evil.example/thanks",
    "https://" + "a" * 64 + ".example/",
    "https://pisos-sol.example/" + "x" * 480,
]

# what a row could hold (PostgreSQL stores no NUL byte; the column holds 500 characters)
STORABLE = [url for url in INJECTIONS if "\x00" not in url and len(url) <= 500]
DIRECTIVES = ["default-src 'self'", "img-src 'self' data:", "style-src 'self'", "script-src 'self'",
              "frame-ancestors *", "base-uri 'self'"]


def _policy(response) -> list[str]:
    return [part.strip() for part in response.headers["Content-Security-Policy"].split(";")]


@pytest.mark.parametrize("url", INJECTIONS)
def test_an_address_that_could_bend_the_policy_is_refused_when_saved(sol, url):
    with tenancy.scope(sol.agency.id), pytest.raises(ValidationFailed) as refused:
        editor.save_form(sol.manager, sol.form, {**CONTACT, "redirect_url": url})
    assert "redirect_url" in refused.value.details
    db.session.rollback()
    db.session.expire_all()
    assert db.session.get(EnquiryForm, sol.form.id).redirect_url == ""


@pytest.mark.parametrize(
    ("url", "origin"),
    [("https://www.pisos-sol.example/gracias?from=form#top", "https://www.pisos-sol.example"),
     ("HTTP://Pisos-Sol.Example:8080/thanks", "http://pisos-sol.example:8080"),
     ("https://pisos-añil.example/gracias", "https://xn--pisos-ail-r6a.example")],
)
def test_the_policy_names_the_origin_of_the_thank_you_page(sol, visitor, url, origin):
    with tenancy.scope(sol.agency.id):
        editor.save_form(sol.manager, sol.form, {**CONTACT, "redirect_url": url})

    page = visitor.open(sol.path)

    assert _policy(page) == [*DIRECTIVES[:5], f"form-action 'self' {origin}", DIRECTIVES[5]]


@pytest.mark.parametrize("url", STORABLE)
def test_an_address_stored_before_the_check_never_reaches_the_headers(sol, visitor, answers, url):
    with tenancy.scope(sol.agency.id):
        db.session.execute(update(EnquiryForm).where(EnquiryForm.id == sol.form.id).values(redirect_url=url))
        db.session.commit()

    page = visitor.open(sol.path)
    sent = visitor.send(sol.path, answers)

    for response in (page, sent):
        assert _policy(response) == [*DIRECTIVES[:5], "form-action 'self'", DIRECTIVES[5]]
    assert sent.status_code == 200 and "Location" not in sent.headers
    assert "Thanks! An agent will call you today." in sent.get_data(as_text=True)
