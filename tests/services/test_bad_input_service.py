"""Bad input to every write service: a 422 naming the field, and nothing written, ever."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from realty_crm.errors import ValidationFailed
from realty_crm.extensions import db
from realty_crm.models import Call, FollowUp, Property, Prospect
from realty_crm.services import calls, properties, prospects

LONG_NAME = "x" * 101
TOMORROW = (datetime.now(UTC) + timedelta(days=1)).isoformat()


def snapshot(record: Any) -> dict[str, Any]:
    """The record's row as stored, read with Core."""
    table = record.__table__
    row = db.session.execute(select(table).where(table.c.id == record.id)).mappings().one()
    return dict(row)


PROSPECT_CREATE = [
    ({}, "first_name"),
    ({"first_name": ""}, "first_name"),
    ({"first_name": "   "}, "first_name"),
    ({"first_name": LONG_NAME}, "first_name"),
    ({"first_name": None}, "first_name"),
    ({"first_name": 123}, "first_name"),
    ({"first_name": ["Ana"]}, "first_name"),
    ({"first_name": "Ana\x00"}, "first_name"),
    ({"first_name": "Ana\x1b[31m"}, "first_name"),
    ({"first_name": "Ana", "last_name": LONG_NAME}, "last_name"),
    ({"first_name": "Ana", "email": 42}, "email"),
    ({"first_name": "Ana", "phone": ["600111222"]}, "phone"),
    ({"first_name": "Ana", "tags": "vip"}, "tags"),
    ({"first_name": "Ana", "tags": {"vip": True}}, "tags"),
    ({"first_name": "Ana", "tags": [""]}, "tags.0"),
    ({"first_name": "Ana", "tags": ["x" * 51]}, "tags.0"),
    ({"first_name": "Ana", "tags": [7]}, "tags.0"),
    ({"first_name": "Ana", "tags": ["t"] * 31}, "tags"),
    ({"first_name": "Ana", "source": "tv"}, "source"),
    ({"first_name": "Ana", "status": "maybe"}, "status"),
    ({"first_name": "Ana", "marketing_consent": "perhaps"}, "marketing_consent"),
    ({"first_name": "Ana", "requirements": "cheap"}, "requirements"),
    ({"first_name": "Ana", "requirements": {"min_bedrooms": "two"}}, "requirements.min_bedrooms"),
    ({"first_name": "Ana", "requirements": {"max_price": "abc"}}, "requirements.max_price"),
    ({"first_name": "Ana", "requirements": {"max_price": -1}}, "requirements.max_price"),
    ({"first_name": "Ana", "requirements": {"max_price": "1e20"}}, "requirements.max_price"),
    ({"first_name": "Ana", "requirements": {"max_price": "NaN"}}, "requirements.max_price"),
    ({"first_name": "Ana", "requirements": {"property_types": ["castle"]}}, "requirements.property_types.0"),
    ({"first_name": "Ana", "requirements": {"areas": "Centro"}}, "requirements.areas"),
    ({"first_name": "Ana", "requirements": {"pool": True}}, "requirements.pool"),
    ({"first_name": "Ana", "assigned_agent_id": "me"}, "assigned_agent_id"),
    ({"first_name": "Ana", "assigned_agent_id": 10**20}, "assigned_agent_id"),
    ({"first_name": "Ana", "next_follow_up_at": "tomorrow"}, "next_follow_up_at"),
    ({"first_name": "Ana", "next_follow_up_at": "2030-01-01T10:00:00"}, "next_follow_up_at"),
    ({"first_name": "Ana", "favourite_colour": "blue"}, "favourite_colour"),
    ({"first_name": "Ana", "agency_id": 2}, "agency_id"),
    ({"first_name": "Ana", "id": 5}, "id"),
    ({"first_name": "Ana", "search_text": "x"}, "search_text"),
]


@pytest.mark.parametrize(("data", "field"), PROSPECT_CREATE)
def test_create_prospect_refuses_bad_input(team, row_counts, data, field):
    before = row_counts()
    with pytest.raises(ValidationFailed) as exc:
        prospects.create_prospect(team.manager, data)
    assert exc.value.status == 422
    assert field in exc.value.details, exc.value.details
    db.session.commit()
    assert row_counts() == before


@pytest.mark.parametrize("data", [["Ana"], "Ana", None, 42])
def test_input_that_is_not_an_object_is_refused(team, row_counts, data):
    before = row_counts()
    for call in (
        lambda: prospects.create_prospect(team.manager, data),
        lambda: properties.create_property(team.manager, data),
        lambda: calls.log_call(team.manager, data),
        lambda: calls.create_follow_up(team.manager, data),
    ):
        with pytest.raises(ValidationFailed) as exc:
            call()
        assert exc.value.details
    assert row_counts() == before


PROSPECT_UPDATE = [
    ({"first_name": ""}, "first_name"),
    ({"first_name": None}, "first_name"),
    ({"first_name": "New", "last_name": LONG_NAME}, "last_name"),
    ({"first_name": "New", "email": "not-an-email"}, "email"),
    ({"first_name": "New", "phone": "12"}, "phone"),
    ({"first_name": "New", "tags": "vip"}, "tags"),
    ({"first_name": "New", "status": None}, "status"),
    ({"first_name": "New", "status": "lost"}, "lost_reason"),
    ({"first_name": "New", "requirements": {"min_bedrooms": "two"}}, "requirements.min_bedrooms"),
    ({"first_name": "New", "requirements": None}, "requirements"),
    ({"first_name": "New", "agency_id": 99}, "agency_id"),
    ({"first_name": "New", "deleted_at": None}, "deleted_at"),
]


@pytest.mark.parametrize(("data", "field"), PROSPECT_UPDATE)
def test_update_prospect_refuses_bad_input_and_changes_nothing(team, row_counts, data, field):
    p = prospects.create_prospect(
        team.manager, {"first_name": "Ana", "email": "ana@example.com", "tags": ["a"]}
    )
    stored, before = snapshot(p), row_counts()
    with pytest.raises(ValidationFailed) as exc:
        prospects.update_prospect(team.manager, p, data)
    assert field in exc.value.details, exc.value.details
    db.session.commit()
    assert snapshot(p) == stored
    assert row_counts() == before


PROPERTY = {
    "reference": "R-1", "title": "Flat", "operation": "sale", "property_type": "flat", "price": "1000"
}

PROPERTY_CREATE = [
    ({**PROPERTY, "price": "abc"}, "price"),
    ({**PROPERTY, "price": ""}, "price"),
    ({**PROPERTY, "price": None}, "price"),
    ({**PROPERTY, "price": -5}, "price"),
    ({**PROPERTY, "price": "12.345"}, "price"),
    ({**PROPERTY, "price": "1e20"}, "price"),
    ({**PROPERTY, "price": "Infinity"}, "price"),
    ({**PROPERTY, "price": [1000]}, "price"),
    ({**PROPERTY, "bedrooms": "two"}, "bedrooms"),
    ({**PROPERTY, "bedrooms": -1}, "bedrooms"),
    ({**PROPERTY, "bedrooms": 2.5}, "bedrooms"),
    ({**PROPERTY, "bathrooms": 10**6}, "bathrooms"),
    ({**PROPERTY, "area_m2": 0}, "area_m2"),
    ({**PROPERTY, "features": "lift"}, "features"),
    ({**PROPERTY, "features": [""]}, "features.0"),
    ({**PROPERTY, "features": [None]}, "features.0"),
    ({**PROPERTY, "title": ""}, "title"),
    ({**PROPERTY, "title": "x" * 201}, "title"),
    ({**PROPERTY, "reference": ""}, "reference"),
    ({**PROPERTY, "reference": "x" * 41}, "reference"),
    ({**PROPERTY, "operation": "lease"}, "operation"),
    ({**PROPERTY, "property_type": "castle"}, "property_type"),
    ({**PROPERTY, "status": "sold-out"}, "status"),
    ({**PROPERTY, "description": "x" * 20_001}, "description"),
    ({**PROPERTY, "owner_id": "someone"}, "owner_id"),
    ({**PROPERTY, "listing_agent_id": 0}, "listing_agent_id"),
    ({**PROPERTY, "agency_id": 2}, "agency_id"),
    ({**PROPERTY, "published_at": TOMORROW}, "published_at"),
    ({k: v for k, v in PROPERTY.items() if k != "price"}, "price"),
    ({k: v for k, v in PROPERTY.items() if k != "reference"}, "reference"),
]


@pytest.mark.parametrize(("data", "field"), PROPERTY_CREATE)
def test_create_property_refuses_bad_input(team, row_counts, data, field):
    before = row_counts()
    with pytest.raises(ValidationFailed) as exc:
        properties.create_property(team.agent, data)
    assert field in exc.value.details, exc.value.details
    db.session.commit()
    assert row_counts() == before


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"title": "New", "price": "abc"}, "price"),
        ({"title": "New", "bedrooms": "two"}, "bedrooms"),
        ({"title": "New", "features": "lift"}, "features"),
        ({"title": "New", "city": None}, "city"),
        ({"title": "New", "owner_id": 2**31 - 1}, "owner_id"),
        ({"title": "New", "reference": None}, "reference"),
        ({"title": "New", "colour": "red"}, "colour"),
    ],
)
def test_update_property_refuses_bad_input_and_changes_nothing(team, row_counts, data, field):
    prop = properties.create_property(team.agent, PROPERTY)
    stored, before = snapshot(prop), row_counts()
    with pytest.raises(ValidationFailed) as exc:
        properties.update_property(team.agent, prop, data)
    assert field in exc.value.details, exc.value.details
    db.session.commit()
    assert snapshot(prop) == stored
    assert row_counts() == before


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"due_at": "soon", "title": "Call"}, "due_at"),
        ({"due_at": TOMORROW, "title": ""}, "title"),
        ({"due_at": TOMORROW, "title": "Call", "assignee_id": "boss"}, "assignee_id"),
        ({"due_at": TOMORROW, "title": "Call", "done": True}, "done"),
        ({"title": "Call"}, "due_at"),
    ],
)
def test_create_follow_up_refuses_bad_input(team, row_counts, data, field):
    p = prospects.create_prospect(team.agent, {"first_name": "Ana"})
    before = row_counts()
    with pytest.raises(ValidationFailed) as exc:
        calls.create_follow_up(team.agent, {"prospect_id": p.id, **data})
    assert field in exc.value.details, exc.value.details
    assert row_counts() == before


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"due_at": "soon"}, "due_at"),
        ({"title": "x" * 201}, "title"),
        ({"done": "sort of"}, "done"),
        ({"prospect_id": 1}, "prospect_id"),
    ],
)
def test_update_follow_up_refuses_bad_input_and_changes_nothing(team, make, data, field):
    p = prospects.create_prospect(team.agent, {"first_name": "Ana"})
    follow_up = make.follow_up(team.agent, p)
    stored = snapshot(follow_up)
    with pytest.raises(ValidationFailed) as exc:
        calls.update_follow_up(team.agent, follow_up, {"title": "Renamed", **data})
    assert field in exc.value.details, exc.value.details
    db.session.commit()
    assert snapshot(follow_up) == stored


UNICODE = ["Zoë 👩‍💼", "مريم الحسن", "דוד", "\u200fשלום\u200f", "Łukasz Żółć", "李小龍", "🏠" * 50]


@pytest.mark.parametrize("value", UNICODE)
def test_unicode_emoji_and_rtl_text_is_stored_exactly_everywhere(team, value):
    p = prospects.create_prospect(team.agent, {"first_name": value[:100], "last_name": value[:100]})
    prop = properties.create_property(team.agent, {**PROPERTY, "title": value, "city": value[:100]})
    call = calls.log_call(
        team.agent, {"prospect_id": p.id, "direction": "inbound", "outcome": "busy", "summary": value}
    )
    follow_up = calls.create_follow_up(
        team.agent, {"prospect_id": p.id, "due_at": TOMORROW, "title": value}
    )
    note = prospects.add_note(team.agent, p, value)
    db.session.expire_all()
    assert snapshot(p)["first_name"] == value[:100] and snapshot(p)["last_name"] == value[:100]
    assert snapshot(prop)["title"] == value and snapshot(prop)["city"] == value[:100]
    assert snapshot(call)["summary"] == value
    assert snapshot(follow_up)["title"] == value
    assert note.summary == value


def test_names_at_the_length_limit_are_accepted(team):
    p = prospects.create_prospect(team.manager, {"first_name": "x" * 100, "last_name": "ñ" * 100})
    assert len(p.first_name) == 100 and p.last_name == "ñ" * 100


def test_surrounding_whitespace_is_trimmed_not_counted(team):
    p = prospects.create_prospect(team.manager, {"first_name": "  " + "x" * 100 + "\n"})
    assert p.first_name == "x" * 100


def test_bad_input_leaves_no_record_of_any_kind(team, count):
    p = prospects.create_prospect(team.agent, {"first_name": "Ana"})
    with pytest.raises(ValidationFailed):
        calls.log_call(team.agent, {"prospect_id": p.id, "direction": "out", "outcome": "answered",
                                    "follow_up_at": TOMORROW})
    db.session.commit()
    assert count(Call) == 0 and count(FollowUp) == 0
    assert count(Prospect) == 1 and count(Property) == 0
