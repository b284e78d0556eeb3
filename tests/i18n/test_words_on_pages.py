"""Stored values (sources, operations, types, languages, a visit's status), plugin names and
settings, the sign-in message and percentages are shown in the reader's language."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from html import unescape

from realty_crm import tenancy
from realty_crm.models import Role, utcnow
from realty_crm.services import plugins, visits
from realty_crm.testing.factories import form_token


def _text(response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.status_code
    return unescape(re.sub(r"\s+", " ", response.get_data(as_text=True)))


def test_the_sign_in_message_follows_the_browsers_language(app):
    for language, message in (("es-ES,es;q=0.9", "Inicia sesión para ver esta página."),
                              ("en", "Please sign in to see this page.")):
        client = app.test_client()
        headers = {"Accept-Language": language}
        assert client.get("/prospects", headers=headers).status_code == 302
        page = _text(client.get("/login", headers=headers))
        assert message in page
        assert "Please log in to access this page." not in page


def test_the_users_list_names_the_languages_in_the_readers_language(people, login, make):
    make.user(people.agencia, Role.AGENT, name="Políglota", languages=["es", "en", "pt-BR", "xx"])
    make.user(people.agency, Role.AGENT, name="Polyglot", languages=["es", "en", "pt-BR", "xx"])
    row = _text(login(people.admin_es).get("/users")).split("Políglota")[1].split("</tr>")[0]
    assert "español, inglés, portugués (Brasil), xx" in row
    admin = make.user(people.agency, Role.ADMIN, name="Edward Admin")
    row = _text(login(admin).get("/users")).split("Polyglot")[1].split("</tr>")[0]
    assert "Spanish, English, Portuguese (Brazil), xx" in row


def _upload(browser) -> str:  # type: ignore[no-untyped-def]
    """Upload a small CSV file to import; the address of its preview."""
    csv = (
        "Nombre;Correo;Origen;Operación;Tipo\n"
        "Lucía;lucia@example.com;phone;buy;flat, penthouse\n"
    ).encode()
    uploaded = browser.post("/imports/new", data={"csrf_token": form_token(browser, "/imports/new"),
                                                  "file": (io.BytesIO(csv), "leads.csv")},
                            content_type="multipart/form-data")
    assert uploaded.status_code == 302, uploaded.get_data(as_text=True)[:500]
    return uploaded.headers["Location"]


def test_the_import_preview_shows_sources_operations_and_types_in_spanish(people, login, make):
    browser = login(make.user(people.agencia, Role.MANAGER, name="Mónica Gerente"))
    page = _text(browser.get(_upload(browser)))
    row = page.split('data-label="Fila"')[1].split("</tr>")[0]
    for shown in ("Teléfono", "Compra", "Piso, Ático"):
        assert f">{shown}</td>" in row, shown
    for raw in ("phone", "buy", "flat", "penthouse"):
        assert f">{raw}</td>" not in row and f">{raw}," not in row


def test_a_done_visit_is_hecha_in_spanish(people, login, make):
    flat = make.property(people.admin_es, reference="SEV-1")
    prospect = make.prospect(people.admin_es, first_name="Rocío", assigned_agent_id=people.agente.id)
    with tenancy.scope(people.agencia.id):
        visit = visits.schedule_visit(people.admin_es, {
            "property_id": flat.id, "prospect_id": prospect.id, "agent_id": people.agente.id,
            "starts_at": (utcnow() - timedelta(days=1)).replace(microsecond=0).isoformat(),
            "duration_minutes": 45, "status": "done",
        })
    page = _text(login(people.agente).get(f"/visits/{visit.id}"))
    assert "Hecha" in page and "Hecho" not in page


def test_plugin_names_descriptions_and_settings_are_in_the_readers_language(people, login):
    plugins.set_enabled(None, people.agencia, "calendar_sync", True)
    admin = login(people.admin_es)
    listing = _text(admin.get("/settings/plugins"))
    assert "Calendarios sincronizados" in listing and "Formularios de captación" in listing
    assert "Calendar sync" not in listing and "Secret, revocable" not in listing
    settings = _text(admin.get("/settings/plugins/calendar_sync"))
    assert "Días de visitas pasadas" in settings and "Días de visitas futuras" in settings
    assert "Los calendarios muestran las visitas que empezaron" in settings
    assert "Days of past visits" not in settings
    nav = _text(login(people.agente).get("/"))
    assert "Calendarios suscritos" in nav and "Calendar feeds" not in nav


def test_plugin_settings_stay_english_for_an_english_reader(people, login, make):
    admin = make.user(people.agency, Role.ADMIN, name="Edward Admin")
    page = _text(login(admin).get("/settings/plugins/calendar_sync"))
    assert "Days of past visits" in page and "Días de visitas pasadas" not in page


def test_match_scores_write_the_percentage_the_readers_way(people, login, make):
    wish = {"operation": "buy", "property_types": ["flat"], "max_price": "300000", "areas": ["Triana"]}
    prospect = make.prospect(people.agente, first_name="Rocío", requirements=wish)
    make.property(people.admin_es, reference="FIT-1", price="280000", area="Triana")
    make.property(people.admin_es, reference="OVER-1", price="315000", area="Triana")
    page = _text(login(people.agente).get(f"/prospects/{prospect.id}"))
    assert "100 % de coincidencia" in page
    assert "precio un 5 % por encima de su presupuesto" in page


def test_count_columns_agree_in_number_and_gender_in_spanish(people, login, make):
    browser = login(make.user(people.agencia, Role.MANAGER, name="Mónica Gerente"))
    _upload(browser)
    imports = _text(browser.get("/imports"))
    for header in ("Creados", "Fusionados", "Omitidos"):
        assert f">{header}</th>" in imports, header
    reports = _text(browser.get("/reports"))
    assert '<th scope="col" class="num">Ganados</th>' in reports  # prospects won, counted
