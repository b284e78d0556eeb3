"""In a real headless Chromium: every page fits a 390 px phone, in English and in Spanish, for each
role that may open it (plugins enabled), and the admin's top bar shows "Sign out" at desktop widths.

The pages are found in the app's URL map, so a new page is measured without touching this file:
GET routes without parameters, and detail pages with the ids of the demo agency's records. Routes
that answer something other than a page are listed in ``NOT_PAGES`` with the reason. Pages a
visitor may open without signing in (the login, the public enquiry form) are measured as a visitor.
Layout does not depend on the database: these tests run on the SQLite run of the suite only.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from realty_crm_marketing_forms import editor
from sqlalchemy import select, update

from realty_crm import tenancy
from realty_crm.demo import DEMO_PASSWORD, load_demo
from realty_crm.extensions import db
from realty_crm.models import Role, User, Visit
from realty_crm.plugin_host import get_host
from realty_crm.services import calls, plugins, prospect_import
from realty_crm.testing.factories import PASSWORD
from realty_crm.testing.fixtures import TEST_DB_ENV

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(bool(os.environ.get(TEST_DB_ENV)), reason="layout is measured on the SQLite run"),
]
playwright = pytest.importorskip("playwright.sync_api")

PHONE = {"width": 390, "height": 844}
DESKTOPS = (800, 1024, 1280)
LANGUAGES = ("en", "es")
ROLES = (Role.AGENT, Role.MANAGER, Role.ADMIN)

# GET routes that are not pages a person reads on screen
NOT_PAGES = {
    "static": "stylesheets and scripts",
    "calendar_sync_feed.feed": "the ICS feed a calendar app subscribes to",
    "prospects.export": "CSV/XLSX download",
    "prospects.export_calls": "CSV/XLSX download",
    "properties.export": "CSV/XLSX download",
    "visits.export": "CSV/XLSX download",
    "reports.download": "CSV/XLSX download of a report",
}
NOT_PAGE_BLUEPRINTS = {
    "api": "the JSON API (and its OpenAPI document)",
    "health": "JSON answers of the health checks (/healthz, /readyz)",
    "pickers": "JSON answers of the search-as-you-type pickers",
}

# a plugin's own static files (its blueprint's ``static`` endpoint) are not pages either
NOT_PAGE_SUFFIXES = (".static",)

# what sticks out: the innermost elements whose box or text reaches past the viewport's edge, unless
# a box that scrolls or clips holds them (an absolutely placed one may escape it)
WIDTH = """() => {
  const doc = document.documentElement;
  return {scroll: doc.scrollWidth, client: doc.clientWidth, lang: doc.lang};
}"""
CULPRITS = r"""() => {
  const limit = document.documentElement.clientWidth + 0.5;
  const boxed = (el) => {
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      if (getComputedStyle(up).overflowX !== 'visible') return true;
    }
    return false;
  };
  const reaches = (el) => {
    const box = el.getBoundingClientRect(), style = getComputedStyle(el);
    const loose = ['absolute', 'fixed'].includes(style.position);
    const text = style.overflowX === 'visible' ? box.left + el.scrollWidth : box.right;
    return Math.max(box.right, text) > limit && (loose || !boxed(el));
  };
  return [...document.body.querySelectorAll('*')]
    .filter((el) => reaches(el) && ![...el.children].some(reaches))
    .slice(0, 4)
    .map((el) => `<${el.tagName.toLowerCase()} class="${el.getAttribute('class') || ''}">`
      + ` ${(el.textContent || '').replace(/\s+/g, ' ').trim().slice(0, 30)}`);
}"""


@dataclass
class Agency:
    """The demo agency with every plugin on: a user of each role, and a value for each URL
    parameter a page takes (the ids of its records)."""

    users: dict[Role, User]
    arguments: dict[str, list[Any]]
    queries: dict[str, list[dict[str, Any]]]

    def set_language(self, language: str) -> None:
        """The language every user of the agency reads the pages in."""
        db.session.rollback()  # no snapshot older than the server's last write
        ids = [user.id for user in self.users.values()]
        db.session.execute(update(User).where(User.id.in_(ids)).values(locale=language))
        db.session.commit()


@pytest.fixture
def demo(app: Flask) -> Agency:
    loaded = load_demo(locale="es")
    agency = loaded.agency
    staff = db.session.scalars(select(User).where(User.agency_id == agency.id)).all()
    users = {role: next(u for u in staff if u.role == role) for role in ROLES}
    agent, manager = users[Role.AGENT], users[Role.MANAGER]
    colleague = next(u for u in staff if u.role == Role.AGENT and u.id != agent.id)
    for name in get_host().names:
        plugins.set_enabled(None, agency, name, True)
    with tenancy.scope(agency.id):
        # the agent's latest visit: its prospect and property are ones the agent may open
        visit = db.session.scalars(
            select(Visit).where(Visit.agent_id == agent.id).order_by(Visit.starts_at.desc())
        ).first()
        assert visit is not None, "the demo gives the agent no visit"
        # a call the agent logged with that prospect, for the page that corrects it
        call = calls.log_call(manager, {"prospect_id": visit.prospect_id, "agent_id": agent.id,
                                        "direction": "outbound", "outcome": "answered",
                                        "summary": "Llamada de prueba"})
        upload = prospect_import.upload(
            manager, "leads.csv",
            "name,email,phone\nMaría de los Ángeles Fernández-Villaverde,"
            "maria.de.los.angeles.fernandez.villaverde@correo-largo.example.com,600111222\n".encode(),
        )
        form = editor.save_form(manager, None, {
            "name": "Solicite una visita", "slug": "solicite-una-visita-de-prueba",
            "fields": [{"name": "email", "required": True}, {"name": "phone"}, {"name": "message"}],
            "consent_text": "Deseo recibir noticias sobre inmuebles como este.",
        })
        arguments = {
            "prospect_id": [visit.prospect_id], "property_id": [visit.property_id],
            "visit_id": [visit.id], "user_id": [agent.id], "import_id": [upload.id], "call_id": [call.id],
            "form_id": [form.id], "agency_slug": [agency.slug], "form_slug": [form.slug],
            "name": get_host().names,  # Settings → Plugins → each plugin
        }
        # pages that show something only when asked about a record, or that have several views
        queries = {
            "distribution.confirm": [{"prospect_ids": [visit.prospect_id], "agent": colleague.id}],
            "visits.new": [{}, {"prospect_id": visit.prospect_id}],
            "calendar.index": [{}, {"view": "week"}],
        }
    db.session.commit()
    return Agency(users, arguments, queries)


def _is_page(rule: Any) -> bool:
    endpoint = rule.endpoint
    return (
        "GET" in rule.methods
        and endpoint not in NOT_PAGES
        and endpoint.split(".")[0] not in NOT_PAGE_BLUEPRINTS
        and not endpoint.endswith(NOT_PAGE_SUFFIXES)
    )


def page_paths(
    app: Flask, arguments: dict[str, list[Any]], queries: dict[str, list[dict[str, Any]]]
) -> list[str]:
    """The address of every page in the URL map, each parameter filled with each of its values,
    with each of the queries listed for it (none if none is)."""
    paths = []
    with app.test_request_context():
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
            if not _is_page(rule):
                continue
            needed = sorted(rule.arguments - set(rule.defaults or {}))
            missing = [name for name in needed if name not in arguments]
            assert not missing, (
                f"{rule.rule} takes {missing}: give a seeded value in the demo fixture, "
                "or list the route in NOT_PAGES if it is not a page"
            )
            combos = queries.get(rule.endpoint, [{}])
            for name in needed:
                combos = [{**combo, name: value} for combo in combos for value in arguments[name]]
            paths.extend(app.url_for(rule.endpoint, **combo) for combo in combos)
    return paths


def _sign_in(tab: Any, user: User, password: str = DEMO_PASSWORD) -> None:
    tab.goto("/login")
    tab.locator("input[name=email]").fill(user.email)
    tab.locator("input[name=password]").fill(password)
    tab.locator("form button[type=submit]").click()
    tab.wait_for_url("**/")


@pytest.fixture
def context_for(browser: Any, live_server: str) -> Iterator[Any]:
    """``context_for(language, viewport)``: a browser context that asks for ``language``."""
    contexts: list[Any] = []

    def open_context(language: str, viewport: dict[str, int]) -> Any:
        context = browser.new_context(base_url=live_server, viewport=viewport, locale=language)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield open_context
    for context in contexts:
        context.close()


def _measure(tab: Any, path: str, who: str, language: str) -> tuple[bool, str | None]:
    """Open ``path``; whether it is a page ``who`` sees, and what is wrong with its width if anything."""
    response = tab.goto(path)
    assert response is not None, f"{path} gave no response"
    if response.status in (403, 404):
        return False, None
    content_type = response.headers.get("content-type", "")
    assert response.status == 200 and content_type.startswith("text/html"), (
        f"{path} ({who}, {language}) answered {response.status} {content_type}: "
        "a route that is not a page belongs in NOT_PAGES"
    )
    seen = tab.evaluate(WIDTH)
    assert seen["lang"] == language, f"{path} ({who}) is in {seen['lang']!r}, not {language!r}"
    if seen["scroll"] > seen["client"]:
        return True, (
            f"{path} ({who}, {language}): {seen['scroll']} px wide on a {seen['client']} px screen; "
            f"sticking out: {', '.join(tab.evaluate(CULPRITS)) or 'nothing found'}"
        )
    return True, None


def test_every_page_fits_a_phone_in_both_languages_for_each_role(app, demo, context_for):
    paths = page_paths(app, demo.arguments, demo.queries)
    anonymous = app.test_client()
    public = [path for path in paths if anonymous.get(path).status_code == 200]
    readers = {"visitor": public} | {role: [p for p in paths if p not in public] for role in ROLES}
    seen: set[str] = set()
    too_wide: list[str] = []
    for language in LANGUAGES:
        demo.set_language(language)
        for reader, pages in readers.items():
            tab = context_for(language, PHONE).new_page()
            if reader != "visitor":
                _sign_in(tab, demo.users[reader])
            for path in pages:
                shown, problem = _measure(tab, path, str(reader), language)
                seen.update([path] if shown else [])
                too_wide.extend([problem] if problem else [])
    assert not too_wide, "pages wider than a phone:\n" + "\n".join(too_wide)
    assert not set(paths) - seen, f"pages no one could open, so never measured: {sorted(set(paths) - seen)}"
    assert "/login" in public and len(public) >= 2 and len(seen) >= 30, (public, seen)


def test_the_admins_top_bar_shows_sign_out_at_desktop_widths(make, context_for):
    agency = make.agency("Inmobiliaria Sol y Sombra de Chamberí")
    for name in get_host().names:
        plugins.set_enabled(None, agency, name, True)
    admins = {}
    for language in LANGUAGES:
        admins[language] = make.user(agency, Role.ADMIN, name="María de los Ángeles Fernández-Villaverde")
        admins[language].locale = language
    db.session.commit()
    for language, admin in admins.items():
        tab = context_for(language, {"width": DESKTOPS[0], "height": 800}).new_page()
        _sign_in(tab, admin, PASSWORD)
        sign_out = tab.locator(".topbar form[action$='/logout'] button")
        for width in DESKTOPS:
            tab.set_viewport_size({"width": width, "height": 800})
            tab.goto("/")
            box, bar = sign_out.bounding_box(), tab.locator(".topbar").bounding_box()
            assert box is not None and bar is not None and sign_out.is_visible(), f"{width} px, {language}"
            assert box["x"] >= 0 and box["x"] + box["width"] <= width, (
                f"Sign out is cut off at {width} px ({language}): {box}"
            )
            assert box["y"] + box["height"] <= bar["y"] + bar["height"], f"{width} px, {language}"
            assert tab.evaluate("document.documentElement.scrollWidth") <= width, f"{width} px, {language}"
            assert sign_out.inner_text() == {"en": "Sign out", "es": "Cerrar sesión"}[language]
