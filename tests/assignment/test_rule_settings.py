"""Choosing the rule (the agency settings page and ``PATCH /api/v1/agency``, admins only), and
leads entered on the web and through the API going through it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from realty_crm import tenancy
from realty_crm.extensions import db
from realty_crm.models import Agency, AssignmentRule, Prospect

AGENCY_FORM = {
    "name": "Pisos Sol",
    "timezone": "Europe/Madrid",
    "locale": "en",
    "currency": "EUR",
    "default_visit_minutes": "45",
}


def _rule(agency: Agency) -> AssignmentRule:
    db.session.expire_all()
    return db.session.scalars(
        select(Agency.assignment_rule).where(Agency.id == agency.id).execution_options(**tenancy.unscoped())
    ).one()


# --- the settings page ------------------------------------------------------------------------

def test_the_settings_page_offers_each_rule_with_what_it_does(office, login):
    office.use("least_loaded")
    page = login(office.admin).get("/settings/agency").get_data(as_text=True)
    assert '<select id="assignment_rule" name="assignment_rule">' in page
    for value in ("manual", "round_robin", "by_area"):
        assert f'<option value="{value}">' in page
    assert '<option selected value="least_loaded">' in page
    assert "Agents take turns" in page and "fewest open prospects" in page
    assert "when nobody covers them, to the least loaded agent" in page


def test_admin_chooses_a_rule_on_the_settings_page_and_it_applies_to_the_next_lead(
    office, login, post, holder
):
    response = post(login(office.admin), "/settings/agency", {**AGENCY_FORM, "assignment_rule": "by_area"})
    assert response.status_code == 302
    assert _rule(office.agency) == AssignmentRule.BY_AREA
    assert _rule(office.other_agency) == AssignmentRule.MANUAL
    assert holder(office.lead(requirements={"areas": ["Retiro"]}).id) == office.ben.id


@pytest.mark.parametrize("value", ["random", "", "ROUND_ROBIN"])
def test_an_unknown_rule_on_the_settings_page_is_refused_and_nothing_changes(office, login, post, value):
    office.use("round_robin")
    response = post(
        login(office.admin), "/settings/agency", {**AGENCY_FORM, "name": "Renamed", "assignment_rule": value}
    )
    assert response.status_code == 422
    assert 'id="assignment_rule-error"' in response.get_data(as_text=True)
    assert _rule(office.agency) == AssignmentRule.ROUND_ROBIN
    assert db.session.get(Agency, office.agency.id).name == "Pisos Sol"


def test_a_manager_cannot_open_or_post_the_agency_settings(office, login, post):
    client = login(office.manager)
    assert client.get("/settings/agency").status_code == 403
    response = post(client, "/settings/agency", {**AGENCY_FORM, "assignment_rule": "round_robin"},
                    page="/settings/profile")
    assert response.status_code == 403
    assert _rule(office.agency) == AssignmentRule.MANUAL


# --- the API ----------------------------------------------------------------------------------

@pytest.mark.parametrize("rule", ["manual", "round_robin", "least_loaded", "by_area"])
def test_admin_sets_each_rule_through_the_api(office, api, rule):
    client = api(office.admin)
    response = client.patch("/api/v1/agency", json={"assignment_rule": rule})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["assignment_rule"] == rule
    assert client.get("/api/v1/agency").get_json()["assignment_rule"] == rule
    assert _rule(office.other_agency) == AssignmentRule.MANUAL


@pytest.mark.parametrize("role", ["manager", "ana"])
def test_only_admins_change_the_rule_through_the_api(office, api, role):
    response = api(getattr(office, role)).patch("/api/v1/agency", json={"assignment_rule": "round_robin"})
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"
    assert _rule(office.agency) == AssignmentRule.MANUAL


@pytest.mark.parametrize("value", ["random", None, 3, ["round_robin"], "", "Round Robin"])
def test_a_bad_rule_through_the_api_is_a_422_naming_the_field(office, api, value):
    office.use("least_loaded")
    response = api(office.admin).patch("/api/v1/agency", json={"assignment_rule": value, "name": "Renamed"})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_error"
    assert "assignment_rule" in error["details"]
    assert _rule(office.agency) == AssignmentRule.LEAST_LOADED
    assert db.session.get(Agency, office.agency.id).name == "Pisos Sol"


# --- leads from the web and the API -----------------------------------------------------------

def test_a_lead_entered_on_the_web_without_an_agent_goes_through_the_rule(office, login, post, holder):
    office.use("round_robin")
    client = login(office.manager)
    response = post(client, "/prospects/new", {
        "first_name": "Lucía", "source": "phone", "status": "new", "assigned_agent_id": "",
    })
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    prospect_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert holder(prospect_id) == office.ana.id
    page = client.get(f"/prospects/{prospect_id}").get_data(as_text=True)
    assert "Assigned to Ana by round robin." in page


def test_a_lead_entered_on_the_web_with_an_agent_keeps_that_agent(office, login, post, holder):
    office.use("round_robin")
    response = post(login(office.manager), "/prospects/new", {
        "first_name": "Lucía", "source": "phone", "status": "new", "assigned_agent_id": str(office.cruz.id),
    })
    assert response.status_code == 302
    assert holder(int(response.headers["Location"].rsplit("/", 1)[1])) == office.cruz.id


def test_a_lead_posted_to_the_api_without_an_agent_goes_through_the_rule(office, api):
    office.use("least_loaded")
    office.lead(assigned_agent_id=office.ana.id)
    client = api(office.manager)
    response = client.post("/api/v1/prospects", json={"first_name": "Api", "email": "api@example.com"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["assigned_agent_id"] == office.ben.id
    timeline = client.get(f"/api/v1/prospects/{body['id']}/timeline").get_json()["items"]
    [entry] = [e for e in timeline if e["kind"] == "assigned"]
    assert entry["data"] == {"rule": "least_loaded", "agent_id": office.ben.id, "agent_name": "Ben",
                             "previous_agent_id": None}
    assert entry["summary"] == "Assigned to Ben, the agent with the fewest open prospects."


def test_a_lead_posted_to_the_api_with_an_agent_bypasses_the_rule(office, api):
    office.use("round_robin")
    body = api(office.manager).post(
        "/api/v1/prospects", json={"first_name": "Api", "assigned_agent_id": office.dora.id}
    ).get_json()
    assert body["assigned_agent_id"] == office.dora.id
    assert db.session.get(Agency, office.agency.id).round_robin_agent_id is None


def test_a_lead_refused_by_the_api_assigns_nothing(office, api):
    office.use("round_robin")
    response = api(office.manager).post("/api/v1/prospects", json={"first_name": "", "email": "bad"})
    assert response.status_code == 422
    assert db.session.scalars(select(Prospect.id)).first() is None
    assert db.session.get(Agency, office.agency.id).round_robin_agent_id is None
