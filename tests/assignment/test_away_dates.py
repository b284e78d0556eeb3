"""Absences: an admin marks the days an agent is away on the user's page (whole days in the
agency's time zone); the rules skip them meanwhile."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from realty_crm import tenancy
from realty_crm.errors import ValidationFailed
from realty_crm.extensions import db
from realty_crm.models import User, utcnow
from realty_crm.services import accounts

MADRID = ZoneInfo("Europe/Madrid")


def _user_form(user: User, **changes: str) -> dict[str, str]:
    data = {
        "name": user.name,
        "phone": "",
        "role": user.role.value,
        "active": "y",
        "areas": ", ".join(user.areas),
        "languages": "",
        "away_from": "",
        "away_until": "",
    }
    data.update(changes)
    return data


def _fresh(user: User) -> User:
    db.session.expire_all()
    return db.session.scalars(
        select(User).where(User.id == user.id).execution_options(**tenancy.unscoped())
    ).one()


def test_admin_marks_an_absence_in_whole_days_of_the_agency_zone(office, login, post):
    client = login(office.admin)
    path = f"/users/{office.ana.id}/edit"
    response = post(client, path, _user_form(office.ana, away_from="2031-03-30", away_until="2031-04-02"))
    assert response.status_code == 302, response.get_data(as_text=True)[:800]
    ana = _fresh(office.ana)
    # Madrid midnight of the first day; the end is the midnight after the last day (DST began on
    # 30 March 2031 at 02:00, so the first is +01:00 and the end +02:00)
    assert ana.away_from == datetime(2031, 3, 29, 23, 0, tzinfo=UTC)
    assert ana.away_until == datetime(2031, 4, 2, 22, 0, tzinfo=UTC)
    page = client.get(path).get_data(as_text=True)
    assert 'name="away_from" type="date" value="2031-03-30"' in page
    assert 'name="away_until" type="date" value="2031-04-02"' in page


def test_clearing_the_dates_ends_the_absence(office, login, post):
    office.update(office.ana, away_from=utcnow() - timedelta(days=1), away_until=utcnow() + timedelta(days=1))
    response = post(login(office.admin), f"/users/{office.ana.id}/edit", _user_form(office.ana))
    assert response.status_code == 302
    ana = _fresh(office.ana)
    assert ana.away_from is None and ana.away_until is None


def test_a_one_day_absence_is_allowed(office, login, post):
    response = post(
        login(office.admin), f"/users/{office.ben.id}/edit",
        _user_form(office.ben, away_from="2031-06-01", away_until="2031-06-01"),
    )
    assert response.status_code == 302
    ben = _fresh(office.ben)
    assert ben.away_until - ben.away_from == timedelta(days=1)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"away_from": "2031-06-10", "away_until": "2031-06-09"}, "away_until", "before its first day"),
        ({"away_from": "10/06/2031"}, "away_from", "Not a valid date value"),
        ({"away_until": "tomorrow"}, "away_until", "Not a valid date value"),
        ({"away_from": "0001-01-01"}, "away_from", "Pick a date between"),
    ],
)
def test_bad_away_dates_are_refused_on_the_form_and_nothing_changes(
    office, login, post, changes, field, message
):
    response = post(
        login(office.admin), f"/users/{office.ana.id}/edit", _user_form(office.ana, name="Renamed", **changes)
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="{field}-error"' in page and message in page
    ana = _fresh(office.ana)
    assert ana.name == "Ana" and ana.away_from is None and ana.away_until is None


def test_the_users_list_shows_who_is_away(office, login):
    back = datetime.combine(date.today() + timedelta(days=3), datetime.min.time(), tzinfo=MADRID)
    office.update(office.ben, away_from=utcnow() - timedelta(days=1), away_until=back)
    page = login(office.admin).get("/users").get_data(as_text=True)
    assert page.count("Away, back on") == 1


def test_an_agent_away_through_the_form_gets_no_leads_then_gets_them_again(office, login, post, holder):
    office.use("round_robin")
    today = utcnow().astimezone(MADRID).date()
    client = login(office.admin)
    post(client, f"/users/{office.ana.id}/edit", _user_form(
        office.ana, away_from=(today - timedelta(days=1)).isoformat(), away_until=today.isoformat(),
    ))
    assert holder(office.lead().id) == office.ben.id
    post(client, f"/users/{office.ana.id}/edit", _user_form(office.ana))
    assert holder(office.lead().id) == office.cruz.id
    assert holder(office.lead().id) == office.dora.id
    assert holder(office.lead().id) == office.ana.id


def test_the_service_refuses_a_return_before_the_start(office):
    start = utcnow() + timedelta(days=2)
    with pytest.raises(ValidationFailed) as refused:
        accounts.update_user(
            office.admin, office.ana,
            {"away_from": start.isoformat(), "away_until": (start - timedelta(hours=1)).isoformat()},
        )
    assert "away_until" in refused.value.details
    db.session.rollback()
    office.update(office.ana, away_from=start)
    with pytest.raises(ValidationFailed):  # checked against the start already stored
        accounts.update_user(office.admin, office.ana, {"away_until": start.isoformat()})
    db.session.rollback()
    assert _fresh(office.ana).away_until is None


def test_the_agent_list_api_shows_absences(office, api):
    start = datetime(2031, 7, 1, 22, 0, tzinfo=UTC)
    office.update(office.cruz, away_from=start, away_until=start + timedelta(days=14))
    items = api(office.manager).get("/api/v1/agents?per_page=50").get_json()["items"]
    cruz = next(item for item in items if item["id"] == office.cruz.id)
    assert (cruz["away_from"], cruz["away_until"]) == ("2031-07-01T22:00:00Z", "2031-07-15T22:00:00Z")
    assert next(item for item in items if item["id"] == office.ana.id)["away_until"] is None
