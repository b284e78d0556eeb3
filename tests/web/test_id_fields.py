"""An agent id sent by the assign or bulk-reassign form that is no id at all — too large
for the database, negative, an exponent — is a form message, never a 500, and changes
nothing. (A NUL byte never reaches the form: tests/web/test_nul_bytes.py.)"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from realty_crm import tenancy
from realty_crm.extensions import db
from realty_crm.models import Activity, Prospect

NOT_IDS = ["99999999999999999999", "9223372036854775808", "2147483648", "-1", "0", "1e309", "1e3",
           "12 ", "+5", "٣", "1_0", "0x10", "NaN", "inf", "-9999999999999999999999"]


def _holder(prospect: Prospect) -> int | None:
    db.session.expire_all()
    with tenancy.scope(prospect.agency_id):
        return db.session.get(Prospect, prospect.id).assigned_agent_id


def _count(model, agency_id: int) -> int:
    with tenancy.scope(agency_id):
        return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("agent_id", NOT_IDS)
def test_the_assign_form_refuses_a_non_id_agent_with_a_message(team, make, login, post, agent_id):
    prospect = make.prospect(team.manager, assigned_agent_id=team.agent.id)
    activities = _count(Activity, team.agency.id)
    response = post(login(team.manager), f"/prospects/{prospect.id}/assign", {"agent_id": agent_id},
                    page=f"/prospects/{prospect.id}")
    assert response.status_code == 422
    assert 'id="agent_id-error">Choose one of the options.<' in response.get_data(as_text=True)
    assert _holder(prospect) == team.agent.id
    assert _count(Activity, team.agency.id) == activities


@pytest.mark.parametrize("agent_id", NOT_IDS)
def test_the_bulk_reassignment_refuses_a_non_id_agent_with_a_message(team, make, login, post, agent_id):
    prospect = make.prospect(team.manager)
    client = login(team.manager)
    query = {"prospect_ids": prospect.id, "agent": agent_id}
    shown = client.get("/distribution/reassign", query_string=query)
    assert shown.status_code == 422
    assert "No active user with this id in the agency." in shown.get_data(as_text=True)
    posted = post(client, "/distribution/reassign", {"prospect_ids": str(prospect.id), "agent": agent_id},
                  page="/distribution")
    assert posted.status_code == 422
    assert "No active user with this id in the agency." in posted.get_data(as_text=True)
    assert _holder(prospect) is None
