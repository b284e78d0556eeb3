"""Prospect and property lists: full-text q, filters, totals, pages and sorts."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from realty_crm import tenancy
from realty_crm.errors import ValidationFailed
from realty_crm.services import calls, properties, prospects
from realty_crm.services.search import (
    PropertyFilters,
    ProspectFilters,
    list_properties,
    list_prospects,
)


def names(results) -> list[str]:
    return [p.first_name for p in results.items]


def find(actor, **filters) -> list[str]:
    return sorted(names(list_prospects(actor, ProspectFilters(**filters), per_page=200)))


@pytest.fixture
def people(team):
    """Four prospects of agency A and one of agency B with look-alike data."""
    make = prospects.create_prospect
    make(team.manager, {"first_name": "José", "last_name": "Pérez", "email": "jose.perez@correo.es",
                        "phone": "600 111 222", "source": "portal"})
    make(team.agent, {"first_name": "María", "last_name": "López", "email": "maria_lopez@example.com",
                      "phone": "+34 611 222 333", "source": "web_form", "status": "contacted"})
    make(team.agent2, {"first_name": "100%", "last_name": "Pisos", "email": "info@100pisos.es"})
    make(team.manager, {"first_name": "Oliver", "last_name": "Smith", "phone": "+44 20 7946 0958"})
    with tenancy.scope(team.b.id):
        make(team.admin_b, {"first_name": "José", "last_name": "Pérez", "email": "jose.perez@correo.es",
                            "phone": "600 111 222"})
    return team


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("pér", ["José"]),
        ("LÓPEZ", ["María"]),
        ("josé", ["José"]),
        ("JOSÉ pérez", ["José"]),
        ("maria_lopez@exa", ["María"]),
        ("correo.es", ["José"]),
        ("600 111 222", ["José"]),
        ("+34 600-111-222", ["José"]),
        ("111222", ["José"]),
        ("611 222", ["María"]),
        ("020 7946", []),  # the stored number is +442079460958: no national trunk 0
        ("7946 0958", ["Oliver"]),
        ("nobody", []),
        ("", ["100%", "José", "María", "Oliver"]),
        ("   ", ["100%", "José", "María", "Oliver"]),
    ],
)
def test_q_matches_names_emails_and_phone_digits(people, q, expected):
    assert find(people.manager, q=q) == expected


def test_q_typed_in_decomposed_unicode_finds_the_accented_name(people):
    assert find(people.manager, q=unicodedata.normalize("NFD", "José")) == ["José"]


def test_decomposed_name_is_found_by_a_composed_query(team):
    prospects.create_prospect(team.manager, {"first_name": unicodedata.normalize("NFD", "Inés")})
    assert len(find(team.manager, q="inés")) == 1


@pytest.mark.parametrize(("q", "expected"), [("%", ["100%"]), ("_", ["María"]), ("100%", ["100%"]),
                                             ("%pisos", []), ("m_ria", []), ("\\", [])])
def test_like_wildcards_in_q_are_literal(people, q, expected):
    assert find(people.manager, q=q) == expected


def test_q_never_finds_another_agencys_prospects(people):
    results = list_prospects(people.manager, ProspectFilters(q="jose.perez"))
    assert results.total == 1
    assert results.items[0].agency_id == people.a.id


def test_filters_by_status_source_and_agent(people):
    assert find(people.manager, status="contacted") == ["María"]
    assert find(people.manager, source="portal") == ["José"]
    assert find(people.manager, assigned_agent_id=people.agent2.id) == ["100%"]
    assert find(people.manager, unassigned=True) == ["José", "Oliver"]
    assert find(people.manager, status="won") == []


@pytest.mark.parametrize(("field", "value"), [("status", "bogus"), ("source", "fax"), ("status", "NEW")])
def test_unknown_filter_value_is_refused_naming_the_field(people, field, value):
    with pytest.raises(ValidationFailed) as exc:
        list_prospects(people.manager, ProspectFilters(**{field: value}))
    assert set(exc.value.details) == {field}


def test_agent_lists_only_their_prospects(people):
    assert find(people.agent) == ["María"]
    assert find(people.agent, q="josé") == []


def test_agent_sees_the_unassigned_pool_when_the_agency_allows(people):
    from realty_crm.services import accounts

    accounts.update_agency(people.admin, {"agents_see_unassigned": True})
    assert find(people.agent) == ["José", "María", "Oliver"]


def test_deleted_prospects_are_listed_only_in_the_trash(people):
    jose = list_prospects(people.manager, ProspectFilters(q="josé")).items[0]
    prospects.delete_prospect(people.manager, jose)
    assert find(people.manager) == ["100%", "María", "Oliver"]
    trash = list_prospects(people.manager, ProspectFilters(deleted=True))
    assert trash.total == 1 and names(trash) == ["José"]


def test_pages_and_totals_count_only_the_agency(team):
    for n in range(7):
        prospects.create_prospect(team.manager, {"first_name": f"P{n}"})
    with tenancy.scope(team.b.id):
        for n in range(5):
            prospects.create_prospect(team.admin_b, {"first_name": f"B{n}"})
    first = list_prospects(team.manager, ProspectFilters(sort="oldest"), page=1, per_page=3)
    third = list_prospects(team.manager, ProspectFilters(sort="oldest"), page=3, per_page=3)
    beyond = list_prospects(team.manager, ProspectFilters(sort="oldest"), page=9, per_page=3)
    assert (first.total, first.pages) == (7, 3)
    assert names(first) == ["P0", "P1", "P2"]
    assert names(third) == ["P6"]
    assert beyond.items == [] and beyond.total == 7


def test_per_page_is_capped_and_page_is_at_least_one(team):
    prospects.create_prospect(team.manager, {"first_name": "Solo"})
    results = list_prospects(team.manager, ProspectFilters(), page=-3, per_page=10_000)
    assert (results.page, results.per_page, results.total) == (1, 200, 1)
    assert list_prospects(team.manager, ProspectFilters(), per_page=0).per_page == 1


def test_sorts_by_name_newest_and_oldest(team):
    for first, last in [("Zoe", "Abad"), ("Ana", "Zamora"), ("Luis", "Martín")]:
        prospects.create_prospect(team.manager, {"first_name": first, "last_name": last})
    assert names(list_prospects(team.manager, ProspectFilters(sort="name"))) == ["Zoe", "Luis", "Ana"]
    assert names(list_prospects(team.manager, ProspectFilters(sort="oldest"))) == ["Zoe", "Ana", "Luis"]
    assert names(list_prospects(team.manager, ProspectFilters(sort="newest"))) == ["Luis", "Ana", "Zoe"]


LAST_NAMES = ["Zubiri", "Nunoz", "Íñiguez", "ibarra", "Nuñez", "Álvarez", "Ibáñez"]


def test_names_sort_with_accented_letters_beside_their_base_letters(team):
    for number, last in enumerate(LAST_NAMES):
        prospects.create_prospect(team.manager, {"first_name": f"P{number}", "last_name": last})
    found = list_prospects(team.manager, ProspectFilters(sort="name")).items
    expected = ["Álvarez", "Ibáñez", "ibarra", "Íñiguez", "Nuñez", "Nunoz", "Zubiri"]
    assert [p.last_name for p in found] == expected


def test_contact_and_follow_up_sorts_put_the_never_contacted_last(team):
    never = prospects.create_prospect(team.manager, {"first_name": "Never"})
    old = prospects.create_prospect(team.manager, {"first_name": "Old"})
    recent = prospects.create_prospect(team.manager, {"first_name": "Recent"})
    now = datetime.now(UTC)
    for who, hours in [(old, 30), (recent, 1)]:
        calls.log_call(team.manager, {"prospect_id": who.id, "direction": "outbound", "outcome": "answered",
                                      "occurred_at": (now - timedelta(hours=hours)).isoformat(),
                                      "follow_up_at": (now + timedelta(hours=hours)).isoformat()})
    assert never.last_contacted_at is None
    by_contact = names(list_prospects(team.manager, ProspectFilters(sort="last_contacted")))
    assert by_contact == ["Recent", "Old", "Never"]
    by_follow_up = names(list_prospects(team.manager, ProspectFilters(sort="next_follow_up")))
    assert by_follow_up == ["Recent", "Old", "Never"]


# --- properties ---------------------------------------------------------------------------------


@pytest.fixture
def listings(team):
    """Three properties of agency A and a look-alike in agency B."""
    base = {"operation": "sale", "property_type": "flat", "status": "available"}
    create = properties.create_property
    create(team.agent, {**base, "reference": "MAD-1", "title": "Ático en Chamberí", "city": "Madrid",
                        "area": "Chamberí", "price": "450000", "bedrooms": 3})
    create(team.agent, {**base, "reference": "MAD-2", "title": "Estudio 50% reformado", "city": "Madrid",
                        "area": "Lavapiés", "price": "180000", "bedrooms": 0, "property_type": "studio"})
    create(team.agent, {**base, "reference": "BCN_1", "title": "Piso en Gràcia", "city": "Barcelona",
                        "area": "Gràcia", "price": "320000", "bedrooms": 2, "operation": "rent",
                        "status": "reserved"})
    with tenancy.scope(team.b.id):
        create(team.agent_b, {**base, "reference": "MAD-1", "title": "Ático en Chamberí", "city": "Madrid",
                              "price": "1", "bedrooms": 9})
    return team


def refs(**filters) -> list[str]:
    return [p.reference for p in list_properties(PropertyFilters(**filters), per_page=200).items]


def test_property_q_matches_reference_title_and_area(listings):
    assert refs(q="ático") == ["MAD-1"]
    assert refs(q="mad-") == ["MAD-2", "MAD-1"]
    assert refs(q="GRÀCIA") == ["BCN_1"]
    assert refs(q="50%") == ["MAD-2"]
    assert refs(q="bcn_") == ["BCN_1"]
    assert refs(q="mad_") == []


def test_property_filters(listings):
    assert refs(operation="rent") == ["BCN_1"]
    assert refs(property_type="studio") == ["MAD-2"]
    assert refs(status="available", sort="reference") == ["MAD-1", "MAD-2"]
    assert refs(city="Madrid", sort="reference") == ["MAD-1", "MAD-2"]
    assert refs(area="Gràcia") == ["BCN_1"]
    assert refs(min_price=Decimal("200000"), max_price=Decimal("400000")) == ["BCN_1"]
    assert refs(min_bedrooms=2, sort="price_asc") == ["BCN_1", "MAD-1"]


def test_property_sorts(listings):
    assert refs(sort="price_asc") == ["MAD-2", "BCN_1", "MAD-1"]
    assert refs(sort="price_desc") == ["MAD-1", "BCN_1", "MAD-2"]
    assert refs(sort="reference") == ["BCN_1", "MAD-1", "MAD-2"]


def test_property_totals_count_only_the_agency(listings):
    results = list_properties(PropertyFilters(q="chamberí"))
    assert results.total == 1 and results.items[0].agency_id == listings.a.id


@pytest.mark.parametrize(
    ("field", "value"), [("operation", "lease"), ("property_type", "castle"), ("status", "gone")]
)
def test_unknown_property_filter_value_is_refused_naming_the_field(listings, field, value):
    with pytest.raises(ValidationFailed) as exc:
        list_properties(PropertyFilters(**{field: value}))
    assert set(exc.value.details) == {field}


@pytest.mark.parametrize("page", [10**6, 10**12, 10**18, 2**70])
def test_absurd_page_numbers_give_an_empty_page(team, page):
    prospects.create_prospect(team.manager, {"first_name": "Solo"})
    results = list_prospects(team.manager, ProspectFilters(), page=page, per_page=200)
    assert results.items == [] and results.total == 1
    assert list_properties(PropertyFilters(), page=page).items == []
