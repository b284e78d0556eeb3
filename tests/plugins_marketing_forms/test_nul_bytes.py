"""A NUL byte in a public enquiry is refused with a message in the visitor's language, and nothing
is stored: no submission, no prospect (PostgreSQL answered 500; SQLite stored it silently)."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("field", ["first_name", "email", "message", "area"])
def test_a_nul_in_an_enquiry_field_is_refused_and_nothing_is_stored(sol, visitor, answers, field):
    answers[field] = answers[field][:3] + "\x00" + answers[field][3:]

    response = visitor.send(sol.path, answers)

    assert response.status_code == 400
    assert f"The field “{field}” contains a NUL character" in response.get_data(as_text=True)
    assert sol.submissions() == [] and sol.prospects() == []
    answers[field] = answers[field].replace("\x00", "")
    assert visitor.send(sol.path, answers).status_code < 400  # the same enquiry without it is taken
    assert len(sol.prospects()) == 1


def test_the_refusal_speaks_the_visitors_language(sol, visitor, answers):
    answers["last_name"] = "Gar\x00cía"

    response = visitor.send(sol.path, answers, headers={"Accept-Language": "es-ES,es;q=0.9"})

    assert response.status_code == 400
    assert "El campo “last_name” contiene un carácter NUL" in response.get_data(as_text=True)
    assert sol.submissions() == [] and sol.prospects() == []


def test_a_nul_in_the_address_of_a_form_is_refused(sol, visitor):
    response = visitor.open(sol.path + "%00")

    assert response.status_code == 400
    assert "The field “form_slug” contains a NUL character" in response.get_data(as_text=True)

