"""The distribution pages: unassigned leads, the bulk reassignment with its confirmation page,
the workload table, and who may open them."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape
from urllib.parse import urlencode

import pytest

from realty_crm.extensions import db
from realty_crm.models import Prospect, Visit, utcnow
from realty_crm.services import calls, prospects
from realty_crm.services.workload import week_bounds
from realty_crm.testing.factories import form_token


def holder(prospect: Prospect) -> int | None:
    db.session.expire_all()
    return db.session.get(Prospect, prospect.id).assigned_agent_id


def plain(html: str) -> str:
    """Visible text: tags dropped, white space squeezed."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def text_of(response) -> str:
    return plain(response.get_data(as_text=True))


def confirm_url(ids, agent=None, back="unassigned") -> str:
    query = [("prospect_ids", i) for i in ids] + [("back", back)]
    if agent is not None:
        query.append(("agent", agent))
    return "/distribution/reassign?" + urlencode(query)


def confirm(client, ids, agent, **fields):
    """Post the confirmation form as the browser does, with the page's CSRF token."""
    token = form_token(client, confirm_url(ids, agent))
    data = {"csrf_token": token, "prospect_ids": [str(i) for i in ids], "agent": str(agent),
            "back": "unassigned", "move_visits": "y", "move_follow_ups": "y", **fields}
    return client.post("/distribution/reassign", data={k: v for k, v in data.items() if v is not None})


# --- who may open the pages ------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/distribution", "/distribution/workload", "/distribution/reassign"])
def test_an_agent_is_refused_every_page(team, login, path):
    assert login(team.agent).get(path).status_code == 403


def test_an_agent_cannot_post_a_reassignment(team, make, login):
    mine = make.prospect(team.agent, first_name="Mine")
    client = login(team.agent)
    token = form_token(client, "/")
    response = client.post("/distribution/reassign",
                           data={"csrf_token": token, "prospect_ids": [mine.id], "agent": team.colleague.id})
    assert response.status_code == 403
    assert holder(mine) == team.agent.id


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/distribution")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_managers_and_admins_find_distribution_in_the_menu_and_agents_do_not(team, login):
    nav = re.compile(r'<nav class="mainnav".*?</nav>', re.S)
    for user in (team.manager, team.admin):
        assert 'href="/distribution"' in nav.search(login(user).get("/").get_data(as_text=True)).group(0)
    agents_menu = nav.search(login(team.agent).get("/").get_data(as_text=True)).group(0)
    assert 'href="/distribution"' not in agents_menu


# --- unassigned leads ----------------------------------------------------------------------------


def test_unassigned_leads_are_the_open_prospects_nobody_holds_newest_first(team, make, login):
    older = make.prospect(team.manager, first_name="Olga", source="portal", source_detail="Idealista",
                          requirements={"areas": ["Chamberí", "Retiro"]})
    newer = make.prospect(team.manager, first_name="Nico", source="phone")
    make.prospect(team.manager, first_name="Held", assigned_agent_id=team.agent.id)
    make.prospect(team.manager, first_name="Closed", status="lost", lost_reason="Bought elsewhere")
    binned = make.prospect(team.manager, first_name="Binned")
    prospects.delete_prospect(team.manager, binned)

    response = login(team.manager).get("/distribution")

    assert response.status_code == 200
    page = text_of(response)
    assert "2 unassigned leads" in page
    assert page.index("Nico") < page.index("Olga")
    for absent in ("Held", "Closed", "Binned", "Foreign"):
        assert absent not in page
    assert "Portal · Idealista" in page and "Chamberí, Retiro" in page
    html = response.get_data(as_text=True)
    assert f'name="prospect_ids" value="{older.id}"' in html
    assert f'name="prospect_ids" value="{newer.id}"' in html
    assert "ago" in page  # how long each has been waiting


def test_the_unassigned_list_is_paginated(team, make, login):
    for n in range(27):
        make.prospect(team.manager, first_name=f"Lead{n:02d}")
    client = login(team.manager)
    first = text_of(client.get("/distribution"))
    assert "Lead26" in first and "Lead01" not in first and "Page 1 of 2" in first
    second = text_of(client.get("/distribution?page=2"))
    assert "Lead01" in second and "Lead00" in second and "Lead26" not in second
    assert client.get("/distribution?page=junk").status_code == 200


def test_the_agent_choice_shows_how_much_each_one_holds(team, make, login):
    make.prospect(team.manager, assigned_agent_id=team.agent.id)
    make.prospect(team.manager, first_name="Lead")
    html = login(team.manager).get("/distribution").get_data(as_text=True)
    assert "Alba Agent (1 open)" in html
    assert "Carlos Colleague (0 open)" in html
    assert "Rita Retired" not in html  # inactive users get nothing
    assert "Nobody: back to the unassigned pool" in html


# --- the bulk flow -------------------------------------------------------------------------------


def test_the_confirmation_page_shows_what_moves_and_changes_nothing(team, make, book, at, login):
    carla = make.prospect(team.manager, first_name="Carla", assigned_agent_id=team.agent.id)
    dan = make.prospect(team.manager, first_name="Dan")
    book(team.manager, team.flat, carla, at(10), agent=team.agent)
    make.follow_up(team.manager, carla, assignee_id=team.agent.id)
    make.follow_up(team.manager, carla, assignee_id=team.agent.id)

    response = login(team.manager).get(confirm_url([carla.id, dan.id], team.colleague.id))

    assert response.status_code == 200
    page = text_of(response)
    assert "Reassign 2 prospects" in page
    assert "2 prospects go to Carlos Colleague." in page
    assert "1 future visit moves with them." in page
    assert "2 open follow-ups move with them." in page
    assert "MAD-001" in page and "now with Alba Agent" in page
    assert 'name="csrf_token"' in response.get_data(as_text=True)
    assert (holder(carla), holder(dan)) == (team.agent.id, None)


def test_confirming_reassigns_and_says_what_moved(team, make, book, at, login):
    carla = make.prospect(team.manager, first_name="Carla", assigned_agent_id=team.agent.id)
    dan = make.prospect(team.manager, first_name="Dan")
    visit = book(team.manager, team.flat, carla, at(10), agent=team.agent)
    follow_up = make.follow_up(team.manager, carla, assignee_id=team.agent.id)
    client = login(team.manager)

    response = confirm(client, [carla.id, dan.id], team.colleague.id)

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/distribution")
    page = text_of(client.get("/distribution"))
    assert "2 prospects given to Carlos Colleague. Moved with them: 1 visit and 1 open follow-up." in page
    assert (holder(carla), holder(dan)) == (team.colleague.id, team.colleague.id)
    db.session.expire_all()
    assert db.session.get(Visit, visit.id).agent_id == team.colleague.id
    assert db.session.get(type(follow_up), follow_up.id).assignee_id == team.colleague.id


def test_unticking_leaves_the_visits_and_follow_ups_where_they_are(team, make, book, at, login):
    carla = make.prospect(team.manager, first_name="Carla", assigned_agent_id=team.agent.id)
    visit = book(team.manager, team.flat, carla, at(10), agent=team.agent)
    follow_up = make.follow_up(team.manager, carla, assignee_id=team.agent.id)

    response = confirm(login(team.manager), [carla.id], team.colleague.id, move_visits=None,
                       move_follow_ups=None)

    assert response.status_code == 302
    assert holder(carla) == team.colleague.id
    db.session.expire_all()
    assert db.session.get(Visit, visit.id).agent_id == team.agent.id
    assert db.session.get(type(follow_up), follow_up.id).assignee_id == team.agent.id


def test_nobody_puts_them_back_in_the_pool(team, make, login):
    carla = make.prospect(team.manager, first_name="Carla", assigned_agent_id=team.agent.id)
    client = login(team.manager)
    page = text_of(client.get(confirm_url([carla.id], "none")))
    assert "1 prospect goes back to the unassigned pool." in page
    response = confirm(client, [carla.id], "none")
    assert response.status_code == 302
    assert holder(carla) is None
    assert "1 prospect is back in the unassigned pool." in text_of(client.get("/distribution"))


def test_a_clash_is_shown_before_and_refused_on_confirming_with_nothing_changed(team, make, book, at, login):
    carla = make.prospect(team.manager, first_name="Carla", assigned_agent_id=team.agent.id)
    dan = make.prospect(team.manager, first_name="Dan")
    theirs = make.prospect(team.manager, first_name="Eva", assigned_agent_id=team.colleague.id)
    book(team.manager, team.flat, carla, at(10), agent=team.agent)
    book(team.manager, team.house, theirs, at(10, 30), agent=team.colleague)
    client = login(team.manager)

    preview = text_of(client.get(confirm_url([carla.id, dan.id], team.colleague.id)))
    assert "1 visit would double-book Carlos Colleague:" in preview
    assert "overlaps Carlos Colleague's visit at MAD-002" in preview

    refused = confirm(client, [carla.id, dan.id], team.colleague.id)
    assert refused.status_code == 409
    assert "1 visit would double-book Carlos Colleague; nothing was changed." in text_of(refused)
    assert (holder(carla), holder(dan)) == (team.agent.id, None)

    # leaving the visits behind, the rest can go
    assert confirm(client, [carla.id, dan.id], team.colleague.id, move_visits=None).status_code == 302
    assert (holder(carla), holder(dan)) == (team.colleague.id, team.colleague.id)


def test_without_an_agent_the_page_asks_for_one(team, make, login):
    lead = make.prospect(team.manager, first_name="Lead")
    response = login(team.manager).get(confirm_url([lead.id]))
    assert response.status_code == 200
    assert "Choose who gets them to see what moves" in text_of(response)
    assert "Confirm the reassignment" not in text_of(response)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"prospect_ids": []}, "Tick at least one prospect first."),
        ({"prospect_ids": ["abc"]}, "The selection is not valid"),
        ({"prospect_ids": ["99999999999"], "agent": "agent"}, "2,147,483,647"),
        ({"prospect_ids": ["lead"], "agent": "x"}, "No active user with this id in the agency."),
        ({"prospect_ids": ["lead"], "agent": "retired"}, "No active user with this id in the agency."),
        ({"prospect_ids": ["lead"], "agent": "outsider"}, "No active user with this id in the agency."),
        ({"prospect_ids": ["lead", "foreign"], "agent": "agent"}, "No prospect with id"),
    ],
)
def test_bad_selections_get_a_clear_message_and_change_nothing(team, make, login, query, message):
    lead = make.prospect(team.manager, first_name="Lead")
    names = {"lead": lead.id, "foreign": team.foreign_prospect.id, "retired": team.retired.id,
             "outsider": team.outsider.id, "agent": team.agent.id}
    ids = [names.get(i, i) for i in query["prospect_ids"]]
    agent = names.get(query.get("agent"), query.get("agent"))
    client = login(team.manager)

    shown = client.get(confirm_url(ids, agent))
    assert shown.status_code == 422
    assert message in text_of(shown)

    token = form_token(client, "/distribution")
    posted = client.post("/distribution/reassign", data={
        "csrf_token": token, "prospect_ids": [str(i) for i in ids], "agent": str(agent or ""),
    })
    assert posted.status_code == 422
    assert message in text_of(posted)
    assert holder(lead) is None
    assert db.session.get(Prospect, team.foreign_prospect.id).assigned_agent_id is None


def test_posting_without_the_csrf_token_is_refused(team, make, login):
    lead = make.prospect(team.manager, first_name="Lead")
    response = login(team.manager).post(
        "/distribution/reassign", data={"prospect_ids": [lead.id], "agent": team.agent.id}
    )
    assert response.status_code == 400
    assert holder(lead) is None


def test_the_prospects_list_offers_ticks_to_staff_and_comes_back_there(team, make, login):
    carla = make.prospect(team.manager, first_name="Carla", assigned_agent_id=team.agent.id)
    client = login(team.manager)
    html = client.get("/prospects").get_data(as_text=True)
    assert 'id="bulk-reassign"' in html
    assert f'name="prospect_ids" value="{carla.id}" form="bulk-reassign"' in html

    token = form_token(client, confirm_url([carla.id], team.colleague.id, back="prospects"))
    response = client.post("/distribution/reassign", data={
        "csrf_token": token, "prospect_ids": [carla.id], "agent": team.colleague.id, "back": "prospects",
    })
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/prospects")
    assert holder(carla) == team.colleague.id


def test_agents_get_no_ticks_on_the_prospects_list(team, make, login):
    make.prospect(team.agent, first_name="Mine")
    html = login(team.agent).get("/prospects").get_data(as_text=True)
    assert "bulk-reassign" not in html
    assert 'name="prospect_ids"' not in html


def test_a_foreign_back_target_is_ignored(team, make, login):
    lead = make.prospect(team.manager, first_name="Lead")
    client = login(team.manager)
    token = form_token(client, "/distribution")
    response = client.post("/distribution/reassign", data={
        "csrf_token": token, "prospect_ids": [lead.id], "agent": team.agent.id,
        "back": "https://evil.example.com/",
    })
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/distribution")


# --- workload --------------------------------------------------------------------------------------


def a_slot_this_week(timezone: str) -> tuple:
    """A start time inside the current week, and the status a booking then needs."""
    now = utcnow()
    start, end = week_bounds(timezone, now)
    if now + timedelta(hours=2) < end:
        return now + timedelta(hours=1), "scheduled"
    return max(start, now - timedelta(hours=3)), "done"


def workload_row(page: str, user) -> str:
    match = re.search(rf'<tr data-user="{user.id}">(.*?)</tr>', page, re.S)
    assert match, f"{user.name} is not on the workload table"
    return plain(match.group(1))


def test_the_workload_table_counts_each_users_work(team, make, book, login):
    agent = team.agent
    make.prospect(team.manager, assigned_agent_id=agent.id)
    make.prospect(team.manager, assigned_agent_id=agent.id, status="won")
    client_prospect = make.prospect(team.manager, first_name="Client", assigned_agent_id=agent.id)
    make.follow_up(team.manager, client_prospect, assignee_id=agent.id,
                   due_at=(utcnow() - timedelta(days=1)).isoformat())
    make.follow_up(team.manager, client_prospect, assignee_id=agent.id)
    starts_at, status = a_slot_this_week(team.agency.timezone)
    book(team.manager, team.flat, client_prospect, starts_at, agent=agent, status=status)
    _, week_end = week_bounds(team.agency.timezone)
    book(team.manager, team.flat, client_prospect, week_end + timedelta(days=1), agent=agent)
    make.call(agent, client_prospect)

    page = login(team.manager).get("/distribution/workload").get_data(as_text=True)

    assert workload_row(page, agent).startswith("Alba Agent · Agent 2 1 1")
    assert workload_row(page, agent).endswith("ago")  # the call just logged
    assert workload_row(page, team.colleague) == "Carlos Colleague · Agent 0 0 0 Nothing yet"
    assert f'data-user="{team.retired.id}"' not in page  # inactive and holding nothing
    assert "0 unassigned leads" in plain(page)


def test_inactive_users_still_holding_prospects_and_absences_show(team, make, login):
    make.prospect(team.manager, first_name="Stranded", assigned_agent_id=team.colleague.id)
    team.colleague.active = False
    team.agent.away_from = utcnow() - timedelta(days=1)
    team.agent.away_until = utcnow() + timedelta(days=6)
    db.session.commit()

    page = login(team.manager).get("/distribution/workload").get_data(as_text=True)

    assert "Inactive" in workload_row(page, team.colleague)
    assert workload_row(page, team.colleague).split("Inactive")[1].strip().startswith("1 ")
    assert "Away" in workload_row(page, team.agent)
    assert "Away" not in workload_row(page, team.manager)


def test_last_activity_is_the_latest_call_visit_or_completed_follow_up(team, make, book, login):
    lead = make.prospect(team.manager, first_name="Lead", assigned_agent_id=team.colleague.id)
    old = utcnow() - timedelta(days=9)
    book(team.manager, team.flat, lead, old, agent=team.colleague, status="done")
    page = login(team.manager).get("/distribution/workload").get_data(as_text=True)
    assert workload_row(page, team.colleague).endswith("1 week ago")

    follow_up = make.follow_up(team.manager, lead, assignee_id=team.colleague.id)
    calls.update_follow_up(team.manager, follow_up, {"done": True})
    page = login(team.manager).get("/distribution/workload").get_data(as_text=True)
    assert re.search(r"\d+ seconds? ago$", workload_row(page, team.colleague))
