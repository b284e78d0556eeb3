"""Validation messages reach each user in their language, on forms and in the API;
the API's keys stay the same."""

from __future__ import annotations

from typing import Any

from realty_crm.extensions import db

from .conftest import field_error, post_form

FORM = {
    "first_name": "Lucía",
    "last_name": "Martín",
    "email": "lucia@example.com",
    "phone": "600 123 456",
    "source": "portal",
    "status": "new",
    "operation": "buy",
    "min_price": "200000",
    "max_price": "350000",
}

BAD_PROSPECT: dict[str, Any] = {
    "first_name": "",
    "last_name": "x" * 101,
    "email": "not-an-email",
    "phone": "12",
    "source": "pigeon",
    "marketing_consent": "maybe",
    "tags": ["ok", "t" * 51],
    "colour": "red",
    "requirements": {
        "operation": "steal",
        "min_price": "abc",
        "min_bedrooms": 99,
        "min_area_m2": "big",
        "areas": "Centro",
    },
}


def test_form_errors_are_spanish_for_a_spanish_user(people, login):
    client = login(people.agente)
    bad = {
        **FORM,
        "first_name": "",
        "last_name": "x" * 101,
        "email": "not-an-email",
        "phone": "12",
        "min_price": "500000",
        "max_price": "100000",
    }
    response = post_form(client, "/prospects/new", bad)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert field_error(page, "first_name") == "Debe tener al menos 1 carácter"
    assert field_error(page, "last_name") == "Debe tener como máximo 100 caracteres"
    assert field_error(page, "email") == "no es una dirección de correo electrónico válida"
    assert field_error(page, "phone") == "no es un número de teléfono válido"
    assert "should" not in page and "not a valid" not in page


def test_form_rule_broken_by_our_own_validator_is_spanish(people, login):
    response = post_form(login(people.agente), "/prospects/new", {**FORM, "min_price": "500000"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "el precio mínimo (min_price) es mayor que el máximo (max_price)" in page
    assert "min_price is above max_price" not in page


def test_form_field_parsing_errors_are_spanish_too(people, login):
    """The form's own parsing (WTForms) speaks the same language as the rest of the page."""
    bad = {**FORM, "min_price": "abc", "min_bedrooms": "dos"}
    response = post_form(login(people.agente), "/prospects/new", bad)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert field_error(page, "min_price").startswith("No es un n")  # WTForms' own Spanish catalogue
    assert field_error(page, "min_bedrooms") == "No es un valor entero válido."


def test_the_same_form_errors_are_english_for_an_english_user(people, login):
    response = post_form(login(people.agent), "/prospects/new", {**FORM, "first_name": "", "email": "x"})
    page = response.get_data(as_text=True)
    assert field_error(page, "first_name") == "String should have at least 1 character"
    assert field_error(page, "email") == "not a valid e-mail address"


def test_settings_form_errors_are_spanish_for_a_spanish_admin(people, login):
    client = login(people.admin_es)
    response = post_form(
        client,
        "/settings/agency",
        {"name": "Pisos Triana", "timezone": "Marte/Olimpo", "locale": "es", "currency": "EURO"},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert field_error(page, "timezone") == "no es una zona horaria IANA, p. ej. Europe/Madrid"
    assert field_error(page, "currency") == "debe ser un código ISO 4217 de tres letras, p. ej. EUR"


def _error(response: Any) -> dict[str, Any]:
    assert response.status_code == 422, response.get_data(as_text=True)
    return response.get_json()["error"]


def test_api_validation_errors_are_spanish_for_a_spanish_user(people, api):
    error = _error(api(people.agente).post("/api/v1/prospects", json=BAD_PROSPECT))
    details = error["details"]
    assert error["code"] == "validation_error"
    assert error["message"] == "Algunos campos no son válidos."
    assert details["first_name"] == "Debe tener al menos 1 carácter"
    assert details["last_name"] == "Debe tener como máximo 100 caracteres"
    assert details["email"] == "no es una dirección de correo electrónico válida"
    assert details["phone"] == "no es un número de teléfono válido"
    assert details["source"].startswith("Debe ser 'web_form', 'phone', ")
    assert details["source"].endswith("'email' o 'other'")
    assert details["marketing_consent"] == "Debe ser verdadero o falso"
    assert details["tags.1"] == "Debe tener como máximo 50 caracteres"
    assert details["colour"] == "campo desconocido"
    assert details["requirements.operation"] == "Debe ser 'buy' o 'rent'"
    assert details["requirements.min_price"] == "Debe ser un número decimal válido"
    assert details["requirements.min_bedrooms"] == "Debe ser menor o igual que 50"
    assert details["requirements.min_area_m2"] == "Debe ser un número entero válido"
    assert details["requirements.areas"] == "Debe ser una lista válida"


def test_api_error_keys_are_the_same_in_every_language(people, api):
    spanish = _error(api(people.agente).post("/api/v1/prospects", json=BAD_PROSPECT))["details"]
    english = _error(api(people.agent).post("/api/v1/prospects", json=BAD_PROSPECT))["details"]
    assert set(spanish) == set(english)
    assert english["colour"] == "unknown field"
    assert english["last_name"] == "String should have at most 100 characters"
    assert english["requirements.operation"] == "Input should be 'buy' or 'rent'"
    assert all(spanish[key] != english[key] for key in spanish)


def test_api_follows_the_token_users_setting_not_the_browser(people, api):
    spanish_browser = {"Accept-Language": "es"}
    response = api(people.agent_prefers_en).post(
        "/api/v1/prospects", json={"first_name": ""}, headers=spanish_browser
    )
    assert _error(response)["details"]["first_name"] == "String should have at least 1 character"
    response = api(people.agente_prefers_es).post("/api/v1/prospects", json={"first_name": ""})
    assert _error(response)["details"]["first_name"] == "Debe tener al menos 1 carácter"


def test_api_bounds_are_written_the_spanish_way(people, api, make):
    prop = make.property(people.agente)
    response = api(people.agente).patch(f"/api/v1/properties/{prop.id}", json={"owner_id": 10**10})
    assert _error(response)["details"]["owner_id"] == "Debe ser menor o igual que 2.147.483.647"


def test_api_refusal_without_a_token_follows_the_browser(client):
    response = client.get("/api/v1/prospects", headers={"Accept-Language": "es"})
    assert response.status_code == 401
    assert response.get_json()["error"]["message"] == (
        "Envía un token de API válido como 'Authorization: Bearer <token>'."
    )


def test_a_service_rule_is_refused_in_spanish(people, api):
    response = api(people.agente).post("/api/v1/prospects", json={"first_name": "Ana", "status": "lost"})
    assert _error(response)["details"]["lost_reason"] == "Indica por qué se perdió el interesado."


def test_nothing_is_saved_when_spanish_validation_fails(people, api):
    from sqlalchemy import func, select

    from realty_crm import tenancy
    from realty_crm.models import Prospect

    api(people.agente).post("/api/v1/prospects", json=BAD_PROSPECT)
    with tenancy.scope(people.agencia.id):
        assert db.session.scalar(select(func.count(Prospect.id))) == 0
