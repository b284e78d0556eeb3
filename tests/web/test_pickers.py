"""The pickers' JSON lists: prospects and agents by name, e-mail or phone fragment, within the
agency and what the user may see."""

from __future__ import annotations

import pytest


def _labels(response) -> list[str]:
    assert response.status_code == 200
    return [item["label"] for item in response.get_json()["items"]]


@pytest.fixture
def people(team, make):
    make.prospect(team.agent, first_name="Íñigo", last_name="Ruiz", email="inigo@example.com",
                  phone="600 111 222")
    make.prospect(team.colleague, first_name="Inés", last_name="Ruiz", email="ines@example.com")
    make.prospect(team.outsider, first_name="Ignacio", last_name="Ruiz", email="ignacio@luna.example.com")
    return team


def test_prospects_match_by_name_e_mail_or_phone_fragment(people, login):
    client = login(people.manager)
    assert _labels(client.get("/pick/prospects?q=ruiz")) == ["Inés Ruiz", "Íñigo Ruiz"]
    assert _labels(client.get("/pick/prospects?q=inigo@")) == ["Íñigo Ruiz"]
    assert _labels(client.get("/pick/prospects?q=111 222")) == ["Íñigo Ruiz"]
    body = client.get("/pick/prospects?q=%C3%8D%C3%B1igo").get_json()["items"]
    assert body[0]["hint"] == "inigo@example.com" and isinstance(body[0]["id"], int)


def test_an_agent_finds_only_the_prospects_they_may_see(people, login):
    assert _labels(login(people.agent).get("/pick/prospects?q=ruiz")) == ["Íñigo Ruiz"]


def test_another_agencys_records_never_appear(people, login):
    client = login(people.manager)
    assert _labels(client.get("/pick/prospects?q=ignacio")) == []
    assert _labels(client.get("/pick/agents?q=otto")) == []
    assert _labels(login(people.outsider).get("/pick/prospects?q=ruiz")) == ["Ignacio Ruiz"]


@pytest.mark.parametrize("q", ["", "   ", "%", "_", "a" * 5000, "'; drop table prospects; --"])
def test_odd_queries_find_nothing_and_break_nothing(people, login, q):
    client = login(people.manager)
    assert _labels(client.get("/pick/prospects", query_string={"q": q})) == []
    assert _labels(client.get("/pick/agents", query_string={"q": q})) == []


def test_agents_match_by_name_or_e_mail_for_staff_only(people, login):
    client = login(people.manager)
    assert _labels(client.get("/pick/agents?q=alba")) == ["Alba Agent"]
    assert _labels(client.get(f"/pick/agents?q={people.colleague.email[:8]}")) == ["Carlos Colleague"]
    assert login(people.agent).get("/pick/agents?q=alba").status_code == 403


def test_pickers_need_a_signed_in_user(people, client):
    assert client.get("/pick/prospects?q=ruiz").status_code == 302
