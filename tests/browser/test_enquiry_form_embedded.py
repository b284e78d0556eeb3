"""In a real headless Chromium: the agency's own website (another site) frames its enquiry form;
a visitor fills it in there and the enquiry becomes a prospect with its campaign."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from realty_crm_marketing_forms import editor
from realty_crm_marketing_forms.models import FormSubmission, SubmissionStatus
from sqlalchemy import select

from realty_crm import tenancy
from realty_crm.extensions import db
from realty_crm.models import Prospect, ProspectSource, Role, User
from realty_crm.services import plugins

pytestmark = pytest.mark.browser
playwright = pytest.importorskip("playwright.sync_api")

PLUGIN = "marketing_forms"
THANKS = "Thanks! An agent will call you today."
CONTACT = {
    "name": "Contact us",
    "fields": [{"name": "email", "required": True}, {"name": "phone"}, {"name": "message"}],
    "consent_text": "Send me news about properties like these.",
    "thank_you_message": THANKS,
}


@dataclass
class Site:
    """The agency (with the plugin on) and the address of its contact form."""

    agency_id: int
    agency_slug: str
    manager: User
    path: str

    def build(self, **fields: Any) -> str:
        """Another form of the agency; its address."""
        with tenancy.scope(self.agency_id):
            editor.save_form(self.manager, None, {**CONTACT, **fields})
        db.session.rollback()
        return f"/f/{self.agency_slug}/{fields['slug']}"


@pytest.fixture
def sol(make: Any) -> Site:
    """An agency with the plugin on (no minimum fill time) and a contact form."""
    agency = make.agency("Pisos Sol")
    manager = make.user(agency, Role.MANAGER)
    plugins.set_enabled(None, agency, PLUGIN, True)
    plugins.configure(None, agency, PLUGIN, {"min_fill_seconds": 0})
    site = Site(agency.id, agency.slug, manager, "")
    site.path = site.build(slug="contact")  # holding no read transaction while the server writes
    return site


class Website:
    """The agency's own website: pages served from a local server of their own, a site apart
    from the CRM's (its pages are addressed as localhost, the CRM as 127.0.0.1)."""

    def __init__(self, port: int, pages: dict[str, bytes]) -> None:
        self.port = port
        self.pages = pages

    def page(self, path: str, html: str, host: str = "localhost") -> str:
        """Serve ``html`` at ``path``; its address."""
        self.pages[path] = html.encode()
        return f"http://{host}:{self.port}{path}"


@pytest.fixture
def website() -> Iterator[Website]:
    pages: dict[str, bytes] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = pages.get(self.path.split("?")[0])
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Website(server.server_port, pages)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _framing_page(src: str) -> str:
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Pisos Sol</title></head>"
        "<body><h1>Pisos Sol: talk to us</h1>"
        f'<iframe src="{src}" title="Contact us" style="width:100%;min-height:640px;border:0"></iframe>'
        "</body></html>"
    )


def _eventually(site: Site, find: Callable[[], Any], seconds: float = 5) -> Any:
    """What ``find`` returns once it is something (processing runs after the answer is sent)."""
    deadline = time.monotonic() + seconds
    while True:
        db.session.rollback()
        with tenancy.scope(site.agency_id):
            found = find()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def test_a_visitor_sends_the_form_framed_by_the_agencys_website(page, live_server, website, sol):
    framed = f"{live_server}{sol.path}?utm_source=website&utm_campaign=spring"
    page.goto(website.page("/contact.html", _framing_page(framed)))
    form = page.frame_locator("iframe[title='Contact us']")

    form.get_by_label("First name").fill("Lucía")
    form.get_by_label("E-mail").fill("Lucia.Fernandez@Example.com")
    form.get_by_label("Phone").fill("600 111 222")
    form.get_by_label("Message").fill("Is the flat on Calle Mayor still free?")
    form.get_by_label("Send me news about properties like these.").check()
    form.get_by_role("button", name="Send").click()

    form.get_by_text(THANKS).wait_for(state="visible")
    assert page.url.startswith("http://localhost:")  # the visitor never left the agency's site
    prospect = _eventually(sol, lambda: db.session.scalars(select(Prospect)).first())
    assert prospect is not None, "no prospect from the enquiry"
    assert (prospect.first_name, prospect.email, prospect.phone) == (
        "Lucía", "lucia.fernandez@example.com", "+34600111222"
    )
    assert prospect.source == ProspectSource.WEB_FORM and prospect.source_detail == "Contact us"
    assert prospect.marketing_consent is True
    [submission] = _eventually(sol, lambda: db.session.scalars(select(FormSubmission)).all())
    assert (submission.utm_campaign, submission.utm_source) == ("spring", "website")
    assert submission.status == SubmissionStatus.PROCESSED and submission.prospect_id == prospect.id
    assert submission.message == "Is the flat on Calle Mayor still free?"


def test_the_robot_trap_is_out_of_a_persons_sight(page, live_server, website, sol):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(website.page("/contact.html", _framing_page(f"{live_server}{sol.path}")))
    form = page.frame_locator("iframe[title='Contact us']")

    name = form.get_by_label("First name").bounding_box()
    trap = form.locator("input[name='website']").bounding_box()

    assert name is not None and name["x"] >= 0 and name["width"] > 50  # the real fields are seen
    assert trap is None or trap["x"] + trap["width"] <= 0, f"the trap is on screen at {trap}"
    assert form.locator("input[name='website']").get_attribute("tabindex") == "-1"
    assert form.locator(".trap").get_attribute("aria-hidden") == "true"


def test_a_form_with_a_thank_you_page_shows_it_in_the_frame(page, live_server, website, sol):
    thanks = website.page(
        "/gracias.html", "<!doctype html><title>Gracias</title><p>Gracias from our site</p>", host="127.0.0.1"
    )
    path = sol.build(slug="viewing", name="Book a viewing", redirect_url=thanks)
    page.goto(website.page("/contact.html", _framing_page(f"{live_server}{path}")))
    form = page.frame_locator("iframe[title='Contact us']")

    form.get_by_label("First name").fill("Lucía")
    form.get_by_label("E-mail").fill("lucia@example.com")
    form.get_by_role("button", name="Send").click()

    assert _eventually(sol, lambda: db.session.scalars(select(Prospect)).first()) is not None
    form.get_by_text("Gracias from our site").wait_for(state="visible", timeout=5_000)
