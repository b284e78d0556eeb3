"""The calendar's free slots follow the booking rule: a plugin's busy time shows busy, a slot is
free only when a visit of the agency's usual length fits, and every slot offered can be booked."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import func, select

from realty_crm import hookimpl, tenancy
from realty_crm.extensions import db
from realty_crm.models import Agency, User, Visit, VisitStatus, utcnow
from realty_crm.services import plugins, visits

MADRID = ZoneInfo("Europe/Madrid")


class Diary:
    """An outside calendar: ``busy[agent_id]`` is that agent's busy time; ``asked`` notes each call."""

    def __init__(self) -> None:
        self.busy: dict[int, list[tuple[datetime, datetime, str]]] = {}
        self.asked: list[int] = []

    @hookimpl
    def crm_busy_intervals(self, agent: User, starts_at: datetime, ends_at: datetime) -> list[Any]:
        self.asked.append(agent.id)
        return [b for b in self.busy.get(agent.id, []) if b[0] < ends_at and b[1] > starts_at]


@pytest.fixture
def diary() -> Diary:
    return Diary()


@pytest.fixture
def app(app_factory: Callable[..., Flask], diary: Diary) -> Iterator[Flask]:
    """The application with the diary installed (enabled in no agency until ``diary_on``)."""
    application = app_factory(EXTRA_PLUGINS=[(diary, "diary")], PLUGINS_AUTOLOAD=False)
    with application.app_context():
        yield application
        db.session.remove()


def diary_on(agency: Agency) -> None:
    with tenancy.scope(agency.id):
        plugins.set_enabled(None, agency, "diary", True)


def next_week_at(hour: int, minute: int = 0) -> datetime:
    """A week after tomorrow, at this Madrid wall-clock time: a week wholly ahead."""
    day = (utcnow() + timedelta(days=8)).astimezone(MADRID).date()
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=MADRID)


def _free_links(page: str) -> list[str]:
    return [unescape(link) for link in re.findall(r'<a class="slot free r-\d+" href="([^"]+)"', page)]


def _times(links: list[str]) -> set[str]:
    return {parse_qs(urlsplit(link).query)["time"][0] for link in links}


def _count(agency_id: int) -> int:
    db.session.expire_all()
    with tenancy.scope(agency_id):
        return db.session.scalar(select(func.count()).select_from(Visit))


def test_busy_time_from_a_plugin_shows_busy_and_booking_it_is_refused(team, listing, login, post, diary):
    diary_on(team.agency)
    diary.busy[team.agent.id] = [(next_week_at(11), next_week_at(12), "Dentist")]
    day = next_week_at(11).date()
    client = login(team.agent)

    page = client.get(f"/calendar?date={day}").get_data(as_text=True)

    times = _times(_free_links(page))
    # a visit lasts the agency's 45 minutes: 10:30 would run into the dentist too
    assert {"10:30", "11:00", "11:30"}.isdisjoint(times)
    assert {"10:00", "12:00"} <= times
    assert diary.asked == [team.agent.id]  # asked once for the page, not once per slot
    booking = {"day": day.isoformat(), "start": "11:00", "duration_minutes": "45",
               "property_id": listing.flat.id, "prospect_id": listing.carla.id}
    response = post(client, "/visits/new", booking)
    assert response.status_code == 409
    assert "Alba Agent is busy then (Dentist" in unescape(response.get_data(as_text=True))
    assert _count(team.agency.id) == 0


def test_a_slot_too_short_for_a_visit_is_not_offered(team, listing, login, book):
    book(team.agent, listing.flat, listing.carla, next_week_at(10), minutes=60)

    page = login(team.agent).get(f"/calendar?date={next_week_at(10).date()}").get_data(as_text=True)

    times = _times(_free_links(page))
    assert "09:30" not in times  # 09:30–10:15 overlaps the visit
    assert {"09:00", "11:00"} <= times


def test_the_team_calendar_asks_for_busy_time_once_per_agent(team, login, diary):
    diary_on(team.agency)

    response = login(team.manager).get(f"/calendar?view=week&agent=all&date={next_week_at(10).date()}")

    assert response.status_code == 200
    assert sorted(diary.asked) == sorted({team.agent.id, team.colleague.id})


def test_every_free_slot_of_a_week_can_be_booked(team, listing, login, post, book, diary, make):
    diary_on(team.agency)
    book(team.agent, listing.flat, listing.carla, next_week_at(10), minutes=60)
    book(team.agent, listing.house, listing.carla, next_week_at(16, 15), minutes=45)
    # the colleague shows the house: the property is busy then, the agent is not
    book(team.colleague, listing.house, listing.dan, next_week_at(13), minutes=90)
    two_days = timedelta(days=2)
    diary.busy[team.agent.id] = [(next_week_at(12), next_week_at(12, 50), "Dentist"),
                                 (next_week_at(18) + two_days, next_week_at(19) + two_days, "Gym")]
    visitor = make.prospect(team.manager, first_name="Walter", assigned_agent_id=team.agent.id)
    spare = make.property(team.manager, reference="MAD-003", title="Loft in Lavapiés")
    client = login(team.agent)
    page = client.get(f"/calendar?view=week&date={next_week_at(10).date()}").get_data(as_text=True)
    links = _free_links(page)
    assert len(links) > 100

    for link in links:
        args = {key: value[0] for key, value in parse_qs(urlsplit(link).query).items()}
        response = post(client, link, {"day": args["date"], "start": args["time"], "duration_minutes": "45",
                                       "property_id": spare.id, "prospect_id": visitor.id})
        assert response.status_code == 302, (link, unescape(response.get_data(as_text=True))[-600:])
        with tenancy.scope(team.agency.id):
            booked = db.session.get(Visit, int(response.headers["Location"].rsplit("/", 1)[1]))
            visits.update_visit(team.agent, booked, {"status": VisitStatus.CANCELLED, "cancel_reason": "Ok"})
