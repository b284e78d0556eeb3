"""The property pages: search and filters, the listing forms, the property page, delete."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from realty_crm import tenancy
from realty_crm.extensions import db
from realty_crm.models import Activity, ActivityKind, Property

FORM = {
    "reference": "MAD-001",
    "title": "Bright flat with terrace",
    "operation": "sale",
    "property_type": "flat",
    "status": "available",
    "price": "325000",
    "description": "Fourth floor.\nLift, terrace.",
    "address": "Calle Mayor 1",
    "city": "Madrid",
    "area": "Sol",
    "postcode": "28013",
    "bedrooms": "3",
    "bathrooms": "2",
    "area_m2": "95",
    "features": "lift, terrace",
    "owner": "",
    "owner_id": "",
    "listing_agent_id": "",
}


def _properties(agency_id: int) -> list[Property]:
    db.session.expire_all()
    with tenancy.scope(agency_id):
        return list(
            db.session.scalars(select(Property).order_by(Property.id).execution_options(include_deleted=True))
        )


@pytest.mark.parametrize("role", ["admin", "manager", "agent"])
def test_each_role_opens_the_property_pages(team, make, login, role):
    prop = make.property(team.colleague, title="Loft in Malasaña")
    client = login(getattr(team, role))
    for path in ("/properties", "/properties/new", f"/properties/{prop.id}", f"/properties/{prop.id}/edit"):
        assert client.get(path).status_code == 200, path
    assert "Loft in Malasaña" in client.get("/properties").get_data(as_text=True)


def test_empty_list_shows_an_empty_state(team, login):
    assert "No properties yet." in login(team.agent).get("/properties").get_data(as_text=True)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/properties/{id}"),
        ("get", "/properties/{id}/edit"),
        ("post", "/properties/{id}/edit"),
        ("post", "/properties/{id}/delete"),
    ],
)
def test_another_agencys_property_is_not_found(team, make, login, post, method, path):
    foreign = make.property(team.outsider)
    client = login(team.admin)
    url = path.format(id=foreign.id)
    response = client.get(url) if method == "get" else post(client, url, FORM, page="/properties")
    assert response.status_code == 404
    assert _properties(team.other_agency.id)[0].deleted_at is None


def test_create_a_property_with_every_field(team, make, login, post):
    owner = make.prospect(team.agent, first_name="Olga", last_name="Owner")
    client = login(team.agent)
    response = post(
        client,
        "/properties/new",
        {**FORM, "owner": "Olga Owner", "owner_id": str(owner.id),
         "listing_agent_id": str(team.colleague.id)},
    )
    assert response.status_code == 302
    [prop] = _properties(team.agency.id)
    assert prop.price == Decimal("325000") and prop.bedrooms == 3 and prop.area_m2 == 95
    assert prop.features == ["lift", "terrace"]
    assert prop.owner_id == owner.id and prop.listing_agent_id == team.colleague.id
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "€325,000" in page and "MAD-001" in page and "Carlos Colleague" in page
    assert f'<a href="/prospects/{owner.id}">Olga Owner</a>' in page
    assert "Property MAD-001 listed." in page


def test_the_owner_is_typed_by_name_or_e_mail_without_a_script(team, make, login, post):
    make.prospect(team.agent, first_name="Olga", last_name="Owner", email="olga@example.com")
    twin = make.prospect(team.agent, first_name="Olga", last_name="Owner", email="olga.two@example.com")
    client = login(team.agent)
    ambiguous = post(client, "/properties/new", {**FORM, "owner": "Olga Owner"})
    assert ambiguous.status_code == 422
    assert re.search(r'id="owner-error">Several prospects match “Olga Owner”: type more of the name, or the '
                     r'e-mail.<', ambiguous.get_data(as_text=True))
    assert _properties(team.agency.id) == []
    response = post(client, "/properties/new", {**FORM, "owner": "olga.two@example.com"})
    assert response.status_code == 302
    [prop] = _properties(team.agency.id)
    assert prop.owner_id == twin.id
    form = client.get(f"/properties/{prop.id}/edit").get_data(as_text=True)
    assert 'data-picker="/pick/prospects"' in form and 'value="Olga Owner"' in form
    assert f'name="owner_id" type="hidden" value="{twin.id}"' in form


def test_an_id_that_disagrees_with_the_typed_name_is_not_taken(team, make, login, post):
    olga = make.prospect(team.agent, first_name="Olga", last_name="Owner")
    luis = make.prospect(team.agent, first_name="Luis", last_name="Landlord")
    response = post(login(team.agent), "/properties/new", {**FORM, "owner": "Luis", "owner_id": str(olga.id)})
    assert response.status_code == 302
    assert _properties(team.agency.id)[0].owner_id == luis.id


def test_a_colleagues_prospect_cannot_be_named_owner_by_an_agent(team, make, login, post):
    hidden = make.prospect(team.colleague, first_name="Private", last_name="Person")
    response = post(login(team.agent), "/properties/new",
                    {**FORM, "owner": "Private Person", "owner_id": str(hidden.id)})
    assert response.status_code == 422
    assert "No prospect matches “Private Person”." in response.get_data(as_text=True)
    assert _properties(team.agency.id) == []


def test_owner_held_by_a_colleague_is_not_named_to_an_agent(team, make, login, post):
    owner = make.prospect(team.colleague, first_name="Private", last_name="Owner")
    prop = make.property(team.colleague, owner_id=owner.id)
    page = login(team.agent).get(f"/properties/{prop.id}").get_data(as_text=True)
    assert "Private Owner" not in page and "held by a colleague" in page


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"reference": ""}, "reference", "at least 1 character"),
        ({"reference": "R" * 41}, "reference", "at most 40 characters"),
        ({"title": ""}, "title", "at least 1 character"),
        ({"title": "t" * 201}, "title", "at most 200 characters"),
        ({"price": ""}, "price", "Field required"),
        ({"price": "abc"}, "price", "Not a valid decimal value"),
        ({"price": "-1"}, "price", "greater than or equal to 0"),
        ({"price": "1.234"}, "price", "decimal places"),
        ({"price": "1e20"}, "price", "digits"),
        ({"bedrooms": "three"}, "bedrooms", "Not a valid integer value"),
        ({"bedrooms": "101"}, "bedrooms", "less than or equal to 100"),
        ({"area_m2": "0"}, "area_m2", "greater than or equal to 1"),
        ({"operation": "swap"}, "operation", "Input should be"),
        ({"property_type": "castle"}, "property_type", "Input should be"),
        ({"status": ""}, "status", "Input should be"),
        ({"features": "ok, " + "f" * 61}, "features", "at most 60 characters"),
        ({"owner": "Nobody Here"}, "owner", "No prospect matches “Nobody Here”."),
        ({"owner": "#999999"}, "owner", "No prospect matches “#999999”."),
        ({"listing_agent_id": "abc"}, "listing_agent_id", "Choose one of the options."),
        ({"listing_agent_id": "99999999999999999999"}, "listing_agent_id", "Choose one of the options."),
    ],
)
def test_bad_property_input_is_shown_next_to_its_field_and_nothing_is_saved(
    team, login, post, changes, field, message
):
    response = post(login(team.agent), "/properties/new", {**FORM, **changes})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="{field}-error"' in page
    assert message in page
    assert _properties(team.agency.id) == []


def test_links_to_another_agencys_records_are_refused(team, make, login, post):
    foreign_owner = make.prospect(team.outsider)
    response = post(
        login(team.agent),
        "/properties/new",
        {**FORM, "owner": foreign_owner.full_name, "owner_id": str(foreign_owner.id),
         "listing_agent_id": str(team.outsider.id)},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="owner-error"' in page
    assert f"No prospect matches “{foreign_owner.full_name}”." in page
    response = post(login(team.agent), "/properties/new", {**FORM, "listing_agent_id": str(team.outsider.id)})
    assert response.status_code == 422
    assert 'id="listing_agent_id-error"' in response.get_data(as_text=True)
    assert _properties(team.agency.id) == []


def test_duplicate_reference_is_refused_as_a_conflict(team, make, login, post):
    make.property(team.agent, reference="MAD-001")
    response = post(login(team.agent), "/properties/new", FORM)
    assert response.status_code == 409
    assert "Another property already has the reference MAD-001." in response.get_data(as_text=True)
    assert len(_properties(team.agency.id)) == 1


@pytest.mark.parametrize("title", ["Ático 😀 con vistas", "شقة في مدريد", "<script>alert(1)</script>"])
def test_titles_are_saved_and_shown_escaped(team, login, post, title):
    client = login(team.agent)
    response = post(client, "/properties/new", {**FORM, "title": title})
    assert response.status_code == 302
    for page in (client.get(response.headers["Location"]), client.get("/properties")):
        text = page.get_data(as_text=True)
        assert "<script>alert(1)</script>" not in text
        expected = title.replace("<", "&lt;").replace(">", "&gt;")
        assert expected in text


def test_edit_records_the_price_change_with_its_author(team, make, login, post):
    prop = make.property(team.agent, reference="EDIT-1", price="300000")
    client = login(team.colleague)
    initial = client.get(f"/properties/{prop.id}/edit").get_data(as_text=True)
    assert 'value="EDIT-1"' in initial and 'value="300000.00"' in initial
    form = {**FORM, "reference": "EDIT-1", "price": "285000", "title": "Cheaper now"}
    response = post(client, f"/properties/{prop.id}/edit", form)
    assert response.status_code == 302
    with tenancy.scope(team.agency.id):
        kinds = {
            (a.kind, a.actor_id)
            for a in db.session.scalars(select(Activity).where(Activity.property_id == prop.id))
        }
    assert (ActivityKind.PRICE_CHANGED, team.colleague.id) in kinds
    page = client.get(f"/properties/{prop.id}").get_data(as_text=True)
    assert "Price €300,000 → €285,000." in page and "Carlos Colleague" in page


def test_edit_with_bad_input_changes_nothing(team, make, login, post):
    prop = make.property(team.agent, reference="KEEP-1", title="Keep me")
    response = post(
        login(team.agent),
        f"/properties/{prop.id}/edit",
        {**FORM, "reference": "KEEP-1", "title": "New title", "bedrooms": "-1"},
    )
    assert response.status_code == 422
    assert _properties(team.agency.id)[0].title == "Keep me"


def test_edit_to_a_taken_reference_is_refused(team, make, login, post):
    make.property(team.agent, reference="TAKEN")
    prop = make.property(team.agent, reference="MINE")
    response = post(login(team.agent), f"/properties/{prop.id}/edit", {**FORM, "reference": "TAKEN"})
    assert response.status_code == 409
    assert _properties(team.agency.id)[1].reference == "MINE"


@pytest.mark.parametrize("query", ["MAD-7", "mad-77", "penthouse in ret", "retiro", "castellana"])
def test_search_finds_by_reference_title_or_place_fragment(team, make, login, query):
    make.property(
        team.agent,
        reference="MAD-777",
        title="Penthouse in Retiro",
        address="Paseo de la Castellana 3",
        area="Retiro",
    )
    make.property(team.agent, reference="BCN-1", title="Flat in Gràcia", city="Barcelona", area="Gràcia")
    page = login(team.agent).get("/properties", query_string={"q": query}).get_data(as_text=True)
    assert "MAD-777" in page and "BCN-1" not in page


def test_filters_narrow_the_list(team, make, login):
    make.property(
        team.agent,
        reference="A-SALE",
        operation="sale",
        property_type="flat",
        price="200000",
        bedrooms=2,
        city="Madrid",
        area="Sol",
    )
    make.property(
        team.agent,
        reference="B-RENT",
        operation="rent",
        property_type="studio",
        price="900",
        bedrooms=1,
        city="Madrid",
        area="Lavapiés",
    )
    make.property(
        team.agent,
        reference="C-HOUSE",
        operation="sale",
        property_type="house",
        price="450000",
        bedrooms=4,
        city="Toledo",
        area="Centro",
        status="reserved",
    )
    client = login(team.agent)

    def refs(**args: str) -> set[str]:
        page = client.get("/properties", query_string=args).get_data(as_text=True)
        return {r for r in ("A-SALE", "B-RENT", "C-HOUSE") if r in page}

    assert refs() == {"A-SALE", "B-RENT", "C-HOUSE"}
    assert refs(operation="rent") == {"B-RENT"}
    assert refs(property_type="house") == {"C-HOUSE"}
    assert refs(status="reserved") == {"C-HOUSE"}
    assert refs(city="Madrid") == {"A-SALE", "B-RENT"}
    assert refs(area="Sol") == {"A-SALE"}
    assert refs(min_price="100000") == {"A-SALE", "C-HOUSE"}
    assert refs(max_price="250000") == {"A-SALE", "B-RENT"}
    assert refs(min_price="100000", max_price="250000") == {"A-SALE"}
    assert refs(min_bedrooms="2") == {"A-SALE", "C-HOUSE"}
    assert refs(min_price="500000", max_price="1") == set()
    assert "No property matches these filters." in client.get("/properties?city=Nowhere").get_data(
        as_text=True
    )


def test_junk_filters_are_reported_and_ignored(team, make, login):
    make.property(team.agent, reference="STAYS")
    response = login(team.agent).get(
        "/properties",
        query_string={"min_price": "abc", "min_bedrooms": "x", "operation": "swap", "sort": "?"},
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "STAYS" in page and "Not a valid decimal value" in page


def test_list_is_sorted_and_paginated(team, make, login):
    for n in range(26):
        make.property(team.agent, reference=f"P-{n:02d}", price=str(100000 + n * 1000))
    client = login(team.agent)
    cheap_first = client.get("/properties?sort=price_asc").get_data(as_text=True)
    assert "P-00" in cheap_first and "P-25" not in cheap_first and "Page 1 of 2" in cheap_first
    assert cheap_first.index("P-00") < cheap_first.index("P-01")
    second = client.get("/properties?sort=price_asc&page=2").get_data(as_text=True)
    assert "P-25" in second and "P-00" not in second
    dear_first = client.get("/properties?sort=price_desc").get_data(as_text=True)
    assert "P-25" in dear_first and "P-00" not in dear_first


@pytest.mark.parametrize("role", ["admin", "manager"])
def test_staff_move_a_property_to_the_trash(team, make, login, post, role):
    prop = make.property(team.agent, reference="GONE-1")
    client = login(getattr(team, role))
    response = post(client, f"/properties/{prop.id}/delete", page=f"/properties/{prop.id}")
    assert response.status_code == 302
    assert client.get(f"/properties/{prop.id}").status_code == 404
    assert "GONE-1" not in client.get("/properties").get_data(as_text=True)


def test_agent_cannot_delete_a_property(team, make, login, post):
    prop = make.property(team.agent)
    client = login(team.agent)
    assert "Move to trash" not in client.get(f"/properties/{prop.id}").get_data(as_text=True)
    assert post(client, f"/properties/{prop.id}/delete", page="/properties").status_code == 403
    with tenancy.scope(team.agency.id):
        assert db.session.scalar(select(func.count()).select_from(Property)) == 1
