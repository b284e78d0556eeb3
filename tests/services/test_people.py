"""Who a service acts on: an active user of the actor's agency, and staff acting for someone else."""

from __future__ import annotations

import pytest

from realty_crm.errors import ValidationFailed, invalid
from realty_crm.extensions import db
from realty_crm.services.people import acting_for, active_user

NO_USER = "No active user with this id in the agency."
REFUSAL = "You can only do this for yourself."


def test_one_field_error_carries_its_message_on_the_field():
    error = invalid("email", "Write an e-mail address.")

    assert (error.message, error.details, error.status) == (
        "Write an e-mail address.", {"email": "Write an e-mail address."}, 422,
    )


def test_an_active_user_of_the_agency_is_found(team):
    assert active_user(team.manager, team.agent2.id, "agent_id") is team.agent2


@pytest.mark.parametrize("who", ["agent_b", "inactive", "nobody"])
def test_another_agencys_user_an_inactive_one_and_no_one_are_refused_alike(team, who):
    ids = {"agent_b": team.agent_b.id, "nobody": 999_999}
    if who == "inactive":
        team.agent2.active = False
        db.session.commit()
        ids["inactive"] = team.agent2.id

    with pytest.raises(ValidationFailed) as refused:
        active_user(team.manager, ids[who], "assignee_id")

    assert refused.value.details == {"assignee_id": NO_USER}


@pytest.mark.parametrize("given", ["empty", "own id"])
def test_anyone_acts_for_themselves(team, given):
    user_id = None if given == "empty" else team.agent.id

    assert acting_for(team.agent, user_id, "agent_id", REFUSAL) is team.agent


def test_staff_act_for_a_colleague(team):
    assert acting_for(team.manager, team.agent.id, "agent_id", REFUSAL) is team.agent
    assert acting_for(team.admin, team.agent2.id, "agent_id", REFUSAL) is team.agent2


def test_an_agent_is_refused_acting_for_a_colleague(team):
    with pytest.raises(ValidationFailed) as refused:
        acting_for(team.agent, team.agent2.id, "agent_id", REFUSAL)

    assert refused.value.details == {"agent_id": REFUSAL}


def test_staff_still_name_only_active_users_of_their_agency(team):
    with pytest.raises(ValidationFailed) as refused:
        acting_for(team.manager, team.agent_b.id, "agent_id", REFUSAL)

    assert refused.value.details == {"agent_id": NO_USER}
