"""A NUL byte in a page's input (a form field, the login e-mail, a search box, a token name) is a
400 page naming the field in the reader's language, and nothing is stored, on both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from realty_crm import tenancy
from realty_crm.extensions import db
from realty_crm.models import ApiToken, Prospect, Role
from realty_crm.testing.factories import PASSWORD, form_token

EN = "The field “{}” contains a NUL character (\\0), which is not allowed."
ES = "El campo “{}” contiene un carácter NUL (\\0), que no está permitido."


def _count(model, agency_id: int | None = None) -> int:
    db.session.expire_all()
    query = select(func.count()).select_from(model)
    if agency_id is None:
        return db.session.scalar(query.execution_options(**tenancy.unscoped()))
    with tenancy.scope(agency_id):
        return db.session.scalar(query)


def _refused(response, field: str, sentence: str = EN) -> None:
    page = response.get_data(as_text=True)
    assert response.status_code == 400, page[:300]
    assert sentence.format(field) in page


@pytest.mark.parametrize("email", ["ada\x00@example.com", "\x00", "ada@example.com\x00"])
def test_a_nul_in_the_login_e_mail_is_refused_with_a_message(make, client, email):
    user = make.user(role=Role.AGENT, email="ada@example.com")
    token = form_token(client, "/login")

    response = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})

    _refused(response, "email")
    assert client.get("/").status_code == 302  # not signed in
    assert user.active


def test_the_login_refusal_speaks_the_browsers_language(client):
    token = form_token(client, "/login")

    response = client.post(
        "/login",
        data={"email": "a\x00@example.com", "password": "x", "csrf_token": token},
        headers={"Accept-Language": "es-ES,es;q=0.9"},
    )

    _refused(response, "email", ES)
    assert "Petición incorrecta" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "path",
    ["/prospects?q=ana%00", "/properties?q=%00", "/visits?prospect=%00", "/pick/prospects?q=%00",
     "/prospects?status=new%00"],
)
def test_a_nul_in_a_search_box_is_refused(team, login, path):
    field = path.split("?")[1].split("=")[0]

    _refused(login(team.manager).get(path), field)


def test_a_signed_in_user_reads_the_refusal_in_their_language(team, login):
    team.manager.locale = "es"
    db.session.commit()

    _refused(login(team.manager).get("/prospects?q=%00"), "q", ES)


def test_a_nul_in_a_prospect_form_stores_nothing(team, login, post):
    form = {"first_name": "Ana", "last_name": "Ruiz\x00", "email": "", "phone": "", "source": "phone"}

    response = post(login(team.manager), "/prospects/new", form)

    _refused(response, "last_name")
    assert _count(Prospect, team.agency.id) == 0


def test_a_nul_in_a_field_name_is_refused_too(team, login, post):
    response = post(login(team.manager), "/prospects/new", {"first_name": "Ana", "source": "phone",
                                                            "x\x00y": "1"})

    _refused(response, "x\\x00y")
    assert _count(Prospect, team.agency.id) == 0


def test_a_nul_in_a_token_name_makes_no_token(team, login, post):
    before = _count(ApiToken)

    response = post(login(team.agent), "/settings/tokens", {"name": "script\x00"})

    _refused(response, "name")
    assert _count(ApiToken) == before
