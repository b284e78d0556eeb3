"""The dashboard's "Newly assigned to you": every prospect given to the user in the last week,
with who gave it and when."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

from sqlalchemy import update

from realty_crm.extensions import db
from realty_crm.models import Activity, ActivityKind, AssignmentRule, utcnow
from realty_crm.services import prospects, reassign


def newly_assigned(client) -> str | None:
    """The text of the dashboard's "Newly assigned to you" card, or None when it is not shown."""
    html = client.get("/").get_data(as_text=True)
    match = re.search(r'<section class="card" id="newly-assigned".*?</section>', html, re.S)
    if match is None:
        return None
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", match.group(0)))).strip()


def test_an_agent_sees_what_a_manager_gave_them_with_who_and_when(team, make, login):
    given = make.prospect(team.manager, first_name="Given")
    reassign.reassign(team.manager, [given.id], team.agent.id)
    created_for = make.prospect(team.manager, first_name="Created", assigned_agent_id=team.agent.id)

    card = newly_assigned(login(team.agent))

    assert card is not None
    assert "Given Test · from Manu Manager · " in card
    assert "Created Test · from Manu Manager" in card
    assert card.index("Created") < card.index("Given")  # newest first
    assert "ago" in card
    html = login(team.agent).get("/").get_data(as_text=True)
    assert f'href="/prospects/{created_for.id}"' in html


def test_a_bulk_reassignment_says_what_came_with_the_prospect(team, make, book, at, login):
    carla = make.prospect(team.manager, first_name="Carla", assigned_agent_id=team.colleague.id)
    book(team.manager, team.flat, carla, at(10), agent=team.colleague)
    make.follow_up(team.manager, carla, assignee_id=team.colleague.id)
    reassign.reassign(team.manager, [carla.id], team.agent.id)

    card = newly_assigned(login(team.agent))

    assert "Carla Test · from Manu Manager" in card
    assert "1 visit came with it" in card
    assert "1 follow-up came with it" in card


def test_the_count_sits_with_the_other_figures(team, make, login):
    for name in ("One", "Two"):
        make.prospect(team.manager, first_name=name, assigned_agent_id=team.agent.id)
    html = login(team.agent).get("/").get_data(as_text=True)
    stat = re.search(r'href="#newly-assigned">\s*<span class="n">(\d+)</span>', html)
    assert stat and stat.group(1) == "2"


def test_what_the_agent_entered_took_back_or_got_long_ago_is_not_news(team, make, login):
    make.prospect(team.agent, first_name="Entered")  # an agent keeps the leads they enter
    taken = make.prospect(team.manager, first_name="Taken", assigned_agent_id=team.agent.id)
    reassign.reassign(team.manager, [taken.id], team.colleague.id)
    old = make.prospect(team.manager, first_name="Old", assigned_agent_id=team.agent.id)
    db.session.execute(
        update(Activity)
        .where(Activity.prospect_id == old.id, Activity.kind == ActivityKind.ASSIGNED)
        .values(occurred_at=utcnow() - timedelta(days=8))
    )
    db.session.commit()
    binned = make.prospect(team.manager, first_name="Binned", assigned_agent_id=team.agent.id)
    prospects.delete_prospect(team.manager, binned)

    card = newly_assigned(login(team.agent))

    assert card == "Newly assigned to you Nothing new was given to you in the last seven days."


def test_a_prospect_handed_back_and_forth_shows_once_with_the_latest_hand_over(team, make, login):
    ping = make.prospect(team.manager, first_name="Ping", assigned_agent_id=team.agent.id)
    reassign.reassign(team.admin, [ping.id], team.colleague.id)
    reassign.reassign(team.admin, [ping.id], team.agent.id)

    card = newly_assigned(login(team.agent))

    assert card.count("Ping Test") == 1
    assert "Ping Test · from Ada Admin" in card


def test_the_assignment_rule_is_named_as_the_giver(team, make, login):
    team.agency.assignment_rule = AssignmentRule.ROUND_ROBIN
    db.session.commit()
    lead = make.prospect(team.manager, first_name="Ruled")
    db.session.refresh(lead)
    holder = team.agent if lead.assigned_agent_id == team.agent.id else team.colleague
    assert lead.assigned_agent_id == holder.id

    assert "Ruled Test · by the assignment rule" in newly_assigned(login(holder))


def test_colleagues_see_only_their_own(team, make, login):
    make.prospect(team.manager, first_name="Theirs", assigned_agent_id=team.colleague.id)
    assert "Theirs" not in newly_assigned(login(team.agent))


def test_staff_see_the_card_only_when_something_was_given_to_them(team, make, login):
    assert newly_assigned(login(team.manager)) is None
    make.prospect(team.admin, first_name="ForManu", assigned_agent_id=team.manager.id)
    assert "ForManu Test · from Ada Admin" in newly_assigned(login(team.manager))
