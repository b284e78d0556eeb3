"""Reassigning one prospect (its page, POST /api/v1/prospects/<id>/assign) goes through the
reassignment service: its future visits and open follow-ups move too unless unticked, and a
moved visit that would double-book the new agent refuses it all. The agent left holding a
visit of a prospect may still read that prospect, and only read it."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import func, select

from realty_crm.extensions import db
from realty_crm.models import Activity, FollowUp, Prospect, Visit, VisitStatus
from realty_crm.services import visits as visit_service
from realty_crm.testing.factories import form_token


def _fresh(model: Any, ident: int) -> Any:
    db.session.expire_all()
    return db.session.get(model, ident)


@pytest.fixture
def carla(team, make, book, at) -> dict[str, Any]:
    """Carla, held by Alba, with a visit tomorrow at 10:00 and an open follow-up, both Alba's."""
    prospect = make.prospect(team.manager, first_name="Carla", last_name="Ruiz",
                             assigned_agent_id=team.agent.id)
    visit = book(team.manager, team.flat, prospect, at(10), agent=team.agent)
    follow_up = make.follow_up(team.manager, prospect, assignee_id=team.agent.id, title="Call Carla back")
    return {"prospect": prospect, "visit": visit, "follow_up": follow_up}


def _page_assign(client, prospect_id: int, agent_id: int, **boxes: str) -> Any:
    page = f"/prospects/{prospect_id}"
    data = {"agent_id": str(agent_id), "csrf_token": form_token(client, page), **boxes}
    return client.post(f"{page}/assign", data=data)


# --- the prospect page ---------------------------------------------------------------------


def test_the_page_offers_to_move_the_visits_and_follow_ups_ticked(login, team, carla):
    page = login(team.manager).get(f"/prospects/{carla['prospect'].id}").get_data(as_text=True)

    assert 'name="move_visits"' in page and 'name="move_follow_ups"' in page
    assert "Move their future visits to the new agent" in page
    assert page.count("checked") >= 2


def test_reassigning_from_the_page_moves_the_future_visit_and_the_open_follow_up(login, team, carla):
    client = login(team.manager)
    data = {"move_visits": "y", "move_follow_ups": "y"}

    response = _page_assign(client, carla["prospect"].id, team.colleague.id, **data)

    assert response.status_code == 302
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Assigned to Carlos Colleague. Moved with the prospect: 1 visit and 1 open follow-up." in shown
    assert _fresh(Prospect, carla["prospect"].id).assigned_agent_id == team.colleague.id
    assert _fresh(Visit, carla["visit"].id).agent_id == team.colleague.id
    assert _fresh(FollowUp, carla["follow_up"].id).assignee_id == team.colleague.id


def test_unticked_boxes_leave_the_visit_and_follow_up_with_the_old_agent(login, team, carla):
    response = _page_assign(login(team.manager), carla["prospect"].id, team.colleague.id)

    assert response.status_code == 302
    assert _fresh(Prospect, carla["prospect"].id).assigned_agent_id == team.colleague.id
    assert _fresh(Visit, carla["visit"].id).agent_id == team.agent.id
    assert _fresh(FollowUp, carla["follow_up"].id).assignee_id == team.agent.id


def test_a_clash_on_the_page_is_a_form_error_and_nothing_changes(login, team, make, book, at, carla):
    eva = make.prospect(team.manager, first_name="Eva", assigned_agent_id=team.colleague.id)
    blocking = book(team.manager, team.house, eva, at(10, 30), agent=team.colleague)
    entries_before = db.session.scalar(select(func.count()).select_from(Activity))

    response = _page_assign(login(team.manager), carla["prospect"].id, team.colleague.id,
                            move_visits="y", move_follow_ups="y")

    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "1 visit would double-book Carlos Colleague; nothing was changed." in page
    assert "Carla Ruiz at MAD-001" in page and "MAD-002" in page  # which visit, clashing with what
    assert _fresh(Prospect, carla["prospect"].id).assigned_agent_id == team.agent.id
    assert _fresh(Visit, carla["visit"].id).agent_id == team.agent.id
    assert _fresh(Visit, blocking.id).agent_id == team.colleague.id
    assert _fresh(FollowUp, carla["follow_up"].id).assignee_id == team.agent.id
    assert db.session.scalar(select(func.count()).select_from(Activity)) == entries_before


# --- the API --------------------------------------------------------------------------------


def test_the_api_assign_with_only_agent_id_moves_the_visit_and_follow_up(api, team, carla):
    response = api(team.manager).post(f"/api/v1/prospects/{carla['prospect'].id}/assign",
                                      json={"agent_id": team.colleague.id})

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["assigned_agent_id"] == team.colleague.id
    assert _fresh(Visit, carla["visit"].id).agent_id == team.colleague.id
    assert _fresh(FollowUp, carla["follow_up"].id).assignee_id == team.colleague.id


def test_the_api_assign_can_leave_the_visit_and_follow_up_behind(api, team, carla):
    response = api(team.manager).post(
        f"/api/v1/prospects/{carla['prospect'].id}/assign",
        json={"agent_id": team.colleague.id, "move_visits": False, "move_follow_ups": False},
    )

    assert response.status_code == 200, response.get_json()
    assert _fresh(Prospect, carla["prospect"].id).assigned_agent_id == team.colleague.id
    assert _fresh(Visit, carla["visit"].id).agent_id == team.agent.id
    assert _fresh(FollowUp, carla["follow_up"].id).assignee_id == team.agent.id


def test_a_clash_through_the_api_is_409_listing_it_and_nothing_changes(api, team, make, book, at, carla):
    eva = make.prospect(team.manager, first_name="Eva", assigned_agent_id=team.colleague.id)
    blocking = book(team.manager, team.house, eva, at(10, 30), agent=team.colleague)

    response = api(team.manager).post(f"/api/v1/prospects/{carla['prospect'].id}/assign",
                                      json={"agent_id": team.colleague.id})

    assert response.status_code == 409
    [clash] = response.get_json()["error"]["details"]["clashes"]
    assert (clash["visit_id"], clash["clashing_visit_id"]) == (carla["visit"].id, blocking.id)
    assert _fresh(Prospect, carla["prospect"].id).assigned_agent_id == team.agent.id
    assert _fresh(Visit, carla["visit"].id).agent_id == team.agent.id
    assert _fresh(FollowUp, carla["follow_up"].id).assignee_id == team.agent.id


@pytest.mark.parametrize("body", [
    {"agent_id": 1, "move_visits": "sometimes"},
    {"agent_id": 1, "move_follow_ups": "\x00"},
    {"agent_id": "\x00"},
    {"agent_id": 2**63},
    {"agent_id": -1},
    {"agent_id": 1, "move_visits": True, "extra": "2026-02-30T25:00:00+99:00"},
])
def test_bad_values_to_the_api_assign_are_422_and_change_nothing(api, team, carla, body):
    response = api(team.manager).post(f"/api/v1/prospects/{carla['prospect'].id}/assign", json=body)

    assert response.status_code == 422
    assert response.get_json()["error"]["details"]
    assert _fresh(Prospect, carla["prospect"].id).assigned_agent_id == team.agent.id
    assert _fresh(Visit, carla["visit"].id).agent_id == team.agent.id


def test_a_single_reassign_and_a_booking_into_the_same_slot_let_exactly_one_through(app, api, team, make, at):
    """Both through the API at once, three rounds: never a double booking, never an error."""
    for round_ in range(3):
        hour = 9 + 2 * round_
        carla = make.prospect(team.manager, first_name=f"Carla{round_}", assigned_agent_id=team.agent.id)
        eva = make.prospect(team.manager, first_name=f"Eva{round_}", assigned_agent_id=team.colleague.id)
        moving = visit_service.schedule_visit(team.manager, {
            "property_id": team.flat.id, "prospect_id": carla.id, "agent_id": team.agent.id,
            "starts_at": at(hour).isoformat(), "duration_minutes": 60})
        booking = {"property_id": team.house.id, "prospect_id": eva.id, "agent_id": team.colleague.id,
                   "starts_at": at(hour, 30).isoformat(), "duration_minutes": 60}
        requests = [(f"/api/v1/prospects/{carla.id}/assign", {"agent_id": team.colleague.id}),
                    ("/api/v1/visits", booking)]
        clients = [api(team.manager) for _ in requests]
        barrier = threading.Barrier(len(requests))
        statuses: list[int] = []

        def send(client: Any, url: str, body: dict[str, Any], barrier: Any = barrier,
                 statuses: list[int] = statuses) -> None:
            barrier.wait(timeout=30)
            statuses.append(client.post(url, json=body).status_code)

        threads = [threading.Thread(target=send, args=(c, *r))
                   for c, r in zip(clients, requests, strict=True)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not any(t.is_alive() for t in threads), "a request hung"

        db.session.rollback()
        assert sorted(statuses) in ([200, 409], [201, 409]), statuses
        theirs = db.session.scalars(
            select(Visit).where(Visit.agent_id == team.colleague.id, Visit.status != VisitStatus.CANCELLED,
                                Visit.starts_at >= at(hour), Visit.starts_at < at(hour + 1, 30))
        ).all()
        assert len(theirs) == 1, "the new agent was double-booked"
        carla_holder = _fresh(Prospect, carla.id).assigned_agent_id
        assert carla_holder == (team.colleague.id if theirs[0].id == moving.id else team.agent.id)


# --- the agent left with a visit ------------------------------------------------------------


def test_the_agent_left_with_a_visit_may_read_the_prospect_page_but_not_work_on_it(login, team, carla):
    _page_assign(login(team.manager), carla["prospect"].id, team.colleague.id)  # the visit stays with Alba
    alba = login(team.agent)

    response = alba.get(f"/prospects/{carla['prospect'].id}")

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Carla Ruiz" in page and "MAD-001" in page
    assert "You hold a visit of this prospect" in page
    assert "Log a call" not in page and "Add a note" not in page and "Plan a follow-up" not in page
    notes_before = db.session.scalar(select(func.count()).select_from(Activity))
    page_url = f"/prospects/{carla['prospect'].id}"
    note = {"body": "Mine now", "csrf_token": form_token(alba, page_url)}
    refused = alba.post(f"{page_url}/notes", data=note)
    assert refused.status_code == 403
    assert db.session.scalar(select(func.count()).select_from(Activity)) == notes_before


def test_the_agent_left_with_a_visit_may_read_the_prospect_through_the_api_only(api, team, carla):
    api(team.manager).post(f"/api/v1/prospects/{carla['prospect'].id}/assign",
                           json={"agent_id": team.colleague.id, "move_visits": False})
    alba = api(team.agent)
    url = f"/api/v1/prospects/{carla['prospect'].id}"

    assert alba.get(url).status_code == 200
    assert alba.get(f"{url}/timeline").status_code == 200
    assert alba.patch(url, json={"first_name": "Changed"}).status_code == 403
    assert _fresh(Prospect, carla["prospect"].id).first_name == "Carla"


def test_once_the_visit_is_cancelled_the_old_agent_no_longer_sees_the_prospect(login, api, team, carla):
    api(team.manager).post(f"/api/v1/prospects/{carla['prospect'].id}/assign",
                           json={"agent_id": team.colleague.id, "move_visits": False})
    cancel = {"status": "cancelled", "cancel_reason": "The prospect cancelled"}
    visit_service.update_visit(team.manager, _fresh(Visit, carla["visit"].id), cancel)

    assert login(team.agent).get(f"/prospects/{carla['prospect'].id}").status_code == 403


# --- the edit form and PATCH ----------------------------------------------------------------


def test_a_new_agent_through_patch_is_the_same_reassignment(api, team, carla):
    response = api(team.manager).patch(f"/api/v1/prospects/{carla['prospect'].id}",
                                       json={"assigned_agent_id": team.colleague.id, "last_name": "Ruiz Gil"})

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["last_name"] == "Ruiz Gil"
    assert _fresh(Visit, carla["visit"].id).agent_id == team.colleague.id
    assert _fresh(FollowUp, carla["follow_up"].id).assignee_id == team.colleague.id


def test_a_clash_through_patch_is_409_and_nothing_changes(api, team, make, book, at, carla):
    eva = make.prospect(team.manager, first_name="Eva", assigned_agent_id=team.colleague.id)
    book(team.manager, team.house, eva, at(10, 30), agent=team.colleague)

    response = api(team.manager).patch(f"/api/v1/prospects/{carla['prospect'].id}",
                                       json={"assigned_agent_id": team.colleague.id, "last_name": "Ruiz Gil"})

    assert response.status_code == 409
    assert response.get_json()["error"]["details"]["clashes"]
    fresh = _fresh(Prospect, carla["prospect"].id)
    assert (fresh.assigned_agent_id, fresh.last_name) == (team.agent.id, "Ruiz")
    assert _fresh(Visit, carla["visit"].id).agent_id == team.agent.id
