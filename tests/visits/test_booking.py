"""Booking visits: times, defaults, and no double booking."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from realty_crm.errors import Conflict, Forbidden, ValidationFailed
from realty_crm.extensions import db
from realty_crm.models import Activity, ProspectStatus, Visit, VisitStatus, utcnow

MADRID = ZoneInfo("Europe/Madrid")


def _visit_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Visit))


def test_agent_books_a_visit_stored_in_utc(at, office):
    visit = office.book(starts_at=at(10).isoformat(), duration_minutes=45)
    assert visit.starts_at.tzinfo == UTC
    assert visit.starts_at == at(10)
    assert visit.ends_at - visit.starts_at == timedelta(minutes=45)
    assert visit.agent_id == office.ana.id
    assert visit.status == VisitStatus.SCHEDULED


def test_default_length_is_the_agency_setting(at, office):
    visit = office.book(duration_minutes=None)
    assert visit.ends_at - visit.starts_at == timedelta(minutes=office.ana.agency.default_visit_minutes)


def test_explicit_end_time_is_kept(at, office):
    visit = office.book(starts_at=at(9).isoformat(), ends_at=at(9, 30).isoformat(),
                        duration_minutes=None)
    assert visit.ends_at == at(9, 30)


@pytest.mark.parametrize(
    ("day", "hour", "expected_utc_hour"),
    [
        # Europe/Madrid goes from +01:00 to +02:00 on the last Sunday of March...
        ((2027, 3, 27), 10, 9),
        ((2027, 3, 28), 10, 8),
        # ...and back on the last Sunday of October
        ((2027, 10, 30), 10, 8),
        ((2027, 10, 31), 10, 9),
    ],
)
def test_times_are_right_across_daylight_saving_changes(at, office, day, hour, expected_utc_hour):
    starts = datetime(*day, hour, tzinfo=MADRID)
    visit = office.book(starts_at=starts.isoformat())
    assert visit.starts_at.hour == expected_utc_hour
    assert visit.starts_at.astimezone(MADRID).hour == hour


def test_a_visit_spanning_the_october_change_lasts_its_real_length(at, office):
    # 02:30 happens twice on 2027-10-31 in Madrid; a 90-minute visit from 01:30 local
    starts = datetime(2027, 10, 31, 1, 30, tzinfo=ZoneInfo("Europe/Madrid"))
    visit = office.book(starts_at=starts.isoformat(), duration_minutes=90)
    assert (visit.ends_at - visit.starts_at) == timedelta(minutes=90)


def test_first_visit_moves_the_prospect_to_visiting(at, office):
    office.book()
    db.session.refresh(office.carla)
    assert office.carla.status == ProspectStatus.VISITING


def test_a_visit_never_moves_the_prospect_status_backwards(at, office, make):
    from realty_crm import tenancy
    from realty_crm.services import prospects

    with tenancy.scope(office.manager.agency_id):
        prospects.update_prospect(office.manager, office.carla, {"status": "offer"})
    office.book()
    db.session.refresh(office.carla)
    assert office.carla.status == ProspectStatus.OFFER


def test_booking_lands_on_the_prospect_and_property_timelines(at, office):
    visit = office.book()
    entries = db.session.scalars(select(Activity).where(Activity.subject_id == visit.id)).all()
    assert {(e.prospect_id, e.property_id) for e in entries} == {
        (office.carla.id, None),
        (None, office.flat.id),
    }
    assert all(e.actor_id == office.ana.id for e in entries)


def test_the_same_agent_cannot_be_in_two_places(at, office):
    office.book(starts_at=at(10).isoformat(), duration_minutes=60)
    with pytest.raises(Conflict) as caught:
        office.book(property_id=office.house.id, prospect_id=office.carla.id,
                    starts_at=at(10, 30).isoformat())
    assert caught.value.details["clash"] == "agent"
    assert "MAD-001" in caught.value.message
    assert _visit_count() == 1


def test_the_same_property_cannot_be_shown_twice_at_once(at, office):
    office.book()
    with pytest.raises(Conflict) as caught:
        office.book(actor=office.ben, prospect_id=office.dan.id, starts_at=at(10, 59).isoformat())
    assert caught.value.details["clash"] == "property"
    assert caught.value.details["clashing_visit_id"]


def test_back_to_back_visits_do_not_clash(at, office):
    office.book(starts_at=at(10).isoformat(), duration_minutes=60)
    second = office.book(starts_at=at(11).isoformat(), property_id=office.house.id)
    assert second.starts_at == at(11)


def test_a_cancelled_visit_frees_its_slot(at, office):
    from realty_crm import tenancy
    from realty_crm.services import visits

    first = office.book()
    with tenancy.scope(office.ana.agency_id):
        visits.update_visit(office.ana, first, {"status": "cancelled", "cancel_reason": "Client ill"})
    again = office.book()
    assert again.id != first.id


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"ends_at": "__start__", "duration_minutes": None}, "ends_at"),
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"duration_minutes": 24 * 60}, "ends_at"),
        ({"duration_minutes": 3}, "ends_at"),
        ({"starts_at": "2027-01-01T10:00:00"}, "starts_at"),
        ({"starts_at": "tomorrow"}, "starts_at"),
        ({"starts_at": (utcnow() - timedelta(days=1)).isoformat()}, "starts_at"),
        ({"starts_at": (utcnow() + timedelta(days=3000)).isoformat()}, "starts_at"),
        ({"property_id": 999999}, "property_id"),
        ({"prospect_id": "abc"}, "prospect_id"),
        ({"rating": 9}, "rating"),
        ({"rating": 0}, "rating"),
        ({"rating": 4}, "rating"),
        ({"status": "done"}, "status"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_bookings_are_refused_naming_the_field(at, office, fields, field):
    if fields.get("ends_at") == "__start__":
        fields["ends_at"] = at(10).isoformat()
    with pytest.raises(ValidationFailed) as caught:
        office.book(**fields)
    assert field in caught.value.details
    assert _visit_count() == 0


def test_a_past_visit_can_be_logged_as_done(at, office):
    when = utcnow() - timedelta(days=2)
    visit = office.book(starts_at=when.isoformat(), status="done", feedback="Liked the light", rating=4)
    assert visit.status == VisitStatus.DONE
    assert visit.rating == 4


def test_another_agencys_property_is_unknown(at, office, make):
    other_admin = make.user(make.agency(), "admin")
    foreign = make.property(other_admin, reference="FOREIGN-1")
    with pytest.raises(ValidationFailed) as caught:
        office.book(property_id=foreign.id)
    assert "property_id" in caught.value.details


def test_agent_cannot_book_for_a_colleague(at, office):
    with pytest.raises(ValidationFailed) as caught:
        office.book(agent_id=office.ben.id)
    assert "agent_id" in caught.value.details


def test_agent_cannot_book_a_colleagues_prospect(at, office):
    with pytest.raises(Forbidden):
        office.book(prospect_id=office.dan.id)


def test_manager_books_for_any_agent(at, office):
    visit = office.book(actor=office.manager, agent_id=office.ben.id, prospect_id=office.dan.id)
    assert visit.agent_id == office.ben.id


def test_a_sold_property_cannot_be_visited(at, office):
    from realty_crm import tenancy
    from realty_crm.services import properties

    with tenancy.scope(office.manager.agency_id):
        properties.update_property(office.manager, office.flat, {"status": "sold"})
    with pytest.raises(ValidationFailed):
        office.book()
