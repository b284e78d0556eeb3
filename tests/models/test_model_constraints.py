"""What the database itself guarantees: uniqueness, CHECK constraints, UTC timestamps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError, StatementError

from realty_crm.extensions import db
from realty_crm.models import (
    Agency,
    Call,
    CallDirection,
    CallOutcome,
    FollowUp,
    ListingOperation,
    Property,
    PropertyType,
    Prospect,
    Visit,
)

MADRID = ZoneInfo("Europe/Madrid")


def rows(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model.__table__)) or 0


def refused(*objects) -> IntegrityError:
    """Flush ``objects`` expecting the database to refuse them; the session is rolled back."""
    db.session.add_all(objects)
    with pytest.raises(IntegrityError) as exc:
        db.session.flush()
    db.session.rollback()
    return exc.value


def new_property(agency_id: int, reference: str, **fields) -> Property:
    values = {"title": "Flat", "operation": ListingOperation.SALE, "property_type": PropertyType.FLAT,
              "price": Decimal("1000"), **fields}
    return Property(agency_id=agency_id, reference=reference, **values)


def new_visit(t, **fields) -> Visit:
    start = datetime(2030, 5, 1, 10, tzinfo=UTC)
    values = {"starts_at": start, "ends_at": start + timedelta(hours=1), **fields}
    return Visit(agency_id=t.agency.id, property_id=t.property.id, prospect_id=t.prospect.id,
                 agent_id=t.agent.id, **values)


# --- uniqueness ---------------------------------------------------------------------------------


def test_agency_slug_is_unique(app):
    db.session.add(Agency(name="One", slug="pisos"))
    db.session.commit()
    refused(Agency(name="Two", slug="pisos"))
    assert rows(Agency) == 1


def test_property_reference_is_unique_per_agency_only(tenants):
    a, b = tenants
    refused(new_property(a.agency.id, "SAME-REF"))
    db.session.add(new_property(a.agency.id, "OTHER-REF"))
    db.session.commit()
    assert db.session.scalar(select(func.count()).where(Property.reference == "SAME-REF")) == 2


def test_prospect_email_and_phone_are_unique_per_agency_only(tenants):
    a, b = tenants
    refused(Prospect(agency_id=a.agency.id, first_name="Twin", email="same@example.com"))
    db.session.add(Prospect(agency_id=a.agency.id, first_name="P1", phone="+34600000001"))
    db.session.commit()
    refused(Prospect(agency_id=a.agency.id, first_name="P2", phone="+34600000001"))
    db.session.add(Prospect(agency_id=b.agency.id, first_name="P3", phone="+34600000001"))
    db.session.commit()
    assert rows(Prospect) == 4  # the fixture's two, P1 in A and P3 in B


def test_many_prospects_may_have_no_email_or_phone(tenants):
    a, _ = tenants
    db.session.add_all(Prospect(agency_id=a.agency.id, first_name=f"Walk-in {n}") for n in range(3))
    db.session.commit()
    assert rows(Prospect) == 5


# --- CHECK constraints --------------------------------------------------------------------------


ENUM_COLUMNS = [
    ("agencies", "assignment_rule"),
    ("users", "role"),
    ("prospects", "source"),
    ("prospects", "status"),
    ("prospects", "operation"),
    ("properties", "operation"),
    ("properties", "property_type"),
    ("properties", "status"),
    ("calls", "direction"),
    ("calls", "outcome"),
    ("activities", "kind"),
    ("visits", "status"),
]


@pytest.mark.parametrize(("table", "column"), ENUM_COLUMNS)
def test_enum_columns_refuse_unknown_values_in_the_database(tenants, table, column):
    a, _ = tenants
    db.session.add(new_visit(a))
    db.session.commit()
    with pytest.raises(IntegrityError):
        # short enough for every column, so the CHECK (not the length) is what refuses it
        db.session.execute(text(f"UPDATE {table} SET {column} = 'xyz'"))
    db.session.rollback()


def test_enum_value_that_differs_only_in_case_is_refused(tenants):
    with pytest.raises(IntegrityError):
        db.session.execute(text("UPDATE prospects SET status = 'NEW'"))
    db.session.rollback()


def test_orm_refuses_an_unknown_enum_value_before_the_database(tenants):
    a, _ = tenants
    db.session.add(Prospect(agency_id=a.agency.id, first_name="X", status="bogus"))
    with pytest.raises((StatementError, LookupError)):
        db.session.flush()
    db.session.rollback()
    assert rows(Prospect) == 2


@pytest.mark.parametrize("delta", [timedelta(0), timedelta(minutes=-30)])
def test_visit_must_end_after_it_starts(tenants, delta):
    a, _ = tenants
    start = datetime(2030, 5, 1, 10, tzinfo=UTC)
    refused(new_visit(a, starts_at=start, ends_at=start + delta))
    assert rows(Visit) == 0


@pytest.mark.parametrize("rating", [0, 6, -1, 100])
def test_visit_rating_outside_one_to_five_is_refused(tenants, rating):
    a, _ = tenants
    refused(new_visit(a, rating=rating))
    assert rows(Visit) == 0


@pytest.mark.parametrize("rating", [None, 1, 3, 5])
def test_visit_rating_from_one_to_five_is_stored(tenants, rating):
    a, _ = tenants
    visit = new_visit(a, rating=rating)
    db.session.add(visit)
    db.session.commit()
    assert visit.rating == rating


def test_negative_call_duration_is_refused(tenants):
    a, _ = tenants
    refused(Call(agency_id=a.agency.id, prospect_id=a.prospect.id, agent_id=a.agent.id,
                 direction=CallDirection.INBOUND, outcome=CallOutcome.ANSWERED,
                 occurred_at=datetime.now(UTC), duration_seconds=-5))


def test_negative_property_price_is_refused(tenants):
    a, _ = tenants
    refused(new_property(a.agency.id, "NEG", price=Decimal("-1")))


def test_prospect_min_price_above_max_price_is_refused(tenants):
    a, _ = tenants
    refused(Prospect(agency_id=a.agency.id, first_name="X", min_price=Decimal(5), max_price=Decimal(4)))


def test_record_of_a_missing_agency_is_refused(app):
    refused(Prospect(agency_id=999_999, first_name="Orphan"))


# --- time ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    [
        datetime(2030, 7, 1, 10, 15, 30, 123456, tzinfo=MADRID),  # summer, UTC+2
        datetime(2030, 1, 15, 23, 30, tzinfo=MADRID),  # winter, UTC+1, another day in UTC
        datetime(2030, 10, 27, 2, 30, fold=1, tzinfo=MADRID),  # the repeated hour when DST ends
        datetime(2030, 3, 10, 5, 0, tzinfo=ZoneInfo("America/New_York")),
    ],
)
def test_aware_time_comes_back_equal_and_in_utc(tenants, written):
    a, _ = tenants
    follow_up = FollowUp(agency_id=a.agency.id, prospect_id=a.prospect.id, assignee_id=a.agent.id,
                         due_at=written, title="Call")
    db.session.add(follow_up)
    db.session.commit()
    fid = follow_up.id
    db.session.expunge_all()
    stored = db.session.scalars(select(FollowUp).where(FollowUp.id == fid)).one()
    assert stored.due_at.timestamp() == written.timestamp()
    assert stored.due_at.utcoffset() == timedelta(0)
    assert stored.due_at.tzinfo == UTC
    assert stored.due_at.replace(tzinfo=None) == written.astimezone(UTC).replace(tzinfo=None)


def test_times_compare_in_utc_in_sql(tenants):
    a, _ = tenants
    madrid_noon = datetime(2030, 7, 1, 12, tzinfo=MADRID)  # 10:00 UTC
    db.session.add(FollowUp(agency_id=a.agency.id, prospect_id=a.prospect.id, assignee_id=a.agent.id,
                            due_at=madrid_noon, title="Call"))
    db.session.commit()
    found = db.session.scalars(
        select(FollowUp.title).where(FollowUp.due_at == datetime(2030, 7, 1, 10, tzinfo=UTC))
    ).all()
    assert found == ["Call"]
    earlier = db.session.scalar(
        select(func.count())
        .select_from(FollowUp)
        .where(FollowUp.title == "Call", FollowUp.due_at < datetime(2030, 7, 1, 10, 30, tzinfo=UTC))
    )
    assert earlier == 1


def test_naive_datetime_is_refused_and_nothing_is_written(tenants):
    a, _ = tenants
    before = rows(FollowUp)
    db.session.add(FollowUp(agency_id=a.agency.id, prospect_id=a.prospect.id, assignee_id=a.agent.id,
                            due_at=datetime(2030, 7, 1, 12), title="Naive"))
    with pytest.raises(StatementError) as exc:
        db.session.flush()
    assert isinstance(exc.value.orig, ValueError)
    db.session.rollback()
    assert rows(FollowUp) == before


def test_naive_datetime_is_refused_in_a_query_too(tenants):
    with pytest.raises(StatementError):
        db.session.execute(select(FollowUp).where(FollowUp.due_at < datetime(2030, 1, 1)))
    db.session.rollback()


def test_created_and_updated_at_are_set_in_utc(tenants):
    a, _ = tenants
    prospect = db.session.scalars(select(Prospect).where(Prospect.id == a.prospect.id)).one()
    created, updated = prospect.created_at, prospect.updated_at
    assert created.tzinfo == UTC and abs(datetime.now(UTC) - created) < timedelta(minutes=1)
    prospect.last_name = "Changed"
    db.session.commit()
    assert prospect.updated_at > updated
    assert prospect.created_at == created
