"""Managers choose the assignment rule on the Distribution pages (admins too; agents may not);
a new lead is then handed out by it."""

from __future__ import annotations

import pytest

from realty_crm.extensions import db
from realty_crm.models import Agency, AssignmentRule
from realty_crm.services import assignment
from realty_crm.testing.factories import form_token


def rule_of(agency: Agency) -> AssignmentRule:
    db.session.expire_all()
    return db.session.get(Agency, agency.id).assignment_rule


def choose(client, rule: str):  # type: ignore[no-untyped-def]
    token = form_token(client, "/distribution/rule")
    return client.post("/distribution/rule", data={"csrf_token": token, "rule": rule})


@pytest.mark.parametrize("who", ["manager", "admin"])
def test_staff_choose_the_rule_and_new_leads_follow_it(team, make, login, who):
    client = login(getattr(team, who))
    page = client.get("/distribution/rule")
    assert page.status_code == 200
    assert "Agents take turns" in page.get_data(as_text=True)

    response = choose(client, "round_robin")

    assert response.status_code == 302
    assert rule_of(team.agency) == AssignmentRule.ROUND_ROBIN
    assert "round robin" in client.get("/distribution/rule").get_data(as_text=True).lower()
    lead = make.prospect(team.manager, first_name="Nueva")
    assert lead.assigned_agent_id in {team.agent.id, team.colleague.id}


@pytest.mark.parametrize("junk", ["", "fastest", "round_robin'--"])
def test_an_unknown_rule_is_refused_and_the_rule_kept(team, login, junk):
    response = choose(login(team.manager), junk)

    assert response.status_code == 422
    assert rule_of(team.agency) == AssignmentRule.MANUAL


def test_an_agent_may_not_change_the_rule(team, login):
    client = login(team.agent)
    assert client.get("/distribution/rule").status_code == 403
    token = form_token(client, "/")
    assert client.post("/distribution/rule", data={"csrf_token": token, "rule": "by_area"}).status_code == 403
    assert rule_of(team.agency) == AssignmentRule.MANUAL


def test_the_service_refuses_an_agent_and_a_bad_value(team):
    from realty_crm.errors import Forbidden, ValidationFailed

    with pytest.raises(Forbidden):
        assignment.set_rule(team.agent, "by_area")
    with pytest.raises(ValidationFailed) as refused:
        assignment.set_rule(team.manager, "by_postcode")
    assert "assignment_rule" in refused.value.details
    assert rule_of(team.agency) == AssignmentRule.MANUAL
