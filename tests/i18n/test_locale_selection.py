"""Which language a page speaks: the user's setting, else the agency's, else (before login) the browser's."""

from __future__ import annotations

import pytest

from realty_crm.extensions import db
from realty_crm.testing.factories import form_token


def _html_lang(page: str) -> str:
    return page.split('<html lang="', 1)[1].split('"', 1)[0]


@pytest.mark.parametrize("header", ["es", "es-ES,es;q=0.9,en;q=0.8", "es-MX", "fr;q=1.0, es;q=0.5"])
def test_login_page_is_spanish_for_a_spanish_browser(client, header):
    page = client.get("/login", headers={"Accept-Language": header}).get_data(as_text=True)
    assert _html_lang(page) == "es"
    assert "Iniciar sesión" in page
    assert "Inicia sesión en tu agencia." in page
    assert "Contraseña" in page and "Correo electrónico" in page
    assert "Sign in" not in page and "Password" not in page


@pytest.mark.parametrize("header", [None, "en", "en-GB,en;q=0.9", "fr-FR", "de, fr;q=0.5", "*", "!!;q=x, ??"])
def test_login_page_is_english_for_any_other_browser(client, header):
    headers = {"Accept-Language": header} if header is not None else {}
    response = client.get("/login", headers=headers)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert _html_lang(page) == "en"
    assert "Sign in to your agency." in page and "Password" in page
    assert "Contraseña" not in page


def test_wrong_password_message_follows_the_browser_before_login(client, people):
    headers = {"Accept-Language": "es"}
    token = form_token(client, "/login")
    response = client.post(
        "/login",
        data={"email": people.agente.email, "password": "not the password", "csrf_token": token},
        headers=headers,
    )
    assert response.status_code == 401
    assert "Correo electrónico o contraseña incorrectos." in response.get_data(as_text=True)


def test_user_of_a_spanish_agency_sees_the_dashboard_in_spanish(people, login):
    client = login(people.agente)
    page = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert _html_lang(page) == "es"
    assert "Hola, Lucía Agente" in page
    assert "Interesados" in page and "Inmuebles" in page and "Cerrar sesión" in page
    assert "Sign out" not in page and "Hello," not in page


def test_user_of_a_spanish_agency_sees_the_prospect_list_in_spanish(people, login, make):
    make.prospect(people.agente, first_name="Rocío", last_name="Vega", source="portal")
    page = login(people.agente).get("/prospects").get_data(as_text=True)
    assert _html_lang(page) == "es"
    assert "Filtrar interesados" in page and "Nuevo interesado" in page
    assert "1 interesado" in page and "1 prospect" not in page
    assert "Portal inmobiliario" in page  # the prospect's source, as a translated label
    assert "Rocío" in page


def test_plural_of_the_prospect_count_in_spanish(people, login, make):
    for n in range(2):
        make.prospect(people.agente, first_name=f"Persona{n}")
    page = login(people.agente).get("/prospects").get_data(as_text=True)
    assert "2 interesados" in page


def test_users_own_english_overrides_the_spanish_agency(people, login, make):
    make.prospect(people.agent_prefers_en, first_name="Rocío")
    client = login(people.agent_prefers_en)
    dashboard = client.get("/", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert _html_lang(dashboard) == "en"
    assert "Hello, Oliver Abroad" in dashboard and "Sign out" in dashboard
    assert "Cerrar sesión" not in dashboard
    prospects = client.get("/prospects").get_data(as_text=True)
    assert "Filter prospects" in prospects and "1 prospect" in prospects
    assert "Filtrar interesados" not in prospects


def test_users_own_spanish_overrides_the_english_agency(people, login):
    page = login(people.agente_prefers_es).get("/prospects").get_data(as_text=True)
    assert "Filtrar interesados" in page


def test_user_of_an_english_agency_sees_english_even_with_a_spanish_browser(people, login):
    page = login(people.agent).get("/prospects", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "Filter prospects" in page and "Filtrar interesados" not in page


def test_changing_the_agency_language_changes_the_next_page(people, login):
    client = login(people.agent)
    assert "Filter prospects" in client.get("/prospects").get_data(as_text=True)
    people.agency.locale = "es"
    db.session.commit()
    assert "Filtrar interesados" in client.get("/prospects").get_data(as_text=True)


def test_a_language_the_app_does_not_speak_falls_back_to_the_agency_then_the_browser(people, login):
    people.agente.locale = "fr"
    db.session.commit()
    assert "Filtrar interesados" in login(people.agente).get("/prospects").get_data(as_text=True)
    people.agency.locale = "de"
    db.session.commit()
    client = login(people.agent)
    assert "Filter prospects" in client.get("/prospects").get_data(as_text=True)
    page = client.get("/prospects", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "Filtrar interesados" in page


def test_a_regional_setting_picks_its_language(people, login):
    people.agent.locale = "es_ES"
    db.session.commit()
    assert "Filtrar interesados" in login(people.agent).get("/prospects").get_data(as_text=True)


def test_a_page_after_sign_out_follows_the_browser_again(people, login):
    client = login(people.agente)
    token = form_token(client, "/prospects")
    response = client.post("/logout", data={"csrf_token": token}, headers={"Accept-Language": "en"})
    assert response.status_code == 302
    page = client.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Sign in to your agency." in page and "You are signed out." in page
