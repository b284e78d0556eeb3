"""The dashboard: overdue and today's follow-ups, new leads and counts, per user."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from realty_crm import tenancy
from realty_crm.extensions import db
from realty_crm.models import FollowUp, utcnow
from realty_crm.timezones import canonical_zones


def _count(page: str, label: str) -> int:
    match = re.search(rf'<span class="n">(\d+)</span> <span class="what">{re.escape(label)}</span>', page)
    assert match, label
    return int(match.group(1))


def _soon(**delta: float) -> str:
    return (utcnow() + timedelta(**delta)).isoformat()


@pytest.mark.parametrize("role", ["admin", "manager", "agent"])
def test_each_role_gets_a_dashboard(team, login, role):
    page = login(getattr(team, role)).get("/").get_data(as_text=True)
    assert "Nothing overdue." in page and "No new leads." in page


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_counts_of_the_dashboard_agree_with_their_number_in_spanish(make, login):
    agencia = make.agency("Pisos Triana", locale="es")
    agent = make.user(agencia, "agent", name="Lola Agente")
    make.prospect(agent, first_name="Uno", last_name="Solo")
    page = login(agent).get("/").get_data(as_text=True)
    assert _count(page, "Interesado nuevo") == 1 and _count(page, "Mi interesado abierto") == 1
    assert _count(page, "Visitas hoy") == 0 and _count(page, "Seguimientos atrasados") == 0


def test_overdue_follow_ups_stand_out_and_todays_are_listed(team, make, login):
    late = make.prospect(team.agent, first_name="Late", last_name="Lead")
    today = make.prospect(team.agent, first_name="Today", last_name="Lead")
    later = make.prospect(team.agent, first_name="Later", last_name="Lead")
    make.follow_up(team.agent, late, due_at=_soon(days=-3), title="Chase the offer")
    make.follow_up(team.agent, today, due_at=_soon(minutes=1), title="Send the dossier")
    make.follow_up(team.agent, later, due_at=_soon(days=5), title="Check in")
    page = login(team.agent).get("/").get_data(as_text=True)
    overdue = page[page.index('id="overdue"') : page.index('id="today"')]
    assert "Late Lead" in overdue and "Chase the offer" in overdue and 'class="overdue"' in overdue
    assert "Today Lead" not in overdue
    assert _count(page, "Overdue follow-up") == 1
    assert 'class="stat alert"' in page
    assert "Check in" not in page


def _zone_where_it_is_midday() -> tuple[str, datetime]:
    """A zone the app offers where the local time is now between 08:00 and 16:00, and that local time."""
    for zone in canonical_zones():
        local = datetime.now(UTC).astimezone(ZoneInfo(zone))
        if 8 <= local.hour < 16:
            return zone, local
    raise AssertionError("some zone is at midday")


def test_due_today_runs_until_the_users_local_midnight(team, make, login, post):
    zone, local = _zone_where_it_is_midday()
    client = login(team.agent)
    post(client, "/settings/profile", {"name": "Alba Agent", "phone": "", "locale": "", "timezone": zone})
    prospect = make.prospect(team.agent)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    make.follow_up(
        team.agent, prospect, due_at=(local + timedelta(hours=1)).isoformat(), title="This afternoon"
    )
    make.follow_up(
        team.agent, prospect, due_at=(midnight - timedelta(minutes=5)).isoformat(), title="Late tonight"
    )
    make.follow_up(
        team.agent, prospect, due_at=(midnight + timedelta(minutes=5)).isoformat(), title="Tomorrow"
    )
    page = client.get("/").get_data(as_text=True)
    today = page[page.index('id="today"') : page.index('id="new-h"')]
    assert "This afternoon" in today and "Late tonight" in today and "Tomorrow" not in today
    assert _count(page, "Follow-ups due today") == 2
    assert _count(page, "Overdue follow-ups") == 0


def test_done_and_colleagues_follow_ups_are_not_mine(team, make, login, post):
    mine = make.prospect(team.agent, first_name="Mine")
    theirs = make.prospect(team.colleague, first_name="Theirs")
    make.follow_up(team.colleague, theirs, due_at=_soon(days=-1), title="Their task")
    make.follow_up(team.agent, mine, due_at=_soon(days=-1), title="My task")
    client = login(team.agent)
    assert "Their task" not in client.get("/").get_data(as_text=True)
    with tenancy.scope(team.agency.id):
        follow_up = db.session.scalars(select(FollowUp).where(FollowUp.title == "My task")).one()
    response = post(
        client, f"/prospects/{mine.id}/follow-ups/{follow_up.id}/done", {"back": "dashboard"}, page="/"
    )
    assert response.status_code == 302 and response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert "My task" not in page and _count(page, "Overdue follow-ups") == 0


def test_follow_ups_on_deleted_prospects_drop_off(team, make, login, post):
    prospect = make.prospect(team.agent, first_name="Binned")
    make.follow_up(team.agent, prospect, due_at=_soon(days=-1), title="Orphan task")
    post(login(team.manager), f"/prospects/{prospect.id}/delete", page="/")
    assert "Orphan task" not in login(team.agent).get("/").get_data(as_text=True)


def test_agent_sees_their_new_leads_and_counts(team, make, login):
    make.prospect(team.agent, first_name="Fresh", last_name="Lead", source="portal")
    make.prospect(team.colleague, first_name="Other", last_name="Lead")
    make.prospect(team.manager, first_name="Pool", last_name="Lead")
    page = login(team.agent).get("/").get_data(as_text=True)
    assert "Fresh Lead" in page and "Other Lead" not in page and "Pool Lead" not in page
    assert _count(page, "New prospect") == 1
    assert _count(page, "My open prospect") == 1
    assert "Unassigned leads" not in page


def test_staff_see_all_new_leads_and_the_unassigned_count(team, make, login):
    make.prospect(team.agent, first_name="Fresh", last_name="Lead")
    make.prospect(team.manager, first_name="Pool", last_name="Lead")
    make.prospect(team.manager, first_name="Pool", last_name="Two", status="lost", lost_reason="Gone")
    make.prospect(team.outsider, first_name="Foreign", last_name="Lead")
    page = login(team.manager).get("/").get_data(as_text=True)
    assert "Fresh Lead" in page and "Pool Lead" in page and "Foreign" not in page
    assert _count(page, "Unassigned lead") == 1
    assert _count(page, "New prospects") == 2
    assert 'href="/prospects?unassigned=y"' in page


def test_dashboard_escapes_names(team, make, login):
    prospect = make.prospect(team.agent, first_name="<b>Bold</b>")
    make.follow_up(team.agent, prospect, due_at=_soon(days=-1), title="<i>task</i>")
    page = login(team.agent).get("/").get_data(as_text=True)
    assert "<b>Bold</b>" not in page and "&lt;b&gt;Bold&lt;/b&gt;" in page
    assert "<i>task</i>" not in page


# --- the agent's visits of today and tomorrow ------------------------------------------------


def _section(page: str, section_id: str) -> str:
    return page.split(f'id="{section_id}"')[1].split("</section>")[0]


def test_todays_and_tomorrows_visits_in_the_users_zone(team, listing, make, login, post, book):
    zone, local = _zone_where_it_is_midday()
    client = login(team.agent)
    post(client, "/settings/profile", {"name": "Alba Agent", "phone": "", "locale": "", "timezone": zone})
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    today = book(team.agent, listing.flat, listing.carla, local + timedelta(hours=2), minutes=30)
    late = book(team.agent, listing.house, listing.carla, midnight - timedelta(minutes=45), minutes=30)
    tomorrow = book(team.agent, listing.flat, listing.carla, midnight + timedelta(hours=10))
    book(team.agent, listing.flat, listing.carla, midnight + timedelta(days=1, hours=10))
    book(team.colleague, listing.house, listing.dan, local + timedelta(hours=3))
    page = client.get("/").get_data(as_text=True)
    todays = _section(page, "visits-today")
    tomorrows = _section(page, "visits-tomorrow")
    assert f'href="/visits/{today.id}"' in todays and f'href="/visits/{late.id}"' in todays
    assert f'href="/visits/{tomorrow.id}"' not in todays
    assert f'href="/visits/{tomorrow.id}"' in tomorrows and tomorrows.count("/visits/") == 1
    assert "Dan Diaz" not in page
    assert _count(page, "Visits today") == 2
    # earliest first, with the prospect, the property, the time and a way to log the call
    assert todays.index(f"/visits/{today.id}") < todays.index(f"/visits/{late.id}")
    assert "Carla Cruz" in todays and "MAD-001 · Flat in Chamberí" in todays
    assert f'href="/prospects/{listing.carla.id}#log-call"' in todays
    shown = (local + timedelta(hours=2)).strftime("%-I:%M")
    assert shown in todays


def test_cancelled_visits_leave_the_dashboard(team, listing, login, post, book, at):
    visit = book(team.agent, listing.flat, listing.carla, at(10))
    client = login(team.agent)
    assert f'href="/visits/{visit.id}"' in client.get("/").get_data(as_text=True)
    post(client, f"/visits/{visit.id}/cancel", {"cancel_reason": "Ill"})
    assert f'href="/visits/{visit.id}"' not in client.get("/").get_data(as_text=True)


def test_the_log_call_link_opens_the_call_form(team, listing, login, book, at):
    book(team.agent, listing.flat, listing.carla, at(10))
    client = login(team.agent)
    page = client.get("/").get_data(as_text=True)
    link = re.search(r'href="(/prospects/\d+)#log-call"', page).group(1)
    assert 'id="log-call"' in client.get(link).get_data(as_text=True)


def test_a_manager_sees_their_own_visits_not_the_teams(team, listing, login, book, at):
    book(team.agent, listing.flat, listing.carla, at(10))
    page = login(team.manager).get("/").get_data(as_text=True)
    assert "No visits tomorrow." in page and "Carla Cruz" not in _section(page, "visits-tomorrow")
