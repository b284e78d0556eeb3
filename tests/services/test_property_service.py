"""The property write path: references, price history, publication, delete and restore."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from realty_crm import tenancy
from realty_crm.errors import Conflict, Forbidden, ValidationFailed
from realty_crm.extensions import db
from realty_crm.models import Activity, ActivityKind, Property, PropertyStatus
from realty_crm.services import properties, prospects
from realty_crm.services.search import PropertyFilters, list_properties

BASE = {
    "reference": "MAD-001",
    "title": "Bright flat in Chamberí",
    "operation": "sale",
    "property_type": "flat",
    "price": "250000",
}


def entries(prop: Property, kind: ActivityKind) -> list[Activity]:
    """The property's timeline entries of one kind, oldest first."""
    stmt = (
        select(Activity)
        .where(Activity.property_id == prop.id, Activity.kind == kind)
        .order_by(Activity.id)
    )
    return list(db.session.scalars(stmt))


def test_create_lists_the_property_and_records_it(team):
    prop = properties.create_property(team.agent, {**BASE, "features": ["lift", "terrace"], "bedrooms": 2})
    assert prop.agency_id == team.a.id
    assert prop.price == Decimal("250000")
    assert prop.features == ["lift", "terrace"]
    assert prop.listing_agent_id == team.agent.id
    [created] = entries(prop, ActivityKind.CREATED)
    assert created.actor_id == team.agent.id


def test_reference_is_unique_in_the_agency(team, count):
    properties.create_property(team.agent, BASE)
    with pytest.raises(Conflict) as exc:
        properties.create_property(team.manager, {**BASE, "reference": "  MAD-001 ", "title": "Another"})
    assert exc.value.status == 409
    assert set(exc.value.details) == {"reference"}
    assert count(Property) == 1


def test_reference_of_a_soft_deleted_property_is_still_taken(team):
    prop = properties.create_property(team.agent, BASE)
    properties.delete_property(team.manager, prop)
    with pytest.raises(Conflict):
        properties.create_property(team.agent, BASE)


def test_same_reference_is_allowed_in_another_agency(team, count):
    properties.create_property(team.agent, BASE)
    with tenancy.scope(team.b.id):
        other = properties.create_property(team.agent_b, BASE)
    assert other.reference == "MAD-001" and other.agency_id == team.b.id
    assert count(Property) == 2


def test_changing_the_reference_to_a_taken_one_is_a_conflict(team):
    properties.create_property(team.agent, BASE)
    second = properties.create_property(team.agent, {**BASE, "reference": "MAD-002"})
    with pytest.raises(Conflict):
        properties.update_property(team.agent, second, {"reference": "MAD-001"})
    db.session.expire_all()
    assert second.reference == "MAD-002"


def test_price_change_is_recorded_with_old_and_new(team):
    prop = properties.create_property(team.agent, BASE)
    properties.update_property(team.agent, prop, {"price": "239000.50"})
    assert prop.price == Decimal("239000.50")
    [changed] = entries(prop, ActivityKind.PRICE_CHANGED)
    assert Decimal(changed.data["old"]) == Decimal("250000")
    assert Decimal(changed.data["new"]) == Decimal("239000.50")
    assert changed.actor_id == team.agent.id


def test_same_price_written_differently_is_no_change(team):
    prop = properties.create_property(team.agent, BASE)
    properties.update_property(team.agent, prop, {"price": "250000.00"})
    properties.update_property(team.agent, prop, {"price": 250000})
    assert entries(prop, ActivityKind.PRICE_CHANGED) == []
    assert entries(prop, ActivityKind.UPDATED) == []


def test_available_property_is_published_on_creation(team):
    prop = properties.create_property(team.agent, {**BASE, "status": "available"})
    assert prop.published_at is not None
    draft = properties.create_property(team.agent, {**BASE, "reference": "MAD-002"})
    assert draft.status == PropertyStatus.DRAFT and draft.published_at is None


def test_publishing_a_draft_sets_published_at_once(team):
    prop = properties.create_property(team.agent, BASE)
    properties.update_property(team.agent, prop, {"status": "available"})
    first = prop.published_at
    assert first is not None and first.tzinfo is not None
    [changed] = entries(prop, ActivityKind.STATUS_CHANGED)
    assert changed.data == {"old": "draft", "new": "available"}
    properties.update_property(team.agent, prop, {"status": "reserved"})
    properties.update_property(team.agent, prop, {"status": "available"})
    db.session.expire_all()
    assert prop.published_at == first


def test_other_changes_are_recorded_with_old_and_new(team):
    prop = properties.create_property(team.agent, BASE)
    properties.update_property(team.agent, prop, {"title": "Sunny flat", "bedrooms": 3})
    [updated] = entries(prop, ActivityKind.UPDATED)
    assert updated.data["changes"] == {"title": [BASE["title"], "Sunny flat"], "bedrooms": [None, 3]}


@pytest.mark.parametrize("field", ["reference", "title", "operation", "property_type", "price"])
def test_required_field_cannot_be_emptied(team, field):
    prop = properties.create_property(team.agent, BASE)
    with pytest.raises(ValidationFailed) as exc:
        properties.update_property(team.agent, prop, {field: None})
    assert field in exc.value.details
    db.session.expire_all()
    assert getattr(prop, field) is not None


def test_owner_must_be_a_prospect_of_the_agency(team):
    with tenancy.scope(team.b.id):
        foreign = prospects.create_prospect(team.admin_b, {"first_name": "Otro"})
    with pytest.raises(ValidationFailed) as exc:
        properties.create_property(team.agent, {**BASE, "owner_id": foreign.id})
    assert set(exc.value.details) == {"owner_id"}
    owner = prospects.create_prospect(team.agent, {"first_name": "Dueña"})
    prop = properties.create_property(team.agent, {**BASE, "owner_id": owner.id})
    assert prop.owner.first_name == "Dueña"


def test_listing_agent_must_belong_to_the_agency(team, row_counts):
    before = row_counts()
    with pytest.raises(ValidationFailed) as exc:
        properties.create_property(team.manager, {**BASE, "listing_agent_id": team.agent_b.id})
    assert set(exc.value.details) == {"listing_agent_id"}
    assert row_counts() == before


def test_manager_deletes_and_restores_a_property(team):
    prop = properties.create_property(team.agent, BASE)
    properties.delete_property(team.manager, prop)
    assert list_properties(PropertyFilters()).total == 0
    assert list_properties(PropertyFilters(deleted=True)).total == 1
    properties.restore_property(team.manager, tenancy.get_or_404(Property, prop.id, include_deleted=True))
    assert list_properties(PropertyFilters()).total == 1
    assert len(entries(prop, ActivityKind.DELETED)) == 1
    assert len(entries(prop, ActivityKind.RESTORED)) == 1


def test_agent_edits_any_property_but_cannot_delete(team):
    prop = properties.create_property(team.agent2, BASE)
    properties.update_property(team.agent, prop, {"description": "Newly painted."})
    assert prop.description == "Newly painted."
    with pytest.raises(Forbidden):
        properties.delete_property(team.agent, prop)
    db.session.expire_all()
    assert prop.deleted_at is None


def test_unicode_title_and_city_are_stored_exactly(team):
    title = "Ático con vistas 🌅 — شقة"
    prop = properties.create_property(team.agent, {**BASE, "title": title, "city": "A Coruña"})
    pid = prop.id
    db.session.expire_all()
    stored = db.session.get(Property, pid)
    assert stored.title == title and stored.city == "A Coruña"
