"""/api/v1/prospects: CRUD, soft delete, assignment, timeline, notes, roles, tenancy and bad input."""

from __future__ import annotations

import pytest

from realty_crm.models import Role

SPEC_FIELDS = {
    "id", "first_name", "last_name", "email", "phone", "source", "source_detail", "status",
    "lost_reason", "assigned_agent_id", "requirements", "marketing_consent", "tags", "created_at",
    "updated_at", "last_contacted_at", "next_follow_up_at",
}
REQUIREMENT_FIELDS = {
    "operation", "property_types", "min_price", "max_price", "min_bedrooms", "min_area_m2", "areas",
}


def names_of(page: dict) -> set[str]:
    return {item["first_name"] for item in page["items"]}


def names(response) -> set[str]:
    assert response.status_code == 200, response.get_json()
    return names_of(response.get_json())


# --- happy paths -----------------------------------------------------------------------------


def test_manager_creates_prospect_and_gets_its_location(api, team):
    client = api(team.manager)
    response = client.post(
        "/api/v1/prospects",
        json={
            "first_name": "Lucía",
            "last_name": "García",
            "email": "Lucia.Garcia@Example.COM",
            "phone": "600 111 222",
            "source": "portal",
            "tags": ["vip"],
            "requirements": {
                "operation": "buy",
                "property_types": ["flat", "penthouse"],
                "min_price": 200000,
                "max_price": "350000.50",
                "min_bedrooms": 2,
                "areas": ["Chamberí"],
            },
            "next_follow_up_at": "2030-05-01T10:00:00+02:00",
        },
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert response.headers["Location"] == f"/api/v1/prospects/{body['id']}"
    assert set(body) >= SPEC_FIELDS
    assert set(body["requirements"]) == REQUIREMENT_FIELDS
    assert body["email"] == "lucia.garcia@example.com"
    assert body["phone"] == "+34600111222"
    assert body["requirements"]["property_types"] == ["flat", "penthouse"]
    assert body["requirements"]["max_price"] == "350000.50"
    assert body["next_follow_up_at"] in ("2030-05-01T08:00:00Z", "2030-05-01T08:00:00+00:00")
    assert body["assigned_agent_id"] is None
    assert client.get(response.headers["Location"]).get_json() == body


def test_get_prospect_answers_its_json(api, make, team):
    prospect = make.prospect(team.manager, first_name="Pablo", assigned_agent_id=team.agent.id)
    body = api(team.agent).get(f"/api/v1/prospects/{prospect.id}").get_json()
    assert body["id"] == prospect.id
    assert body["first_name"] == "Pablo"
    assert body["assigned_agent_id"] == team.agent.id
    assert body["status"] == "new"


def test_patch_changes_only_the_fields_sent_and_records_them(api, make, team):
    prospect = make.prospect(team.manager, first_name="Eva", last_name="Ruiz", tags=["a"])
    client = api(team.manager)
    response = client.patch(
        f"/api/v1/prospects/{prospect.id}",
        json={"status": "qualified", "requirements": {"min_bedrooms": 3}},
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "qualified"
    assert body["requirements"]["min_bedrooms"] == 3
    assert body["last_name"] == "Ruiz"
    assert body["tags"] == ["a"]
    kinds = [e["kind"] for e in client.get(f"/api/v1/prospects/{prospect.id}/timeline").get_json()["items"]]
    assert "status_changed" in kinds and "updated" in kinds


def test_empty_patch_changes_nothing(api, make, team):
    prospect = make.prospect(team.manager, first_name="Eva")
    client = api(team.manager)
    before = client.get(f"/api/v1/prospects/{prospect.id}").get_json()
    response = client.patch(f"/api/v1/prospects/{prospect.id}", json={})
    assert response.status_code == 200
    assert response.get_json()["first_name"] == before["first_name"]


def test_delete_is_soft_and_a_manager_restores(api, make, team):
    prospect = make.prospect(team.manager, first_name="Borrable")
    client = api(team.manager)
    response = client.delete(f"/api/v1/prospects/{prospect.id}")
    assert response.status_code == 204
    assert response.get_data() == b""
    assert client.get(f"/api/v1/prospects/{prospect.id}").status_code == 404
    assert "Borrable" not in names(client.get("/api/v1/prospects"))
    trash = client.get("/api/v1/prospects?deleted=true").get_json()
    assert [item["id"] for item in trash["items"]] == [prospect.id]
    assert trash["total"] == 1
    assert trash["items"][0]["deleted_at"] is not None

    restored = api(team.admin).post(f"/api/v1/prospects/{prospect.id}/restore")
    assert restored.status_code == 200
    assert restored.get_json()["deleted_at"] is None
    assert client.get(f"/api/v1/prospects/{prospect.id}").status_code == 200


def test_restoring_a_live_prospect_changes_nothing(api, make, team):
    prospect = make.prospect(team.manager)
    client = api(team.manager)
    assert client.post(f"/api/v1/prospects/{prospect.id}/restore").status_code == 200
    kinds = [e["kind"] for e in client.get(f"/api/v1/prospects/{prospect.id}/timeline").get_json()["items"]]
    assert "restored" not in kinds


def test_deleting_twice_answers_404(api, make, team):
    prospect = make.prospect(team.manager)
    client = api(team.manager)
    assert client.delete(f"/api/v1/prospects/{prospect.id}").status_code == 204
    assert client.delete(f"/api/v1/prospects/{prospect.id}").status_code == 404


def test_manager_assigns_and_unassigns(api, make, team):
    prospect = make.prospect(team.manager)
    client = api(team.manager)
    response = client.post(f"/api/v1/prospects/{prospect.id}/assign", json={"agent_id": team.agent.id})
    assert response.status_code == 200
    assert response.get_json()["assigned_agent_id"] == team.agent.id
    assert api(team.agent).get(f"/api/v1/prospects/{prospect.id}").status_code == 200

    response = client.post(f"/api/v1/prospects/{prospect.id}/assign", json={"agent_id": None})
    assert response.get_json()["assigned_agent_id"] is None
    entries = client.get(f"/api/v1/prospects/{prospect.id}/timeline?kind=assigned").get_json()["items"]
    assert [e["data"]["agent_id"] for e in entries] == [None, team.agent.id]


def test_timeline_is_a_page_of_activities_newest_first(api, make, team):
    prospect = make.prospect(team.manager, assigned_agent_id=team.agent.id)
    make.call(team.agent, prospect)
    client = api(team.agent)
    client.post(f"/api/v1/prospects/{prospect.id}/notes", json={"body": "Wants a terrace."})
    page = client.get(f"/api/v1/prospects/{prospect.id}/timeline?per_page=2").get_json()
    assert set(page) == {"items", "page", "per_page", "total"}
    assert page["per_page"] == 2 and page["page"] == 1
    assert page["total"] >= 5  # created, assigned, call, status changed, note
    assert len(page["items"]) == 2
    first = page["items"][0]
    assert first["kind"] == "note" and first["summary"] == "Wants a terrace."
    assert first["actor_id"] == team.agent.id
    entries = client.get(f"/api/v1/prospects/{prospect.id}/timeline").get_json()["items"]
    times = [e["occurred_at"] for e in entries]
    assert times == sorted(times, reverse=True)


def test_note_is_added_with_its_author(api, make, team):
    prospect = make.prospect(team.manager)
    response = api(team.manager).post(
        f"/api/v1/prospects/{prospect.id}/notes", json={"body": "  Prefiere llamadas por la tarde 📞  "}
    )
    assert response.status_code == 201
    body = response.get_json()
    assert body["kind"] == "note"
    assert body["summary"] == "Prefiere llamadas por la tarde 📞"
    assert body["prospect_id"] == prospect.id
    assert body["actor_id"] == team.manager.id


# --- roles -------------------------------------------------------------------------------------


def test_agent_sees_only_prospects_assigned_to_them(api, make, team):
    make.prospect(team.manager, first_name="Mine", assigned_agent_id=team.agent.id)
    make.prospect(team.manager, first_name="Theirs", assigned_agent_id=team.colleague.id)
    make.prospect(team.manager, first_name="Nobody")
    page = api(team.agent).get("/api/v1/prospects").get_json()
    assert names_of(page) == {"Mine"}
    assert page["total"] == 1
    assert names(api(team.manager).get("/api/v1/prospects")) == {"Mine", "Theirs", "Nobody"}


def test_agent_sees_unassigned_pool_when_agency_allows(api, make, team):
    make.prospect(team.manager, first_name="Nobody")
    make.prospect(team.manager, first_name="Theirs", assigned_agent_id=team.colleague.id)
    assert api(team.admin).patch("/api/v1/agency", json={"agents_see_unassigned": True}).status_code == 200
    assert names(api(team.agent).get("/api/v1/prospects")) == {"Nobody"}
    assert names(api(team.agent).get("/api/v1/prospects?unassigned=true")) == {"Nobody"}


def test_agent_cannot_see_colleagues_prospect(api, make, team):
    prospect = make.prospect(team.manager, assigned_agent_id=team.colleague.id)
    client = api(team.agent)
    assert client.get(f"/api/v1/prospects/{prospect.id}").status_code == 403
    assert client.get(f"/api/v1/prospects/{prospect.id}/timeline").status_code == 403
    assert client.post(f"/api/v1/prospects/{prospect.id}/notes", json={"body": "x"}).status_code == 403
    assert client.patch(f"/api/v1/prospects/{prospect.id}", json={"status": "lost"}).status_code == 403


def test_agent_cannot_assign_delete_or_restore(api, make, team):
    prospect = make.prospect(team.agent)
    client = api(team.agent)
    response = client.post(f"/api/v1/prospects/{prospect.id}/assign", json={"agent_id": team.colleague.id})
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"
    assert client.delete(f"/api/v1/prospects/{prospect.id}").status_code == 403
    assert client.post(f"/api/v1/prospects/{prospect.id}/restore").status_code == 403
    assert client.get("/api/v1/prospects?deleted=true").status_code == 403
    assert client.get(f"/api/v1/prospects/{prospect.id}").get_json()["assigned_agent_id"] == team.agent.id


def test_agent_cannot_hand_a_prospect_to_a_colleague_by_patch(api, make, team):
    prospect = make.prospect(team.agent)
    response = api(team.agent).patch(
        f"/api/v1/prospects/{prospect.id}", json={"assigned_agent_id": team.colleague.id}
    )
    assert response.status_code == 403


def test_agent_keeps_the_prospect_they_create(api, team):
    response = api(team.agent).post("/api/v1/prospects", json={"first_name": "Walk", "source": "walk_in"})
    assert response.status_code == 201
    assert response.get_json()["assigned_agent_id"] == team.agent.id


def test_agent_cannot_create_a_prospect_for_a_colleague(api, team):
    response = api(team.agent).post(
        "/api/v1/prospects", json={"first_name": "X", "assigned_agent_id": team.colleague.id}
    )
    assert response.status_code == 403


# --- tenancy -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("GET", "", None),
        ("PATCH", "", {"first_name": "Hijack"}),
        ("DELETE", "", None),
        ("POST", "/restore", None),
        ("POST", "/assign", {"agent_id": None}),
        ("GET", "/timeline", None),
        ("POST", "/notes", {"body": "hello"}),
    ],
)
def test_other_agencys_prospect_is_404(api, team, foreign, method, suffix, body):
    admin = api(team.admin)
    response = admin.client.open(
        f"/api/v1/prospects/{foreign.prospect.id}{suffix}", method=method, json=body, headers=admin.headers
    )
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
    foreign_view = api(foreign.manager).get(f"/api/v1/prospects/{foreign.prospect.id}").get_json()
    assert foreign_view["first_name"] != "Hijack"
    assert foreign_view["deleted_at"] is None
    assert foreign_view["assigned_agent_id"] == foreign.manager.id


def test_list_never_shows_or_counts_other_agencys_prospects(api, make, team, foreign):
    make.prospect(team.manager, first_name="Ours")
    page = api(team.manager).get("/api/v1/prospects").get_json()
    assert names_of(page) == {"Ours"}
    assert page["total"] == 1
    assert api(team.manager).get("/api/v1/prospects?q=foreign").get_json()["total"] == 0


def test_assigning_to_other_agencys_user_is_refused(api, make, team, foreign):
    prospect = make.prospect(team.manager)
    response = api(team.manager).post(
        f"/api/v1/prospects/{prospect.id}/assign", json={"agent_id": foreign.manager.id}
    )
    assert response.status_code == 422
    assert "agent_id" in response.get_json()["error"]["details"]
    response = api(team.manager).post(
        "/api/v1/prospects", json={"first_name": "X", "assigned_agent_id": foreign.manager.id}
    )
    assert response.status_code == 422
    assert "assigned_agent_id" in response.get_json()["error"]["details"]


def test_same_email_in_another_agency_is_not_a_duplicate(api, team, foreign):
    response = api(team.manager).post(
        "/api/v1/prospects", json={"first_name": "Same", "email": foreign.prospect.email}
    )
    assert response.status_code == 201


# --- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "first_name"),
        ({"first_name": ""}, "first_name"),
        ({"first_name": "   "}, "first_name"),
        ({"first_name": "x" * 101}, "first_name"),
        ({"first_name": 123}, "first_name"),
        ({"first_name": None}, "first_name"),
        ({"first_name": "Bad\u0000Name"}, "first_name"),
        ({"first_name": "A", "email": "not-an-email"}, "email"),
        ({"first_name": "A", "phone": "12"}, "phone"),
        ({"first_name": "A", "source": "carrier_pigeon"}, "source"),
        ({"first_name": "A", "status": "lost"}, "lost_reason"),
        ({"first_name": "A", "tags": "vip"}, "tags"),
        ({"first_name": "A", "tags": ["x" * 51]}, "tags.0"),
        ({"first_name": "A", "marketing_consent": "maybe"}, "marketing_consent"),
        ({"first_name": "A", "requirements": {"min_price": "abc"}}, "requirements.min_price"),
        ({"first_name": "A", "requirements": {"min_price": -1}}, "requirements.min_price"),
        ({"first_name": "A", "requirements": {"operation": "steal"}}, "requirements.operation"),
        ({"first_name": "A", "requirements": {"surprise": 1}}, "requirements.surprise"),
        ({"first_name": "A", "requirements": {"min_price": 500, "max_price": 100}}, "requirements"),
        ({"first_name": "A", "next_follow_up_at": "2030-05-01T10:00:00"}, "next_follow_up_at"),
        ({"first_name": "A", "assigned_agent_id": "me"}, "assigned_agent_id"),
        ({"first_name": "A", "assigned_agent_id": 10**30}, "assigned_agent_id"),
        ({"first_name": "A", "favourite_colour": "blue"}, "favourite_colour"),
    ],
)
def test_create_refuses_bad_fields_with_details(api, team, payload, field):
    client = api(team.manager)
    response = client.post("/api/v1/prospects", json=payload)
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "validation_error"
    assert field in error["details"], error["details"]
    assert client.get("/api/v1/prospects").get_json()["total"] == 0


def test_unknown_field_is_named_as_unknown(api, team):
    response = api(team.manager).post("/api/v1/prospects", json={"first_name": "A", "colour": "blue"})
    assert response.get_json()["error"]["details"] == {"colour": "unknown field"}


@pytest.mark.parametrize(
    ("first_name", "last_name"),
    [("Zoë", "Ñúñez-Çelik"), ("محمد", "العربي"), ("שרה", "כהן"), ("😀 Smiley", "🏠"), ("李", "小龙")],
)
def test_unicode_rtl_and_emoji_names_round_trip_and_are_searchable(api, team, first_name, last_name):
    client = api(team.manager)
    response = client.post("/api/v1/prospects", json={"first_name": first_name, "last_name": last_name})
    assert response.status_code == 201
    body = client.get(response.headers["Location"]).get_json()
    assert (body["first_name"], body["last_name"]) == (first_name, last_name)
    found = client.get("/api/v1/prospects", query_string={"q": last_name}).get_json()
    assert [item["id"] for item in found["items"]] == [body["id"]]


def test_duplicate_email_is_409_naming_the_existing_prospect(api, make, team):
    existing = make.prospect(team.manager, email="dup@example.com")
    response = api(team.manager).post(
        "/api/v1/prospects", json={"first_name": "Twin", "email": "DUP@example.com"}
    )
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "conflict"
    assert error["details"]["existing_id"] == existing.id
    assert "email" in error["details"]


def test_duplicate_phone_in_another_format_is_409(api, make, team):
    existing = make.prospect(team.manager, phone="+34 600 111 222")
    response = api(team.manager).post("/api/v1/prospects", json={"first_name": "Twin", "phone": "600111222"})
    assert response.status_code == 409
    details = response.get_json()["error"]["details"]
    assert details["existing_id"] == existing.id and "phone" in details


def test_patch_to_a_duplicate_email_is_409(api, make, team):
    make.prospect(team.manager, email="taken@example.com")
    other = make.prospect(team.manager, email="free@example.com")
    response = api(team.manager).patch(f"/api/v1/prospects/{other.id}", json={"email": "taken@example.com"})
    assert response.status_code == 409
    assert api(team.manager).get(f"/api/v1/prospects/{other.id}").get_json()["email"] == "free@example.com"


def test_patch_min_price_above_stored_max_price_is_422(api, make, team):
    prospect = make.prospect(team.manager, requirements={"min_price": 100000, "max_price": 200000})
    response = api(team.manager).patch(
        f"/api/v1/prospects/{prospect.id}", json={"requirements": {"min_price": 300000}}
    )
    assert response.status_code == 422
    assert "requirements.min_price" in response.get_json()["error"]["details"]


@pytest.mark.parametrize(
    "payload",
    [{"first_name": None}, {"status": None}, {"requirements": None}, {"status": "lost"}, {"id": 5}],
)
def test_patch_refuses_bad_values(api, make, team, payload):
    prospect = make.prospect(team.manager)
    response = api(team.manager).patch(f"/api/v1/prospects/{prospect.id}", json=payload)
    assert response.status_code == 422


@pytest.mark.parametrize(
    "payload",
    [{}, {"agent_id": "x"}, {"agent_id": 1.5}, {"agent_id": 1, "extra": True}, {"agent_id": 2147483000}],
)
def test_assign_refuses_bad_bodies(api, make, team, payload):
    prospect = make.prospect(team.manager)
    response = api(team.manager).post(f"/api/v1/prospects/{prospect.id}/assign", json=payload)
    assert response.status_code == 422
    assert response.get_json()["error"]["details"]


def test_assign_to_inactive_user_is_refused(api, make, team):
    retired = make.user(team.agency, Role.AGENT, active=False)
    prospect = make.prospect(team.manager)
    response = api(team.manager).post(
        f"/api/v1/prospects/{prospect.id}/assign", json={"agent_id": retired.id}
    )
    assert response.status_code == 422


@pytest.mark.parametrize("payload", [{}, {"body": ""}, {"body": "  "}, {"body": 42}, {"body": "x" * 10_001}])
def test_note_refuses_empty_long_or_wrong_type(api, make, team, payload):
    prospect = make.prospect(team.manager)
    response = api(team.manager).post(f"/api/v1/prospects/{prospect.id}/notes", json=payload)
    assert response.status_code == 422
    assert "body" in response.get_json()["error"]["details"]


# --- pagination and filters --------------------------------------------------------------------


def test_pages_split_the_list_and_total_counts_all(api, make, team):
    for n in range(5):
        make.prospect(team.manager, first_name=f"P{n}")
    client = api(team.manager)
    first = client.get("/api/v1/prospects?per_page=2").get_json()
    third = client.get("/api/v1/prospects?per_page=2&page=3").get_json()
    beyond = client.get("/api/v1/prospects?per_page=2&page=9").get_json()
    assert (first["total"], first["page"], first["per_page"], len(first["items"])) == (5, 1, 2, 2)
    assert len(third["items"]) == 1
    assert beyond["items"] == [] and beyond["total"] == 5
    assert names_of(first) == {"P4", "P3"}  # newest first


def test_per_page_above_200_is_capped(api, team):
    body = api(team.manager).get("/api/v1/prospects?per_page=5000").get_json()
    assert body["per_page"] == 200


@pytest.mark.parametrize(
    "query",
    ["page=0", "page=-1", "page=abc", "per_page=0", "per_page=-5", "per_page=1.5", "per_page=ten",
     "status=bogus", "source=x", "assigned_agent_id=x", "assigned_agent_id=0", "unassigned=maybe",
     "sort=random", "q=" + "x" * 201, "q=%00"],
)
def test_bad_list_parameters_are_422(api, team, query):
    response = api(team.manager).get(f"/api/v1/prospects?{query}")
    assert response.status_code == 422
    assert response.get_json()["error"]["details"]


def test_filters_narrow_the_list(api, make, team):
    make.prospect(team.manager, first_name="Ana", email="ana@example.com", source="portal",
                  assigned_agent_id=team.agent.id)
    make.prospect(team.manager, first_name="Beto", phone="+34 611 222 333", status="contacted",
                  source="referral")
    make.prospect(team.manager, first_name="Cris", source="portal", assigned_agent_id=team.colleague.id)
    client = api(team.manager)

    def found(query: str) -> set[str]:
        response = client.get(f"/api/v1/prospects?{query}")
        assert response.status_code == 200, response.get_json()
        return names(response)

    assert found("q=ana") == {"Ana"}
    assert found("q=ANA%40EXAMPLE") == {"Ana"}
    assert found("q=611+222+333") == {"Beto"}
    assert found("status=contacted") == {"Beto"}
    assert found("source=portal") == {"Ana", "Cris"}
    assert found(f"assigned_agent_id={team.agent.id}") == {"Ana"}
    assert found("unassigned=true") == {"Beto"}
    assert found("source=portal&unassigned=true") == set()
    assert found("status=&source=") == {"Ana", "Beto", "Cris"}
    assert found("q=%25") == set()  # a LIKE wildcard is searched for literally
    assert [i["first_name"] for i in client.get("/api/v1/prospects?sort=oldest").get_json()["items"]] == [
        "Ana", "Beto", "Cris",
    ]
