"""The calendar page: day and week grids, free slots that open the booking form, DST days,
the team view for staff only, and navigation."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from realty_crm import tenancy
from realty_crm.extensions import db
from realty_crm.models import Visit, utcnow

MADRID = ZoneInfo("Europe/Madrid")
# row 1 is the heading; 09:00 is row 2, each row half an hour
NINE = 2


def _row(hour: int, minute: int = 0) -> int:
    return NINE + (hour * 60 + minute - 9 * 60) // 30


def _block(page: str, visit: Visit) -> re.Match | None:
    return re.search(rf'<a class="cal-visit [a-z_]+ r-(\d+) s-(\d+)" href="/visits/{visit.id}"', page)


def _free_links(page: str) -> list[str]:
    return [unescape(link) for link in re.findall(r'<a class="slot free r-\d+" href="([^"]+)"', page)]


def _columns(page: str) -> list[str]:
    return re.findall(r'<section class="cal-col[^"]*" aria-label="([^"]+)"', page)


def _last_sunday(month: int) -> date:
    """The next last Sunday of ``month`` still ahead (when Europe/Madrid changes its clocks)."""
    year = utcnow().year
    while True:
        day = date(year, month + 1, 1) - timedelta(days=1)
        day -= timedelta(days=(day.weekday() - 6) % 7)
        if day > utcnow().date() + timedelta(days=1):
            return day
        year += 1


def test_day_view_puts_a_visit_in_its_slot(team, listing, login, book, at):
    visit = book(team.agent, listing.flat, listing.carla, at(10), minutes=60)
    page = login(team.agent).get(f"/calendar?view=day&date={at(10).date()}").get_data(as_text=True)
    block = _block(page, visit)
    assert block and (int(block.group(1)), int(block.group(2))) == (_row(10), 2)
    assert "MAD-001 · Carla Cruz" in page
    assert _columns(page) == ["Alba Agent"]


def test_a_visit_of_45_minutes_off_the_half_hour_covers_the_slots_it_touches(team, listing, login, book, at):
    visit = book(team.agent, listing.flat, listing.carla, at(14, 15), minutes=45)
    page = login(team.agent).get(f"/calendar?date={at(10).date()}").get_data(as_text=True)
    block = _block(page, visit)
    assert block and (int(block.group(1)), int(block.group(2))) == (_row(14), 2)
    links = _free_links(page)
    day = at(10).date().isoformat()
    assert not any("time=14:00" in link or "time=14:30" in link for link in links)
    assert any(f"date={day}&time=15:00" in link for link in links)


def test_free_slots_open_the_booking_form_prefilled(team, listing, login, post, book, at):
    book(team.agent, listing.flat, listing.carla, at(10), minutes=60)
    client = login(team.agent)
    page = client.get(f"/calendar?date={at(10).date()}").get_data(as_text=True)
    links = _free_links(page)
    day = at(10).date().isoformat()
    # 09:00 to 20:00 in half hours, less the two the visit takes and 09:30, too short for the
    # agency's 45-minute visit before it
    assert len(links) == 22 - 3
    assert not any(f"time={t}" in link for link in links for t in ("09:30", "10:00", "10:30"))
    [eleven] = [link for link in links if "time=11:00" in link]
    assert eleven == f"/visits/new?date={day}&time=11:00&agent_id={team.agent.id}"
    form = client.get(eleven).get_data(as_text=True)
    assert f'value="{day}"' in form and 'value="11:00"' in form
    response = post(client, eleven, {"day": day, "start": "11:00", "duration_minutes": "30",
                                      "property_id": listing.house.id, "prospect_id": listing.carla.id})
    assert response.status_code == 302
    page = client.get(f"/calendar?date={day}").get_data(as_text=True)
    assert "MAD-002 · Carla Cruz" in page and len(_free_links(page)) == 22 - 4


def test_past_slots_are_not_offered(team, login):
    yesterday = datetime.now(MADRID).date() - timedelta(days=1)
    page = login(team.agent).get(f"/calendar?date={yesterday}").get_data(as_text=True)
    assert _free_links(page) == []
    assert 'class="slot past r-2"' in page


def test_cancelled_visits_do_not_occupy_their_slot(team, listing, login, post, book, at):
    visit = book(team.agent, listing.flat, listing.carla, at(10), minutes=60)
    client = login(team.agent)
    post(client, f"/visits/{visit.id}/cancel", {"cancel_reason": "Ill"})
    page = client.get(f"/calendar?date={at(10).date()}").get_data(as_text=True)
    assert _block(page, visit) is None
    assert any("time=10:00" in link for link in _free_links(page))


def test_a_visit_outside_working_hours_widens_the_grid(team, listing, login, book, at):
    visit = book(team.agent, listing.flat, listing.carla, at(21), minutes=30)
    page = login(team.agent).get(f"/calendar?date={at(10).date()}").get_data(as_text=True)
    block = _block(page, visit)
    assert block and int(block.group(1)) == _row(21)
    # the evening rows are shown, not offered as working time
    assert f'class="slot off r-{_row(20)}"' in page
    assert not any("time=20:00" in link for link in _free_links(page))


@pytest.mark.parametrize(("month", "utc_hour"), [(3, 8), (10, 9)])
def test_dst_days_keep_wall_clock_slots(team, listing, login, post, book, month, utc_hour):
    day = _last_sunday(month)
    visit = book(team.agent, listing.flat, listing.carla, datetime(day.year, day.month, day.day, utc_hour,
                                                                     tzinfo=UTC))
    client = login(team.agent)
    page = client.get(f"/calendar?date={day}").get_data(as_text=True)
    block = _block(page, visit)
    assert block and int(block.group(1)) == _row(10)
    links = _free_links(page)
    assert len(links) == 22 - 3  # the visit's two slots, and 09:30: a 45-minute visit would overlap it
    [nine] = [link for link in links if "time=09:00" in link]
    response = post(client, nine, {"day": day.isoformat(), "start": "09:00", "duration_minutes": "60",
                                   "property_id": listing.house.id, "prospect_id": listing.carla.id})
    assert response.status_code == 302
    with tenancy.scope(team.agency.id):
        booked = db.session.scalars(select(Visit).where(Visit.property_id == listing.house.id)).one()
    assert booked.starts_at == datetime(day.year, day.month, day.day, utc_hour - 1, tzinfo=UTC)


def test_week_view_shows_seven_days_with_the_visit_on_its_day(team, listing, login, book, at):
    visit = book(team.agent, listing.flat, listing.carla, at(10))
    day = at(10).date()
    page = login(team.agent).get(f"/calendar?view=week&date={day}").get_data(as_text=True)
    columns = re.split(r'<section class="cal-col', page)[1:]
    assert len(columns) == 7
    [holder] = [c for c in columns if f'href="/visits/{visit.id}"' in c]
    assert f"date={day}" in holder
    # English weeks start on Monday here (CLDR): the first column is that Monday
    monday = day - timedelta(days=day.weekday())
    assert f"date={monday}" in columns[0]


def test_spanish_weeks_start_on_monday_too_and_headings_are_translated(team, login, post):
    client = login(team.agent)
    post(client, "/settings/profile", {"name": "Alba Agent", "phone": "", "locale": "es", "timezone": ""})
    page = client.get("/calendar?view=week&date=2027-01-06").get_data(as_text=True)
    assert 'lang="es"' in page
    assert re.findall(r'<section class="cal-col[^"]*" aria-label="([^"]+)"', page)[0].startswith("lun")


def test_navigation_moves_by_a_day_or_a_week(team, login):
    client = login(team.agent)
    day_page = unescape(client.get("/calendar?view=day&date=2027-01-06").get_data(as_text=True))
    assert 'href="/calendar?view=day&date=2027-01-05" rel="prev"' in day_page
    assert 'href="/calendar?view=day&date=2027-01-07" rel="next"' in day_page
    today = datetime.now(MADRID).date()
    assert f'href="/calendar?view=day&date={today}">Today' in day_page
    week_page = unescape(client.get("/calendar?view=week&date=2027-01-06").get_data(as_text=True))
    assert 'href="/calendar?view=week&date=2026-12-30" rel="prev"' in week_page
    assert 'href="/calendar?view=week&date=2027-01-13" rel="next"' in week_page


@pytest.mark.parametrize(
    ("query", "view"),
    [("view=month", "Day"), ("date=yesterday", "Day"), ("date=2027-13-40", "Day"), ("view=", "Day"),
     ("date=", "Day"), ("date=9999-12-31&view=week", "Week"), ("date=0001-01-01", "Day")],
)
def test_junk_arguments_fall_back_to_today_and_the_day_view(team, login, query, view):
    response = login(team.agent).get(f"/calendar?{query}")
    assert response.status_code == 200
    page = unescape(response.get_data(as_text=True))
    assert f'aria-current="page">{view}</a>' in page
    assert f'date={datetime.now(MADRID).date()}" aria-current' in page or view == "Week"


def test_manager_sees_the_team_side_by_side(team, listing, login, book, at):
    mine = book(team.agent, listing.flat, listing.carla, at(10))
    theirs = book(team.colleague, listing.house, listing.dan, at(10))
    page = login(team.manager).get(f"/calendar?date={at(10).date()}").get_data(as_text=True)
    assert _columns(page) == ["Alba Agent", "Carlos Colleague"]
    assert _block(page, mine) and _block(page, theirs)
    # each agent's free slots book for that agent
    links = _free_links(page)
    assert any(f"agent_id={team.agent.id}" in link for link in links)
    assert any(f"agent_id={team.colleague.id}" in link for link in links)


def test_manager_picks_one_agent(team, listing, login, book, at):
    book(team.agent, listing.flat, listing.carla, at(10))
    theirs = book(team.colleague, listing.house, listing.dan, at(12))
    page = login(team.manager).get(f"/calendar?agent={team.colleague.id}&date={at(10).date()}").get_data(
        as_text=True)
    assert _columns(page) == ["Carlos Colleague"] and _block(page, theirs)
    assert "Carla Cruz" not in page


def test_team_week_lists_each_agents_days(team, listing, login, book, at):
    visit = book(team.colleague, listing.house, listing.dan, at(10))
    page = login(team.admin).get(f"/calendar?view=week&date={at(10).date()}").get_data(as_text=True)
    assert 'class="team-week"' in page
    row = page.split("Carlos Colleague</a></th>")[1].split("</tr>")[0]
    assert f'href="/visits/{visit.id}"' in row and "MAD-002" in row
    assert f"agent={team.colleague.id}" in unescape(row) and "free slots" in row


def test_agent_sees_only_their_own_calendar(team, listing, login, book, at):
    book(team.colleague, listing.house, listing.dan, at(10))
    client = login(team.agent)
    page = client.get(f"/calendar?date={at(10).date()}").get_data(as_text=True)
    assert _columns(page) == ["Alba Agent"] and "Dan Diaz" not in page
    assert 'name="agent"' not in page
    assert client.get(f"/calendar?agent={team.colleague.id}").status_code == 403
    assert client.get("/calendar?agent=all").status_code == 403
    assert client.get(f"/calendar?agent={team.agent.id}").status_code == 200
    week = client.get(f"/calendar?view=week&date={at(10).date()}").get_data(as_text=True)
    assert "team-week" not in week and "Dan Diaz" not in week


def test_another_agencys_agent_is_not_found(team, login):
    client = login(team.manager)
    assert client.get(f"/calendar?agent={team.outsider.id}").status_code == 404
    assert client.get("/calendar?agent=abc").status_code == 404


def test_another_agencys_visits_never_show(team, listing, make, login, book, at):
    foreign = make.user(team.other_agency, "agent", name="Foreign Agent")
    prop = make.property(team.outsider, reference="LUNA-1")
    prospect = make.prospect(team.outsider, first_name="Forastero")
    book(team.outsider, prop, prospect, at(10), agent_id=foreign.id)
    page = login(team.manager).get(f"/calendar?date={at(10).date()}").get_data(as_text=True)
    assert "LUNA-1" not in page and "Foreign Agent" not in page and "Forastero" not in page


def test_calendar_needs_a_signed_in_user(client):
    response = client.get("/calendar")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_grid_uses_classes_not_inline_styles(team, listing, login, book, at):
    book(team.agent, listing.flat, listing.carla, at(10))
    page = login(team.manager).get(f"/calendar?date={at(10).date()}").get_data(as_text=True)
    assert "style=" not in page and "<script>" not in page
