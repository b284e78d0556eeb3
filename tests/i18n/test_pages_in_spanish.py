"""Every page reachable from the dashboard, as each role of a Spanish agency with every plugin on,
looks up only message ids the Spanish catalogue translates: an English sentence left on a
page fails here, named with the pages that show it."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from html import unescape
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale, gettext, lazy_pgettext, ngettext, pgettext
from realty_crm_marketing_forms import editor

from realty_crm import tenancy
from realty_crm.models import Role, User, utcnow
from realty_crm.services import plugins, visits
from realty_crm.testing.factories import Factory
from realty_crm.testing.untranslated import recording

# links not to follow: they sign out, download files or leave the pages
NOT_PAGES = re.compile(r"/logout|\.ics$|/exports?/|\.csv|\.xlsx|/static/|^/api/|^/f/")
MOST_PAGES = 80
# the first-party plugins and the example plugin, all installed by `make install`
PLUGINS = ("calendar_sync", "marketing_forms", "visit_notes")


@pytest.fixture
def agencia(make: Factory) -> dict[str, User]:
    """A Spanish agency with a little of everything, and every installed plugin enabled."""
    agency = make.agency("Pisos Triana", locale="es", currency="EUR")
    staff = {
        "admin": make.user(agency, Role.ADMIN, name="Adela Admin"),
        "manager": make.user(agency, Role.MANAGER, name="Manuel Gerente"),
        "agent": make.user(agency, Role.AGENT, name="Lucía Agente", languages=["es", "en"]),
    }
    manager, agent = staff["manager"], staff["agent"]
    flat = make.property(manager, reference="SEV-1", title="Piso en Triana", address="Calle Betis 1",
                         city="Sevilla")
    prospect = make.prospect(manager, first_name="Rocío", last_name="Vega", source="phone",
                             assigned_agent_id=agent.id)
    make.prospect(manager, first_name="Nadie", last_name="Asignado", source="web_form")
    make.call(agent, prospect)
    make.follow_up(agent, prospect)
    with tenancy.scope(agency.id):
        for days, status in ((-2, "done"), (3, "scheduled")):
            visits.schedule_visit(manager, {
                "property_id": flat.id, "prospect_id": prospect.id, "agent_id": agent.id,
                "starts_at": (utcnow() + timedelta(days=days)).replace(microsecond=0).isoformat(),
                "duration_minutes": 45, "status": status,
            })
    for name in PLUGINS:
        plugins.set_enabled(None, agency, name, True)
    with tenancy.scope(agency.id):
        editor.save_form(manager, None, {
            "name": "Contacto", "slug": "contacto", "fields": [{"name": "email"}, {"name": "operation"}],
        })
    return staff


def _links(page: str) -> list[str]:
    return [unescape(href) for href in re.findall(r'href="(/[^"#]*)"', page)]


def _walk(app: Flask, client: FlaskClient) -> dict[str, int]:
    """GET the dashboard and, breadth first, one address of each page it leads to (a page per
    record id, but each plugin's settings page): {path: status}."""
    adapter = app.url_map.bind("localhost")
    seen_pages: set[tuple[str, ...]] = set()
    statuses: dict[str, int] = {}
    queue = ["/"]
    while queue and len(statuses) < MOST_PAGES:
        path = queue.pop(0)
        if path in statuses or NOT_PAGES.search(path):
            continue
        endpoint, args = adapter.match(urlsplit(path).path, method="GET")
        page = (endpoint, *sorted(str(v) for v in args.values() if not isinstance(v, int)))
        if page in seen_pages:
            continue
        seen_pages.add(page)
        response = client.get(path)
        statuses[path] = response.status_code
        if response.mimetype == "text/html":
            queue += _links(response.get_data(as_text=True))
    return statuses


@pytest.mark.parametrize("role", ["agent", "manager", "admin"])
def test_no_page_shows_a_message_without_its_spanish_translation(
    app: Flask, agencia: dict[str, User], login: Callable[[User], FlaskClient], role: str
):
    client = login(agencia[role])
    with recording("es") as missing:
        statuses = _walk(app, client)
    assert len(statuses) > 12, sorted(statuses)  # the walk did reach the app's pages
    assert {path: status for path, status in statuses.items() if status != 200} == {}
    assert not missing, (
        f"{len(missing)} message id(s) shown to a Spanish {role} have no Spanish translation "
        f"(add them to realty_crm/translations/es/LC_MESSAGES/messages.po):\n  "
        + "\n  ".join(sorted(missing))
    )


def test_the_pages_before_sign_in_show_no_message_without_its_spanish_translation(
    agencia: dict[str, User], client: FlaskClient
):
    spanish = {"Accept-Language": "es-ES,es;q=0.9"}
    slug = agencia["admin"].agency.slug
    with recording("es") as missing:
        pages = [client.get(path, headers=spanish) for path in ("/login", f"/f/{slug}/contacto")]
        refused = client.post("/login", data={"email": "x", "password": "y"}, headers=spanish)
    assert [page.status_code for page in pages] == [200, 200]
    assert refused.status_code in (400, 401)
    assert not missing, sorted(missing)


def test_the_guard_notes_exactly_the_ids_the_catalogue_lacks(app: Flask):
    with recording("es") as missing, app.test_request_context("/"), force_locale("es"):
        assert gettext("Prospects") == "Interesados"
        assert gettext("A sentence nobody translated") == "A sentence nobody translated"
        assert ngettext("%(num)s prospect", "%(num)s prospects", 2) == "2 interesados"
        assert str(lazy_pgettext("visit status", "Done")) == "Hecha"
        assert pgettext("nowhere", "Done") == "Done"
    assert missing == {"A sentence nobody translated", "Done (context nowhere)"}
