"""/api/v1/prospects/<id>/matches and /api/v1/properties/<id>/matches: ranked, explained, paginated,
and only what the caller may see."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from realty_crm.models import Property, Prospect

from .conftest import Team
from .test_errors import assert_error

MATCH_FIELDS = {"match_score", "match_reasons", "near_miss"}


@dataclass
class Market:
    """Lucía (the agent's prospect) and the agency's listings around her budget."""

    team: Team
    lucia: Prospect
    perfect: Property
    a_hair_over: Property
    one_bedroom_short: Property
    over_budget: Property


@pytest.fixture
def market(make, team) -> Market:
    manager = team.manager
    lucia = make.prospect(
        manager, first_name="Lucía", assigned_agent_id=team.agent.id,
        requirements={"operation": "buy", "property_types": ["flat", "penthouse"], "max_price": "300000",
                      "min_bedrooms": 2, "min_area_m2": 70, "areas": ["Chamberí", "Salamanca"]},
    )
    market = Market(
        team=team,
        lucia=lucia,
        perfect=make.property(manager, price="280000", bedrooms=3, area_m2=90, area="Chamberí"),
        a_hair_over=make.property(manager, price="300500", bedrooms=2, area_m2=80, area="Salamanca"),
        one_bedroom_short=make.property(manager, price="290000", bedrooms=1, area_m2=75, area="Chamberí"),
        over_budget=make.property(manager, price="315000", bedrooms=2, area_m2=75, area="Salamanca"),
    )
    # never offered to her: far over budget, to let, not on the market
    make.property(manager, price="400000", bedrooms=3, area_m2=90, area="Chamberí")
    make.property(manager, operation="rent", price="1500", bedrooms=3, area_m2=90, area="Chamberí")
    make.property(manager, price="250000", bedrooms=3, area_m2=90, area="Chamberí", status="reserved")
    return market


def matches(client, path: str, **params: Any) -> dict[str, Any]:
    response = client.get(path, query_string=params)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def ids(page: dict[str, Any]) -> list[int]:
    return [item["id"] for item in page["items"]]


# --- properties for a prospect -----------------------------------------------------------------


def test_properties_for_a_prospect_best_first_with_scores_and_reasons(api, market):
    page = matches(api(market.team.agent), f"/api/v1/prospects/{market.lucia.id}/matches")
    assert ids(page) == [market.perfect.id, market.a_hair_over.id, market.one_bedroom_short.id,
                         market.over_budget.id]
    assert (page["page"], page["per_page"], page["total"]) == (1, 50, 4)
    scores = [item["match_score"] for item in page["items"]]
    assert scores == sorted(scores, reverse=True)
    assert scores[0] == 100 and all(0 <= s < 100 for s in scores[1:])
    by_id = {item["id"]: item for item in page["items"]}
    assert by_id[market.perfect.id]["near_miss"] is False
    assert "within budget" in by_id[market.perfect.id]["match_reasons"]
    assert "price 1% over budget" in by_id[market.a_hair_over.id]["match_reasons"]
    assert "one bedroom short" in by_id[market.one_bedroom_short.id]["match_reasons"]
    assert "price 5% over budget" in by_id[market.over_budget.id]["match_reasons"]
    assert all(item["near_miss"] for item in page["items"][1:])
    assert all(isinstance(r, str) and r for item in page["items"] for r in item["match_reasons"])


def test_each_item_is_the_propertys_own_json_plus_the_match(api, market):
    client = api(market.team.agent)
    item = matches(client, f"/api/v1/prospects/{market.lucia.id}/matches")["items"][0]
    own = client.get(f"/api/v1/properties/{item['id']}").get_json()
    assert set(item) == set(own) | MATCH_FIELDS
    assert {k: v for k, v in item.items() if k not in MATCH_FIELDS} == own


def test_near_misses_can_be_left_out(api, market):
    path = f"/api/v1/prospects/{market.lucia.id}/matches"
    page = matches(api(market.team.agent), path, near_misses="false")
    assert ids(page) == [market.perfect.id]
    assert page["total"] == 1


def test_property_matches_come_in_pages(api, market):
    client = api(market.team.manager)
    path = f"/api/v1/prospects/{market.lucia.id}/matches"
    everything = ids(matches(client, path))
    pages = [matches(client, path, per_page=3, page=n) for n in (1, 2, 3)]
    assert [ids(p) for p in pages] == [everything[:3], everything[3:], []]
    assert {p["total"] for p in pages} == {4}
    assert matches(client, path, per_page=500)["per_page"] == 200


def test_a_deleted_or_sold_property_is_no_longer_offered(api, market):
    manager = api(market.team.manager)
    assert manager.delete(f"/api/v1/properties/{market.perfect.id}").status_code == 204
    sold = manager.patch(f"/api/v1/properties/{market.one_bedroom_short.id}", json={"status": "sold"})
    assert sold.status_code == 200, sold.get_json()
    remaining = ids(matches(manager, f"/api/v1/prospects/{market.lucia.id}/matches"))
    assert remaining == [market.a_hair_over.id, market.over_budget.id]


def test_a_prospect_without_requirements_has_no_matches(api, make, market):
    vague = make.prospect(market.team.manager, first_name="Vague")
    page = matches(api(market.team.manager), f"/api/v1/prospects/{vague.id}/matches")
    assert (page["items"], page["total"]) == ([], 0)


def test_agent_cannot_see_matches_of_a_colleagues_prospect(api, make, market):
    theirs = make.prospect(market.team.manager, assigned_agent_id=market.team.colleague.id,
                           requirements={"operation": "buy"})
    assert_error(api(market.team.agent).get(f"/api/v1/prospects/{theirs.id}/matches"), 403, "forbidden")
    # no budget: every available listing for sale, the 400,000 one too
    assert matches(api(market.team.colleague), f"/api/v1/prospects/{theirs.id}/matches")["total"] == 5


def test_another_agencys_listings_never_match(api, make, market, foreign):
    make.property(foreign.manager, reference="LUNA-9", price="280000", bedrooms=3, area_m2=90,
                  area="Chamberí")
    found = ids(matches(api(market.team.manager), f"/api/v1/prospects/{market.lucia.id}/matches"))
    assert foreign.property.id not in found and len(found) == 4


# --- prospects for a property ------------------------------------------------------------------


@pytest.fixture
def buyers(api, make, market) -> dict[str, Prospect]:
    """Prospects around ``market.perfect`` (280,000, 3 bedrooms, 90 m², Chamberí)."""
    manager = market.team.manager
    lost = make.prospect(manager, first_name="Lost", requirements={"operation": "buy"})
    make.prospect(manager, first_name="Renter", requirements={"operation": "rent"})
    make.prospect(manager, first_name="Rich", requirements={"operation": "buy", "min_price": "900000"})
    response = api(manager).patch(f"/api/v1/prospects/{lost.id}",
                                  json={"status": "lost", "lost_reason": "Bought elsewhere"})
    assert response.status_code == 200, response.get_json()
    return {
        "lucia": market.lucia,
        "pablo": make.prospect(manager, first_name="Pablo", assigned_agent_id=market.team.colleague.id,
                               requirements={"operation": "buy", "max_price": "270000",
                                             "areas": ["Chamberí"]}),
        "nora": make.prospect(manager, first_name="Nora", requirements={"operation": "buy"}),
    }


def test_prospects_for_a_property_best_first(api, market, buyers):
    page = matches(api(market.team.manager), f"/api/v1/properties/{market.perfect.id}/matches")
    assert ids(page) == [buyers["lucia"].id, buyers["nora"].id, buyers["pablo"].id]
    pablo = page["items"][2]
    assert pablo["near_miss"] is True and "price 4% over budget" in pablo["match_reasons"]
    assert [item["match_score"] for item in page["items"][:2]] == [100, 100]
    assert 0 <= pablo["match_score"] < 100


def test_each_item_is_the_prospects_own_json_plus_the_match(api, market, buyers):
    client = api(market.team.manager)
    item = matches(client, f"/api/v1/properties/{market.perfect.id}/matches")["items"][0]
    own = client.get(f"/api/v1/prospects/{item['id']}").get_json()
    assert {k: v for k, v in item.items() if k not in MATCH_FIELDS} == own
    assert set(item) - set(own) == MATCH_FIELDS


def test_an_agent_only_gets_the_prospects_they_may_see(api, market, buyers):
    path = f"/api/v1/properties/{market.perfect.id}/matches"
    assert ids(matches(api(market.team.agent), path)) == [buyers["lucia"].id]
    assert ids(matches(api(market.team.colleague), path)) == [buyers["pablo"].id]
    shared = api(market.team.admin).patch("/api/v1/agency", json={"agents_see_unassigned": True})
    assert shared.status_code == 200, shared.get_json()
    assert ids(matches(api(market.team.agent), path)) == [buyers["lucia"].id, buyers["nora"].id]


def test_prospect_matches_come_in_pages(api, market, buyers):
    client = api(market.team.manager)
    path = f"/api/v1/properties/{market.perfect.id}/matches"
    second = matches(client, path, per_page=1, page=2)
    assert (ids(second), second["total"], second["per_page"]) == ([buyers["nora"].id], 3, 1)
    assert matches(client, path, per_page=1, page=4)["items"] == []


def test_a_deleted_prospect_is_not_matched(api, market, buyers):
    manager = api(market.team.manager)
    assert manager.delete(f"/api/v1/prospects/{buyers['nora'].id}").status_code == 204
    found = ids(matches(manager, f"/api/v1/properties/{market.perfect.id}/matches"))
    assert found == [buyers["lucia"].id, buyers["pablo"].id]


# --- tenancy and bad input ---------------------------------------------------------------------


def test_another_agencys_prospect_or_property_is_404(api, market, foreign):
    for user in (market.team.admin, market.team.manager, market.team.agent):
        client = api(user)
        assert_error(client.get(f"/api/v1/prospects/{foreign.prospect.id}/matches"), 404, "not_found")
        assert_error(client.get(f"/api/v1/properties/{foreign.property.id}/matches"), 404, "not_found")
    theirs = matches(api(foreign.manager), f"/api/v1/properties/{foreign.property.id}/matches")
    assert market.lucia.id not in ids(theirs)


@pytest.mark.parametrize("path", ["/api/v1/prospects/{id}/matches", "/api/v1/properties/{id}/matches"])
@pytest.mark.parametrize(("query", "field"), [("page=0", "page"), ("per_page=x", "per_page"),
                                               ("near_misses=perhaps", "near_misses")])
def test_bad_paging_is_422(api, market, path, query, field):
    record = market.lucia.id if "prospects" in path else market.perfect.id
    response = api(market.team.manager).get(path.format(id=record) + "?" + query)
    assert field in assert_error(response, 422, "validation_error")["details"]


@pytest.mark.parametrize("path", ["/api/v1/prospects/999999/matches", "/api/v1/properties/abc/matches"])
def test_unknown_ids_are_404(api, market, path):
    assert_error(api(market.team.manager).get(path), 404)


def test_matches_need_a_token(client, market):
    assert_error(client.get(f"/api/v1/prospects/{market.lucia.id}/matches"), 401)
    assert_error(client.get(f"/api/v1/properties/{market.perfect.id}/matches"), 401)


def test_match_routes_are_documented_with_the_match_fields(client):
    document = client.get("/api/v1/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    for path, item in [("/api/v1/prospects/{prospect_id}/matches", "PropertyMatchOut"),
                       ("/api/v1/properties/{property_id}/matches", "ProspectMatchOut")]:
        op = document["paths"][path]["get"]
        assert {"page", "per_page"} <= {p["name"] for p in op["parameters"]}
        assert "404" in op["responses"]
        page_ref = op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        assert schemas[page_ref.rsplit("/", 1)[1]]["properties"]["items"]["items"]["$ref"].endswith(item)
        assert set(schemas[item]["properties"]) >= MATCH_FIELDS


def test_areas_match_whatever_their_case_both_ways(api, make, team):
    picky = make.prospect(team.manager, first_name="Picky",
                          requirements={"operation": "buy", "areas": ["chamberí", "SALAMANCA"]})
    flat = make.property(team.manager, area="Chamberí", city="Madrid")
    manager = api(team.manager)
    assert ids(matches(manager, f"/api/v1/prospects/{picky.id}/matches")) == [flat.id]
    assert ids(matches(manager, f"/api/v1/properties/{flat.id}/matches")) == [picky.id]
