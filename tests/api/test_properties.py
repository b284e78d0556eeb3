"""/api/v1/properties: CRUD, soft delete, search filters, roles, tenancy and bad input."""

from __future__ import annotations

import pytest

SPEC_FIELDS = {
    "id", "reference", "title", "description", "operation", "property_type", "status", "price",
    "address", "city", "area", "postcode", "bedrooms", "bathrooms", "area_m2", "features", "owner_id",
    "listing_agent_id",
}

NEW_FLAT = {
    "reference": "MAD-001",
    "title": "Bright flat near the park",
    "operation": "sale",
    "property_type": "flat",
    "price": 315000,
    "status": "available",
    "city": "Madrid",
    "area": "Retiro",
    "bedrooms": 3,
    "bathrooms": 2,
    "area_m2": 95,
    "features": ["lift", "terrace"],
}


def refs(response) -> set[str]:
    assert response.status_code == 200, response.get_json()
    return {item["reference"] for item in response.get_json()["items"]}


# --- happy paths -----------------------------------------------------------------------------


def test_agent_lists_a_property_and_gets_its_location(api, team):
    client = api(team.agent)
    response = client.post("/api/v1/properties", json=NEW_FLAT)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert response.headers["Location"] == f"/api/v1/properties/{body['id']}"
    assert set(body) >= SPEC_FIELDS
    assert body["price"] in ("315000.00", "315000", 315000)
    assert body["listing_agent_id"] == team.agent.id
    assert body["features"] == ["lift", "terrace"]
    assert body["published_at"] is not None
    assert client.get(response.headers["Location"]).get_json() == body


def test_owner_is_a_prospect_of_the_agency(api, make, team):
    owner = make.prospect(team.manager, first_name="Owner")
    response = api(team.manager).post("/api/v1/properties", json={**NEW_FLAT, "owner_id": owner.id})
    assert response.status_code == 201
    assert response.get_json()["owner_id"] == owner.id


def test_patch_changes_price_and_keeps_the_rest(api, make, team):
    prop = make.property(team.manager, title="Old title")
    client = api(team.agent)
    response = client.patch(
        f"/api/v1/properties/{prop.id}", json={"price": "299999.99", "status": "reserved"}
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["price"] == "299999.99"
    assert body["status"] == "reserved"
    assert body["title"] == "Old title"


def test_delete_is_soft_and_a_manager_restores(api, make, team):
    prop = make.property(team.manager, reference="GONE-1")
    client = api(team.manager)
    assert client.delete(f"/api/v1/properties/{prop.id}").status_code == 204
    assert client.get(f"/api/v1/properties/{prop.id}").status_code == 404
    assert "GONE-1" not in refs(client.get("/api/v1/properties"))
    assert refs(client.get("/api/v1/properties?deleted=true")) == {"GONE-1"}
    response = client.post(f"/api/v1/properties/{prop.id}/restore")
    assert response.status_code == 200
    assert response.get_json()["deleted_at"] is None
    assert client.get(f"/api/v1/properties/{prop.id}").status_code == 200


def test_deleted_reference_still_counts_as_taken(api, make, team):
    prop = make.property(team.manager, reference="KEEP-1")
    client = api(team.manager)
    client.delete(f"/api/v1/properties/{prop.id}")
    response = client.post("/api/v1/properties", json={**NEW_FLAT, "reference": "KEEP-1"})
    assert response.status_code == 409


# --- roles -------------------------------------------------------------------------------------


def test_every_role_sees_every_property(api, make, team):
    make.property(team.colleague, reference="COL-1")
    make.property(team.manager, reference="MAN-1")
    assert refs(api(team.agent).get("/api/v1/properties")) == {"COL-1", "MAN-1"}


def test_agent_cannot_delete_or_restore_a_property(api, make, team):
    prop = make.property(team.manager)
    client = api(team.agent)
    assert client.delete(f"/api/v1/properties/{prop.id}").status_code == 403
    assert client.post(f"/api/v1/properties/{prop.id}/restore").status_code == 403
    assert client.get("/api/v1/properties?deleted=true").status_code == 403
    assert client.get(f"/api/v1/properties/{prop.id}").status_code == 200


# --- tenancy -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("GET", "", None),
        ("PATCH", "", {"title": "Hijack"}),
        ("DELETE", "", None),
        ("POST", "/restore", None),
    ],
)
def test_other_agencys_property_is_404(api, team, foreign, method, suffix, body):
    admin = api(team.admin)
    response = admin.client.open(
        f"/api/v1/properties/{foreign.property.id}{suffix}", method=method, json=body, headers=admin.headers
    )
    assert response.status_code == 404
    theirs = api(foreign.manager).get(f"/api/v1/properties/{foreign.property.id}").get_json()
    assert theirs["title"] != "Hijack" and theirs["deleted_at"] is None


def test_search_never_shows_other_agencys_properties(api, make, team, foreign):
    make.property(team.manager, reference="OURS-1")
    client = api(team.manager)
    assert refs(client.get("/api/v1/properties")) == {"OURS-1"}
    assert client.get("/api/v1/properties?q=foreign").get_json()["total"] == 0


def test_same_reference_in_another_agency_is_allowed(api, team, foreign):
    response = api(team.manager).post("/api/v1/properties", json={**NEW_FLAT, "reference": "FOREIGN-1"})
    assert response.status_code == 201


def test_owner_and_agent_from_another_agency_are_refused(api, team, foreign):
    response = api(team.manager).post(
        "/api/v1/properties",
        json={**NEW_FLAT, "owner_id": foreign.prospect.id, "listing_agent_id": foreign.manager.id},
    )
    assert response.status_code == 422
    assert set(response.get_json()["error"]["details"]) == {"owner_id", "listing_agent_id"}


# --- bad input ---------------------------------------------------------------------------------


def test_duplicate_reference_is_409(api, make, team):
    make.property(team.manager, reference="DUP-1")
    response = api(team.manager).post("/api/v1/properties", json={**NEW_FLAT, "reference": "DUP-1"})
    assert response.status_code == 409
    assert "reference" in response.get_json()["error"]["details"]


def test_patch_to_a_taken_reference_is_409(api, make, team):
    make.property(team.manager, reference="TAKEN")
    prop = make.property(team.manager, reference="MINE")
    response = api(team.manager).patch(f"/api/v1/properties/{prop.id}", json={"reference": "TAKEN"})
    assert response.status_code == 409
    assert api(team.manager).get(f"/api/v1/properties/{prop.id}").get_json()["reference"] == "MINE"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"reference": ""}, "reference"),
        ({"reference": "R" * 41}, "reference"),
        ({"title": ""}, "title"),
        ({"title": "t" * 201}, "title"),
        ({"title": 7}, "title"),
        ({"operation": "swap"}, "operation"),
        ({"property_type": "castle"}, "property_type"),
        ({"status": "lost"}, "status"),
        ({"price": "abc"}, "price"),
        ({"price": -1}, "price"),
        ({"price": "1.001"}, "price"),
        ({"price": "NaN"}, "price"),
        ({"price": 1e20}, "price"),
        ({"bedrooms": -1}, "bedrooms"),
        ({"bedrooms": "two"}, "bedrooms"),
        ({"area_m2": 0}, "area_m2"),
        ({"features": "lift"}, "features"),
        ({"features": ["x"] * 51}, "features"),
        ({"owner_id": 10**20}, "owner_id"),
        ({"owner_id": 2147483000}, "owner_id"),
        ({"swimming_pool": True}, "swimming_pool"),
    ],
)
def test_create_refuses_bad_fields(api, team, change, field):
    client = api(team.manager)
    response = client.post("/api/v1/properties", json={**NEW_FLAT, **change})
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["details"]
    assert client.get("/api/v1/properties").get_json()["total"] == 0


@pytest.mark.parametrize("missing", ["reference", "title", "operation", "property_type", "price"])
def test_create_requires_the_core_fields(api, team, missing):
    payload = {k: v for k, v in NEW_FLAT.items() if k != missing}
    response = api(team.manager).post("/api/v1/properties", json=payload)
    assert response.status_code == 422
    assert missing in response.get_json()["error"]["details"]


@pytest.mark.parametrize("change", [{"price": None}, {"reference": None}, {"title": None}, {"price": ""}])
def test_patch_cannot_empty_a_required_field(api, make, team, change):
    prop = make.property(team.manager)
    response = api(team.manager).patch(f"/api/v1/properties/{prop.id}", json=change)
    assert response.status_code == 422


def test_unicode_titles_round_trip_and_are_searchable(api, team):
    client = api(team.manager)
    title = "Ático con vistas 🌅 — شقة جميلة"
    response = client.post("/api/v1/properties", json={**NEW_FLAT, "title": title, "city": "Málaga"})
    assert response.status_code == 201
    assert client.get(response.headers["Location"]).get_json()["title"] == title
    assert refs(client.get("/api/v1/properties", query_string={"q": "شقة"})) == {"MAD-001"}


# --- filters -----------------------------------------------------------------------------------


@pytest.fixture
def listings(make, team):
    make.property(team.manager, reference="A", operation="sale", property_type="flat", price="200000",
                  city="Madrid", area="Retiro", bedrooms=2, status="available")
    make.property(team.manager, reference="B", operation="rent", property_type="flat", price="1200",
                  city="Madrid", area="Chamberí", bedrooms=1, status="available")
    make.property(team.manager, reference="C", operation="sale", property_type="house", price="450000",
                  city="Toledo", area="Centro", bedrooms=4, status="reserved", title="Casa con jardín")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"A", "B", "C"}),
        ("operation=sale", {"A", "C"}),
        ("property_type=flat", {"A", "B"}),
        ("status=reserved", {"C"}),
        ("city=Madrid", {"A", "B"}),
        ("area=Chamber%C3%AD", {"B"}),
        ("min_price=100000", {"A", "C"}),
        ("max_price=200000", {"A", "B"}),
        ("min_price=150000&max_price=250000", {"A"}),
        ("min_price=200000&max_price=200000", {"A"}),
        ("min_bedrooms=2", {"A", "C"}),
        ("q=jard%C3%ADn", {"C"}),
        ("q=toledo&operation=rent", set()),
        ("operation=sale&sort=price_desc", {"A", "C"}),
    ],
)
def test_filters_narrow_the_search(api, team, listings, query, expected):
    assert refs(api(team.agent).get(f"/api/v1/properties?{query}")) == expected


def test_sort_by_price(api, team, listings):
    items = api(team.agent).get("/api/v1/properties?sort=price_asc").get_json()["items"]
    assert [item["reference"] for item in items] == ["B", "A", "C"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("min_price=abc", "min_price"),
        ("max_price=-5", "max_price"),
        ("min_price=NaN", "min_price"),
        ("min_price=1e400", "min_price"),
        ("min_price=500&max_price=100", "max_price"),
        ("min_bedrooms=two", "min_bedrooms"),
        ("min_bedrooms=-1", "min_bedrooms"),
        ("operation=buy", "operation"),
        ("property_type=castle", "property_type"),
        ("status=gone", "status"),
        ("sort=cheapest", "sort"),
        ("city=" + "x" * 101, "city"),
        ("page=0", "page"),
        ("per_page=abc", "per_page"),
    ],
)
def test_bad_filters_are_422(api, team, query, field):
    response = api(team.agent).get(f"/api/v1/properties?{query}")
    assert response.status_code == 422
    assert field in response.get_json()["error"]["details"]


def test_pagination_of_properties(api, make, team):
    for n in range(3):
        make.property(team.manager, reference=f"P{n}")
    page = api(team.agent).get("/api/v1/properties?per_page=2&page=2").get_json()
    assert (page["total"], page["page"], page["per_page"], len(page["items"])) == (3, 2, 2, 1)
