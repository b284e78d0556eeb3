"""Every API error answers in one language, by one rule: the token user's own language, else
their agency's, else the caller's ``Accept-Language`` (no valid token), whatever the status."""

from __future__ import annotations

from typing import Any

import pytest

from realty_crm.models import Role


def _message(response: Any, status: int) -> str:
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    return response.get_json()["error"]["message"]


# (method, path, extra request arguments, status, Spanish message, English message)
ERRORS = [
    ("GET", "/api/v1/no-such-resource", {}, 404, "No encontrado.", "Not found."),
    ("GET", "/api/v1/prospects/2147483647", {}, 404, "No encontrado.", "Not found."),
    ("DELETE", "/api/v1/agency", {}, 405,
     "Esta dirección no admite ese tipo de petición.", "This address does not take that kind of request."),
    ("POST", "/api/v1/prospects", {"data": "x" * 3_000_000, "content_type": "application/json"}, 413,
     "Lo que has enviado es demasiado grande.", "What you sent is too large."),
    ("POST", "/api/v1/prospects", {"json": {"first_name": ""}}, 422,
     "Algunos campos no son válidos.", "Some fields are not valid."),
    ("POST", "/api/v1/prospects", {"data": "{\x00", "content_type": "application/json"}, 400,
     "El cuerpo de la petición no es un JSON válido.", "The body is not valid JSON."),
]


@pytest.mark.parametrize(("method", "path", "extra", "status", "spanish", "english"), ERRORS,
                         ids=[f"{e[3]}-{e[1]}" for e in ERRORS])
def test_every_api_error_is_in_the_token_users_language_whatever_the_browser_asks(
    people, api, method, path, extra, status, spanish, english
):
    english_browser = {"Accept-Language": "en"}
    spanish_browser = {"Accept-Language": "es"}
    agente = api(people.agente)  # a Spanish agency
    oliver = api(people.agent_prefers_en)  # the same agency, English by choice
    assert _message(agente._call(method, path, headers=english_browser, **extra), status) == spanish
    assert _message(oliver._call(method, path, headers=spanish_browser, **extra), status) == english


def test_a_rejected_token_is_answered_in_the_browsers_language(client):
    bad = {"Authorization": "Bearer not-a-token"}
    spanish = client.get("/api/v1/prospects", headers={**bad, "Accept-Language": "es-ES,es;q=0.9"})
    english = client.get("/api/v1/prospects", headers={**bad, "Accept-Language": "en"})
    assert _message(spanish, 401) == "Envía un token de API válido como 'Authorization: Bearer <token>'."
    assert _message(english, 401) == "Send a valid API token as 'Authorization: Bearer <token>'."


def test_the_rate_limit_is_answered_in_the_users_language(app_factory, make):
    app = app_factory(API_RATE_LIMIT="2 per minute")
    agency = make.agency("Pisos Triana", locale="es")
    token = make.token(make.user(agency, Role.AGENT))
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}", "Accept-Language": "en"}
    statuses = [client.get("/api/v1/me", headers=headers).status_code for _ in range(2)]
    limited = client.get("/api/v1/me", headers=headers)
    assert statuses == [200, 200]
    assert _message(limited, 429) == "Demasiados intentos. Vuelve a intentarlo dentro de unos minutos."
