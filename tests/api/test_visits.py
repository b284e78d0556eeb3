"""/api/v1/visits: booking without double booking, the lifecycle, filters, roles, tenancy, bad input."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from realty_crm.models import Property, Prospect, Role, utcnow
from realty_crm.testing.factories import ApiClient

from .conftest import Team
from .test_errors import assert_error

MADRID = ZoneInfo("Europe/Madrid")


def day_at(hour: int, minute: int = 0, days: int = 2) -> datetime:
    """``days`` from now at this Madrid wall-clock time."""
    day = (utcnow() + timedelta(days=days)).astimezone(MADRID).date()
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=MADRID)


def iso(moment: datetime) -> str:
    return moment.isoformat()


def utc_text(moment: datetime) -> str:
    """How the API writes a time: UTC with a ``Z``."""
    return moment.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Desk:
    """The team with two properties and a prospect for each agent."""

    team: Team
    flat: Property
    house: Property
    lucia: Prospect  # the agent's
    omar: Prospect  # the colleague's

    def visit(self, client: ApiClient, **fields: Any) -> Any:
        body = {"property_id": self.flat.id, "prospect_id": self.lucia.id,
                "starts_at": iso(day_at(10)), "duration_minutes": 60}
        body.update(fields)
        return client.post("/api/v1/visits", json=body)

    def book(self, client: ApiClient, **fields: Any) -> dict[str, Any]:
        response = self.visit(client, **fields)
        assert response.status_code == 201, response.get_json()
        return response.get_json()


@pytest.fixture
def desk(make, team) -> Desk:
    return Desk(
        team=team,
        flat=make.property(team.manager, reference="SOL-001", title="Piso en Chamberí"),
        house=make.property(team.manager, reference="SOL-002", title="Casa en Pozuelo",
                            property_type="house"),
        lucia=make.prospect(team.manager, first_name="Lucía", last_name="Ruiz",
                            assigned_agent_id=team.agent.id),
        omar=make.prospect(team.manager, first_name="عمر", last_name="Haddad",
                           assigned_agent_id=team.colleague.id),
    )


def total_visits(api, desk: Desk) -> int:
    return api(desk.team.manager).get("/api/v1/visits").get_json()["total"]


def ids(response) -> list[int]:
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.get_json()["items"]]


# --- booking -----------------------------------------------------------------------------------


def test_agent_books_a_visit_and_reads_it_back(api, desk):
    client = api(desk.team.agent)
    response = desk.visit(client, starts_at=iso(day_at(10)), duration_minutes=45)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert response.headers["Location"] == f"/api/v1/visits/{body['id']}"
    assert body["starts_at"] == utc_text(day_at(10))
    assert body["ends_at"] == utc_text(day_at(10, 45))
    assert body["status"] == "scheduled"
    assert body["agent_id"] == desk.team.agent.id
    assert (body["property_id"], body["prospect_id"]) == (desk.flat.id, desk.lucia.id)
    assert body["property"] == {"id": desk.flat.id, "reference": "SOL-001", "title": "Piso en Chamberí"}
    assert body["prospect"] == {"id": desk.lucia.id, "name": "Lucía Ruiz"}
    assert body["agent"] == {"id": desk.team.agent.id, "name": "Alberto Agent"}
    assert body["cancel_reason"] is None and body["feedback"] is None and body["rating"] is None
    assert client.get(response.headers["Location"]).get_json() == body


def test_booking_moves_the_prospect_on_and_lands_on_the_timeline(api, desk):
    client = api(desk.team.agent)
    visit = desk.book(client)
    prospect = client.get(f"/api/v1/prospects/{desk.lucia.id}").get_json()
    assert prospect["status"] == "visiting"
    timeline = client.get(f"/api/v1/prospects/{desk.lucia.id}/timeline?kind=visit").get_json()["items"]
    assert [entry["subject_id"] for entry in timeline] == [visit["id"]]


def test_manager_books_for_an_agent_with_an_end_time_in_another_offset(api, desk):
    starts = day_at(17)
    ends = (starts + timedelta(minutes=30)).astimezone(ZoneInfo("America/New_York"))
    body = desk.book(api(desk.team.manager), agent_id=desk.team.colleague.id, prospect_id=desk.omar.id,
                     starts_at=iso(starts), ends_at=iso(ends), duration_minutes=None)
    assert body["agent_id"] == desk.team.colleague.id
    assert body["ends_at"] == utc_text(starts + timedelta(minutes=30))


def test_without_an_end_the_visit_lasts_the_agencys_default(api, desk):
    body = desk.book(api(desk.team.agent), duration_minutes=None)
    length = datetime.fromisoformat(body["ends_at"]) - datetime.fromisoformat(body["starts_at"])
    assert length == timedelta(minutes=desk.team.agency.default_visit_minutes)


def test_a_past_visit_is_logged_as_done_with_feedback_and_rating(api, desk):
    start = (utcnow() - timedelta(days=3)).replace(microsecond=0)
    body = desk.book(api(desk.team.agent), starts_at=iso(start), status="done",
                     feedback="Le encantó la terraza ☀️", rating=5)
    assert (body["status"], body["feedback"], body["rating"]) == ("done", "Le encantó la terraza ☀️", 5)


# --- no double booking -------------------------------------------------------------------------


def test_the_agent_cannot_be_in_two_places_at_once(api, desk):
    client = api(desk.team.agent)
    first = desk.book(client, starts_at=iso(day_at(10)), duration_minutes=60)
    response = desk.visit(client, property_id=desk.house.id, starts_at=iso(day_at(10, 30)))
    error = assert_error(response, 409, "conflict")
    assert error["details"]["clash"] == "agent"
    assert error["details"]["clashing_visit_id"] == first["id"]
    clashing = error["details"]["clashing_visit"]
    assert clashing["id"] == first["id"]
    assert clashing["agent_id"] == desk.team.agent.id
    assert clashing["property_id"] == desk.flat.id
    assert datetime.fromisoformat(clashing["starts_at"]) == day_at(10)
    assert datetime.fromisoformat(clashing["ends_at"]) == day_at(11)
    assert error["message"].startswith("Clashes with the visit of Lucía Ruiz on ")
    assert error["message"].endswith("(SOL-001, Alberto Agent).")
    assert error["details"]["starts_at"] == error["message"]
    assert total_visits(api, desk) == 1


def test_the_property_cannot_be_shown_twice_at_once(api, desk):
    first = desk.book(api(desk.team.agent), starts_at=iso(day_at(10)), duration_minutes=60)
    response = desk.visit(api(desk.team.colleague), prospect_id=desk.omar.id, starts_at=iso(day_at(10, 59)))
    error = assert_error(response, 409, "conflict")
    assert error["details"]["clash"] == "property"
    assert error["details"]["clashing_visit"]["id"] == first["id"]
    assert total_visits(api, desk) == 1


def test_a_visit_around_another_one_clashes_too(api, desk):
    client = api(desk.team.agent)
    desk.book(client, starts_at=iso(day_at(10, 15)), duration_minutes=15)
    response = desk.visit(client, starts_at=iso(day_at(10)), duration_minutes=60)
    assert assert_error(response, 409)["details"]["clash"] in {"agent", "property"}


def test_back_to_back_visits_do_not_clash(api, desk):
    client = api(desk.team.agent)
    desk.book(client, starts_at=iso(day_at(10)), duration_minutes=60)
    after = desk.book(client, starts_at=iso(day_at(11)), duration_minutes=60)
    before = desk.book(client, starts_at=iso(day_at(9)), ends_at=iso(day_at(10)), duration_minutes=None)
    assert after["starts_at"] == utc_text(day_at(11))
    assert before["ends_at"] == utc_text(day_at(10))
    assert total_visits(api, desk) == 3


def test_cancelling_a_visit_frees_its_slot(api, desk):
    client = api(desk.team.agent)
    first = desk.book(client)
    assert desk.visit(client).status_code == 409
    cancelled = client.patch(f"/api/v1/visits/{first['id']}",
                             json={"status": "cancelled", "cancel_reason": "La clienta está enferma"})
    assert cancelled.status_code == 200, cancelled.get_json()
    again = desk.book(client)
    assert again["id"] != first["id"]


def test_rescheduling_onto_a_clash_is_409_and_changes_nothing(api, desk):
    client = api(desk.team.agent)
    first = desk.book(client, starts_at=iso(day_at(10)))
    second = desk.book(client, starts_at=iso(day_at(12)), property_id=desk.house.id)
    response = client.patch(f"/api/v1/visits/{second['id']}", json={"starts_at": iso(day_at(10, 30))})
    error = assert_error(response, 409, "conflict")
    assert error["details"]["clashing_visit_id"] == first["id"]
    assert error["details"]["clashing_visit"]["starts_at"]
    assert client.get(f"/api/v1/visits/{second['id']}").get_json()["starts_at"] == utc_text(day_at(12))


def test_reassigning_to_a_busy_agent_is_409(api, desk):
    manager = api(desk.team.manager)
    busy = desk.book(api(desk.team.colleague), prospect_id=desk.omar.id, property_id=desk.house.id)
    mine = desk.book(api(desk.team.agent))
    response = manager.patch(f"/api/v1/visits/{mine['id']}", json={"agent_id": desk.team.colleague.id})
    error = assert_error(response, 409)
    assert (error["details"]["clash"], error["details"]["clashing_visit_id"]) == ("agent", busy["id"])


@pytest.mark.parametrize("kind", ["agent", "property"])
def test_parallel_bookings_of_one_slot_give_one_201_and_the_rest_409(app, make, desk, kind):
    attempts = 6
    agents = [make.user(desk.team.agency, Role.AGENT) for _ in range(attempts)]
    token = make.token(desk.team.manager)
    bodies = [
        {
            "prospect_id": desk.lucia.id,
            "starts_at": iso(day_at(16, i)),
            "duration_minutes": 60,
            # same agent on different properties, or one property with different agents
            "agent_id": desk.team.agent.id if kind == "agent" else agents[i].id,
            "property_id": make.property(desk.team.manager).id if kind == "agent" else desk.flat.id,
        }
        for i in range(attempts)
    ]
    barrier = threading.Barrier(attempts)
    statuses: list[int] = []
    lock = threading.Lock()

    def attempt(body: dict[str, Any]) -> None:
        client = ApiClient(app.test_client(), token)
        barrier.wait()
        status = client.post("/api/v1/visits", json=body).status_code
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=attempt, args=(body,)) for body in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [201] + [409] * (attempts - 1), statuses
    assert ApiClient(app.test_client(), token).get("/api/v1/visits").get_json()["total"] == 1


# --- bad bookings ------------------------------------------------------------------------------


def _bad_booking_cases() -> list[tuple[dict[str, Any], str]]:
    start = day_at(10)
    return [
        ({"ends_at": iso(start), "duration_minutes": None}, "ends_at"),
        ({"ends_at": iso(start - timedelta(hours=1)), "duration_minutes": None}, "ends_at"),
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"duration_minutes": -30}, "duration_minutes"),
        ({"duration_minutes": 24 * 60}, "ends_at"),
        ({"ends_at": iso(start + timedelta(hours=24)), "duration_minutes": None}, "ends_at"),
        ({"duration_minutes": 3}, "ends_at"),
        ({"duration_minutes": "an hour"}, "duration_minutes"),
        ({"duration_minutes": True}, "duration_minutes"),
        ({"ends_at": iso(start + timedelta(minutes=30)), "duration_minutes": 60}, "duration_minutes"),
        ({"starts_at": start.replace(tzinfo=None).isoformat()}, "starts_at"),
        ({"ends_at": (start + timedelta(hours=1)).replace(tzinfo=None).isoformat(), "duration_minutes": None},
         "ends_at"),
        ({"starts_at": "tomorrow at ten"}, "starts_at"),
        ({"starts_at": ""}, "starts_at"),
        ({"starts_at": None}, "starts_at"),
        ({"starts_at": iso(utcnow() - timedelta(days=1))}, "starts_at"),
        ({"starts_at": iso(utcnow() - timedelta(days=1)), "status": "confirmed"}, "starts_at"),
        ({"starts_at": iso(utcnow() + timedelta(days=3000))}, "starts_at"),
        ({"status": "done"}, "status"),
        ({"status": "cancelled"}, "status"),
        ({"status": "finished"}, "status"),
        ({"rating": 4}, "rating"),
        ({"feedback": "Too early to tell"}, "feedback"),
        ({"rating": 0, "status": "done"}, "rating"),
        ({"rating": 9, "status": "done"}, "rating"),
        ({"rating": "five", "status": "done"}, "rating"),
        ({"rating": 4.5, "status": "done"}, "rating"),
        ({"property_id": 999_999}, "property_id"),
        ({"property_id": "abc"}, "property_id"),
        ({"property_id": 2**40}, "property_id"),
        ({"property_id": None}, "property_id"),
        ({"prospect_id": 999_999}, "prospect_id"),
        ({"prospect_id": 0}, "prospect_id"),
        ({"agent_id": 999_999}, "agent_id"),
        ({"cancel_reason": "no"}, "cancel_reason"),
        ({"colour": "red"}, "colour"),
    ]


@pytest.mark.parametrize(("fields", "field"), _bad_booking_cases())
def test_bad_bookings_are_422_naming_the_field(api, desk, fields, field):
    response = desk.visit(api(desk.team.manager), **fields)
    error = assert_error(response, 422, "validation_error")
    assert field in error["details"], error
    assert total_visits(api, desk) == 0


def test_a_missing_field_is_named(api, desk):
    response = api(desk.team.agent).post("/api/v1/visits", json={"property_id": desk.flat.id})
    details = assert_error(response, 422)["details"]
    assert {"prospect_id", "starts_at"} <= set(details)


def test_another_agencys_property_prospect_and_agent_are_unknown(api, desk, foreign):
    client = api(desk.team.manager)
    for field, value in [("property_id", foreign.property.id), ("prospect_id", foreign.prospect.id),
                         ("agent_id", foreign.manager.id)]:
        response = desk.visit(client, **{field: value})
        assert field in assert_error(response, 422)["details"], field
    assert total_visits(api, desk) == 0


def test_a_deleted_or_sold_property_cannot_be_visited(api, make, desk):
    manager = api(desk.team.manager)
    sold = make.property(desk.team.manager, status="sold")
    assert "property_id" in assert_error(desk.visit(manager, property_id=sold.id), 422)["details"]
    assert manager.delete(f"/api/v1/properties/{desk.house.id}").status_code == 204
    assert "property_id" in assert_error(desk.visit(manager, property_id=desk.house.id), 422)["details"]


def test_an_inactive_agent_cannot_be_booked(api, make, desk):
    gone = make.user(desk.team.agency, Role.AGENT, active=False)
    response = desk.visit(api(desk.team.manager), agent_id=gone.id)
    assert "agent_id" in assert_error(response, 422)["details"]


@pytest.mark.parametrize("payload", [[], "visit", 42])
def test_a_body_that_is_not_an_object_is_422(api, desk, payload):
    assert_error(api(desk.team.agent).post("/api/v1/visits", json=payload), 422)


def test_a_body_that_is_not_json_is_400(api, desk):
    response = api(desk.team.agent).post(
        "/api/v1/visits", data="{property_id: 1", headers={"Content-Type": "application/json"}
    )
    assert_error(response, 400, "bad_request")


# --- the lifecycle -----------------------------------------------------------------------------


def _under_way(desk: Desk, client: ApiClient) -> dict[str, Any]:
    """A visit that started ten minutes ago, still scheduled."""
    start = (utcnow() - timedelta(minutes=10)).replace(microsecond=0)
    return desk.book(client, starts_at=iso(start), duration_minutes=60)


def test_agent_confirms_then_reschedules_which_needs_a_new_confirmation(api, desk):
    client = api(desk.team.agent)
    visit = desk.book(client)
    path = f"/api/v1/visits/{visit['id']}"
    confirmed = client.patch(path, json={"status": "confirmed"})
    assert confirmed.status_code == 200 and confirmed.get_json()["status"] == "confirmed"
    moved = client.patch(path, json={"starts_at": iso(day_at(18)), "duration_minutes": 30})
    body = moved.get_json()
    assert moved.status_code == 200, body
    assert (body["starts_at"], body["ends_at"]) == (utc_text(day_at(18)), utc_text(day_at(18, 30)))
    assert body["status"] == "scheduled"


def test_rescheduling_keeps_the_length_unless_told(api, desk):
    client = api(desk.team.agent)
    visit = desk.book(client, duration_minutes=90)
    body = client.patch(f"/api/v1/visits/{visit['id']}", json={"starts_at": iso(day_at(15))}).get_json()
    assert body["ends_at"] == utc_text(day_at(16, 30))


def test_a_visit_is_completed_with_feedback_and_rating(api, desk):
    client = api(desk.team.agent)
    visit = _under_way(desk, client)
    path = f"/api/v1/visits/{visit['id']}"
    done = client.patch(path, json={"status": "done", "feedback": "Quiere una segunda visita", "rating": 4})
    assert done.status_code == 200, done.get_json()
    assert (done.get_json()["status"], done.get_json()["rating"]) == ("done", 4)
    rerated = client.patch(path, json={"rating": 5})
    assert rerated.get_json()["rating"] == 5
    assert rerated.get_json()["feedback"] == "Quiere una segunda visita"


def test_a_visit_is_cancelled_with_a_reason(api, desk):
    client = api(desk.team.agent)
    visit = desk.book(client)
    path = f"/api/v1/visits/{visit['id']}"
    assert "cancel_reason" in assert_error(client.patch(path, json={"status": "cancelled"}), 422)["details"]
    blank = client.patch(path, json={"status": "cancelled", "cancel_reason": "   "})
    assert "cancel_reason" in assert_error(blank, 422)["details"]
    assert client.get(path).get_json()["status"] == "scheduled"
    body = client.patch(path, json={"status": "cancelled", "cancel_reason": "Vendido a otro"}).get_json()
    assert (body["status"], body["cancel_reason"]) == ("cancelled", "Vendido a otro")


@pytest.mark.parametrize(
    "outcome",
    [{"status": "done"}, {"status": "no_show"}, {"status": "done", "feedback": "Le gustó", "rating": 4}],
)
def test_an_outcome_before_the_visit_starts_is_422_and_changes_nothing(api, desk, outcome):
    client = api(desk.team.agent)
    visit = desk.book(client, starts_at=iso((utcnow() + timedelta(minutes=10)).replace(microsecond=0)))
    path = f"/api/v1/visits/{visit['id']}"
    before = client.get(path).get_json()
    error = assert_error(client.patch(path, json=outcome), 422, "validation_error")
    assert error["details"]["status"] == "The visit has not started yet: record how it went once it has."
    assert client.get(path).get_json() == before


def test_a_visit_starting_soon_cannot_be_booked_as_done(api, desk):
    response = desk.visit(api(desk.team.agent), status="done",
                          starts_at=iso((utcnow() + timedelta(minutes=10)).replace(microsecond=0)))
    assert "status" in assert_error(response, 422, "validation_error")["details"]
    assert total_visits(api, desk) == 0


def test_a_missed_visit_is_marked_no_show(api, desk):
    client = api(desk.team.agent)
    visit = _under_way(desk, client)
    body = client.patch(f"/api/v1/visits/{visit['id']}", json={"status": "no_show"}).get_json()
    assert body["status"] == "no_show"


@pytest.mark.parametrize(
    ("start", "change", "field"),
    [
        ("done", {"status": "cancelled", "cancel_reason": "late"}, "status"),
        ("done", {"status": "scheduled"}, "status"),
        ("done", {"starts_at": "__later__"}, "starts_at"),
        ("cancelled", {"status": "scheduled"}, "status"),
        ("cancelled", {"status": "confirmed"}, "status"),
        ("cancelled", {"starts_at": "__later__"}, "starts_at"),
        ("future", {"status": "done"}, "status"),
        ("future", {"status": "no_show"}, "status"),
        ("future", {"status": "finished"}, "status"),
        ("future", {"status": None}, "status"),
        ("future", {"feedback": "Nice"}, "feedback"),
        ("future", {"rating": 3}, "rating"),
        ("future", {"cancel_reason": "just because"}, "cancel_reason"),
        ("future", {"status": "confirmed", "cancel_reason": "just because"}, "cancel_reason"),
        ("done", {"rating": 0}, "rating"),
        ("done", {"rating": 9}, "rating"),
        ("done", {"rating": "five"}, "rating"),
        ("done", {"rating": True}, "rating"),
        ("future", {"starts_at": "__past__"}, "starts_at"),
        ("future", {"starts_at": "2027-05-01T10:00:00"}, "starts_at"),
        ("future", {"starts_at": "soon"}, "starts_at"),
        ("future", {"ends_at": "__before__"}, "ends_at"),
        ("future", {"duration_minutes": 0}, "duration_minutes"),
        ("future", {"duration_minutes": 24 * 60}, "ends_at"),
        ("future", {"agent_id": 999_999}, "agent_id"),
        ("future", {"agent_id": None}, "agent_id"),
        ("future", {"id": 5}, "id"),
        ("future", {"property_id": 5}, "property_id"),
    ],
)
def test_bad_changes_are_422_and_change_nothing(api, desk, start, change, field):
    client = api(desk.team.manager)
    if start == "done":
        visit = desk.book(client, starts_at=iso(utcnow() - timedelta(days=1)), status="done", rating=2)
    else:
        visit = desk.book(client)
        if start == "cancelled":
            client.patch(f"/api/v1/visits/{visit['id']}", json={"status": "cancelled", "cancel_reason": "x"})
    before = client.get(f"/api/v1/visits/{visit['id']}").get_json()
    special = {"__later__": iso(day_at(19)), "__past__": iso(utcnow() - timedelta(days=1)),
               "__before__": iso(day_at(9))}
    change = {k: special.get(v, v) if isinstance(v, str) else v for k, v in change.items()}
    response = client.patch(f"/api/v1/visits/{visit['id']}", json=change)
    assert field in assert_error(response, 422, "validation_error")["details"]
    assert client.get(f"/api/v1/visits/{visit['id']}").get_json() == before


def test_an_empty_patch_changes_nothing(api, desk):
    client = api(desk.team.agent)
    visit = desk.book(client)
    response = client.patch(f"/api/v1/visits/{visit['id']}", json={})
    assert response.status_code == 200
    assert {k: v for k, v in response.get_json().items() if k != "updated_at"} == {
        k: v for k, v in visit.items() if k != "updated_at"
    }


# --- roles and tenancy -------------------------------------------------------------------------


def test_agent_sees_only_their_own_visits(api, desk):
    mine = desk.book(api(desk.team.agent))
    theirs = desk.book(api(desk.team.colleague), prospect_id=desk.omar.id, property_id=desk.house.id)
    agent = api(desk.team.agent)
    assert ids(agent.get("/api/v1/visits")) == [mine["id"]]
    assert ids(agent.get(f"/api/v1/visits?agent_id={desk.team.colleague.id}")) == []
    assert ids(agent.get(f"/api/v1/visits?property_id={desk.house.id}")) == []
    for role in (desk.team.manager, desk.team.admin):
        assert set(ids(api(role).get("/api/v1/visits"))) == {mine["id"], theirs["id"]}


def test_agent_cannot_see_or_change_a_colleagues_visit(api, desk):
    theirs = desk.book(api(desk.team.colleague), prospect_id=desk.omar.id)
    path = f"/api/v1/visits/{theirs['id']}"
    agent = api(desk.team.agent)
    assert_error(agent.get(path), 403, "forbidden")
    for change in ({"status": "cancelled", "cancel_reason": "mine now"}, {"starts_at": iso(day_at(8))},
                   {"agent_id": desk.team.agent.id}, {"rating": "bad"}):
        assert_error(agent.patch(path, json=change), 403, "forbidden")
    assert api(desk.team.colleague).get(path).get_json() == theirs


def test_agent_cannot_book_for_a_colleague_or_with_their_prospect(api, desk):
    agent = api(desk.team.agent)
    assert "agent_id" in assert_error(desk.visit(agent, agent_id=desk.team.colleague.id), 422)["details"]
    assert_error(desk.visit(agent, prospect_id=desk.omar.id), 403, "forbidden")
    assert total_visits(api, desk) == 0


def test_agent_cannot_hand_their_visit_to_a_colleague(api, desk):
    agent = api(desk.team.agent)
    visit = desk.book(agent)
    response = agent.patch(f"/api/v1/visits/{visit['id']}", json={"agent_id": desk.team.colleague.id})
    assert "agent_id" in assert_error(response, 422)["details"]


def test_manager_and_admin_change_any_visit(api, desk):
    visit = desk.book(api(desk.team.agent))
    path = f"/api/v1/visits/{visit['id']}"
    confirmed = api(desk.team.manager).patch(path, json={"status": "confirmed"})
    assert confirmed.get_json()["status"] == "confirmed"
    moved = api(desk.team.admin).patch(path, json={"agent_id": desk.team.colleague.id}).get_json()
    assert moved["agent_id"] == desk.team.colleague.id
    assert moved["agent"]["name"] == "Carla Colleague"
    assert ids(api(desk.team.agent).get("/api/v1/visits")) == []


def test_another_agencys_visit_is_404(api, desk, foreign):
    path = f"/api/v1/visits/{foreign.visit.id}"
    for user in (desk.team.admin, desk.team.manager, desk.team.agent):
        client = api(user)
        assert_error(client.get(path), 404, "not_found")
        assert_error(client.patch(path, json={"status": "cancelled", "cancel_reason": "x"}), 404)
    assert api(foreign.manager).get(path).get_json()["status"] == "scheduled"
    assert foreign.visit.id not in ids(api(desk.team.admin).get("/api/v1/visits"))


@pytest.mark.parametrize("path", ["/api/v1/visits/0", "/api/v1/visits/abc", "/api/v1/visits/2147483648",
                                  "/api/v1/visits/99999"])
def test_unknown_visit_ids_are_404(api, desk, path):
    assert_error(api(desk.team.manager).get(path), 404)


def test_visits_need_a_token(client):
    assert_error(client.get("/api/v1/visits"), 401)
    assert_error(client.post("/api/v1/visits", json={}), 401)


def test_a_visit_still_lists_when_its_prospect_and_property_are_deleted(api, desk):
    visit = desk.book(api(desk.team.agent))
    manager = api(desk.team.manager)
    assert manager.delete(f"/api/v1/prospects/{desk.lucia.id}").status_code == 204
    assert manager.delete(f"/api/v1/properties/{desk.flat.id}").status_code == 204
    items = manager.get("/api/v1/visits").get_json()["items"]
    assert [(item["id"], item["prospect"]["name"], item["property"]["reference"]) for item in items] == [
        (visit["id"], "Lucía Ruiz", "SOL-001")
    ]
    # and it reads the same on its own
    assert manager.get(f"/api/v1/visits/{visit['id']}").get_json() == items[0]


# --- filters and pagination --------------------------------------------------------------------


@pytest.fixture
def week(api, desk) -> dict[str, dict[str, Any]]:
    """Visits on two days for both agents, one of them cancelled."""
    agent, colleague = api(desk.team.agent), api(desk.team.colleague)
    visits = {
        "early": desk.book(agent, starts_at=iso(day_at(9)), duration_minutes=60),
        "noon": desk.book(agent, starts_at=iso(day_at(12)), property_id=desk.house.id),
        "theirs": desk.book(colleague, starts_at=iso(day_at(10)), prospect_id=desk.omar.id),
        "next_day": desk.book(agent, starts_at=iso(day_at(9, days=3))),
        "cancelled": desk.book(agent, starts_at=iso(day_at(16))),
    }
    agent.patch(f"/api/v1/visits/{visits['cancelled']['id']}",
                json={"status": "cancelled", "cancel_reason": "Lluvia"})
    return visits


def test_visits_are_listed_by_start_time(api, desk, week):
    listed = ids(api(desk.team.manager).get("/api/v1/visits"))
    assert listed == [week[k]["id"] for k in ("early", "theirs", "noon", "cancelled", "next_day")]


def test_filters_narrow_the_list(api, desk, week):
    manager = api(desk.team.manager)
    assert ids(manager.get(f"/api/v1/visits?agent_id={desk.team.colleague.id}")) == [week["theirs"]["id"]]
    assert ids(manager.get(f"/api/v1/visits?property_id={desk.house.id}")) == [week["noon"]["id"]]
    assert ids(manager.get(f"/api/v1/visits?prospect_id={desk.omar.id}")) == [week["theirs"]["id"]]
    assert ids(manager.get("/api/v1/visits?status=cancelled")) == [week["cancelled"]["id"]]
    assert ids(manager.get(f"/api/v1/visits?agent_id={desk.team.agent.id}&status=scheduled")) == [
        week[k]["id"] for k in ("early", "noon", "next_day")
    ]


def test_from_and_to_keep_the_visits_that_overlap_the_window(api, desk, week):
    manager = api(desk.team.manager)
    # 09:30-12:00: the 09:00-10:00 visit is still going on, the 12:00 one starts at the end
    window = {"from": iso(day_at(9, 30)), "to": iso(day_at(12))}
    assert ids(manager.get("/api/v1/visits", query_string=window)) == [
        week["early"]["id"], week["theirs"]["id"]
    ]
    # 10:00 exactly: the 09:00-10:00 visit has ended (half-open)
    from_ten = ids(manager.get("/api/v1/visits", query_string={"from": iso(day_at(10))}))
    assert week["early"]["id"] not in from_ten and week["theirs"]["id"] in from_ten
    day_after = {"from": iso(day_at(0, days=3))}
    assert ids(manager.get("/api/v1/visits", query_string=day_after)) == [week["next_day"]["id"]]
    until = {"to": utc_text(day_at(9, 1))}
    assert ids(manager.get("/api/v1/visits", query_string=until)) == [week["early"]["id"]]


def test_an_unencoded_plus_in_the_offset_is_understood(api, desk, week):
    start = iso(day_at(12))
    assert "+" in start
    listed = ids(api(desk.team.manager).get(f"/api/v1/visits?from={start}"))
    assert listed == [week[k]["id"] for k in ("noon", "cancelled", "next_day")]


def test_pages_of_visits(api, desk, week):
    manager = api(desk.team.manager)
    first = manager.get("/api/v1/visits?per_page=2").get_json()
    second = manager.get("/api/v1/visits?per_page=2&page=2").get_json()
    last = manager.get("/api/v1/visits?per_page=2&page=3").get_json()
    beyond = manager.get("/api/v1/visits?per_page=2&page=9").get_json()
    assert (first["page"], first["per_page"], first["total"]) == (1, 2, 5)
    seen = [item["id"] for page in (first, second, last) for item in page["items"]]
    assert seen == ids(manager.get("/api/v1/visits"))
    assert len(last["items"]) == 1 and beyond["items"] == [] and beyond["total"] == 5
    assert manager.get("/api/v1/visits?per_page=1000").get_json()["per_page"] == 200


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2027-05-01T10:00:00", "from"),
        ("to=yesterday", "to"),
        ("from=2027-05-02T10:00:00Z&to=2027-05-01T10:00:00Z", "to"),
        ("status=finished", "status"),
        ("agent_id=abc", "agent_id"),
        ("property_id=-3", "property_id"),
        ("page=0", "page"),
        ("per_page=0", "per_page"),
    ],
)
def test_bad_filters_are_422_naming_the_parameter(api, desk, query, field):
    response = api(desk.team.manager).get(f"/api/v1/visits?{query}")
    assert field in assert_error(response, 422, "validation_error")["details"]


def test_listing_a_page_takes_a_fixed_number_of_queries(app, api, desk, week):
    from sqlalchemy import event

    from realty_crm.extensions import db

    manager = api(desk.team.manager)
    statements: list[str] = []

    def count(*_args: Any) -> None:
        statements.append("x")

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        manager.get("/api/v1/visits?per_page=1")
        few = len(statements)
        statements.clear()
        manager.get("/api/v1/visits?per_page=50")
        many = len(statements)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert many == few


def test_clearing_a_rating_reads_well_on_the_timeline(api, desk):
    client = api(desk.team.agent)
    visit = desk.book(client, starts_at=iso(utcnow() - timedelta(days=1)), status="done", rating=3)
    cleared = client.patch(f"/api/v1/visits/{visit['id']}", json={"rating": None})
    assert cleared.status_code == 200 and cleared.get_json()["rating"] is None
    timeline = client.get(f"/api/v1/prospects/{desk.lucia.id}/timeline?kind=visit").get_json()["items"]
    assert timeline[0]["data"]["event"] == "feedback"
    assert "None" not in timeline[0]["summary"]


def test_visit_routes_are_documented(client):
    document = client.get("/api/v1/openapi.json").get_json()
    listing = document["paths"]["/api/v1/visits"]["get"]
    assert {"agent_id", "property_id", "prospect_id", "from", "to", "status", "page", "per_page"} <= {
        p["name"] for p in listing["parameters"]
    }
    assert "409" in document["paths"]["/api/v1/visits"]["post"]["responses"]
    assert {"get", "patch"} <= set(document["paths"]["/api/v1/visits/{visit_id}"])
    assert "409" in document["paths"]["/api/v1/visits/{visit_id}"]["patch"]["responses"]
    visit = document["components"]["schemas"]["VisitOut"]["properties"]
    assert {"starts_at", "ends_at", "status", "cancel_reason", "feedback", "rating", "property", "prospect",
            "agent"} <= set(visit)
