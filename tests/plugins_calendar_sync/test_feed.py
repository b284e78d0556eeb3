"""The public feed /calendar/<secret>.ics: which visits it shows, how, and when it is not found."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from icalendar import Calendar
from realty_crm_calendar_sync import feeds
from realty_crm_calendar_sync.models import CalendarFeedToken
from sqlalchemy import event, select

from realty_crm.plugin_api import ValidationFailed, db, tenancy, utcnow
from realty_crm.testing.plugin_tools import accounts, configure_plugin, enable_plugin

PLUGIN = "calendar_sync"


def _uid(visit, agency) -> str:
    return f"visit-{visit.id}@{agency.slug}.realty-crm"


def test_an_agent_feed_holds_the_agents_visits_only(sol, events):
    mine = sol.visit(2)
    sol.visit(3, agent=sol.colleague)

    found = events(sol.feed())

    assert set(found) == {_uid(mine, sol.agency)}


def test_a_team_feed_holds_every_agents_visits_of_the_agency(sol, luna, events):
    mine, theirs = sol.visit(2), sol.visit(3, agent=sol.colleague)
    luna.visit(2)  # the plugin is off there, and it is another agency anyway
    enable_plugin(luna.agency, PLUGIN)
    luna.visit(4)

    found = events(sol.feed(sol.manager, "team"))

    assert set(found) == {_uid(mine, sol.agency), _uid(theirs, sol.agency)}


def test_another_agencys_visits_never_reach_a_feed(sol, luna, events):
    enable_plugin(luna.agency, PLUGIN)
    luna_visit = luna.visit(2)
    sol_visit = sol.visit(2)

    sol_events = events(sol.feed(sol.admin, "team"))
    luna_events = events(luna.feed(luna.admin, "team"))

    assert set(sol_events) == {_uid(sol_visit, sol.agency)}
    assert set(luna_events) == {_uid(luna_visit, luna.agency)}
    assert "Marco" not in str(sol_events) and "Lucía" not in str(luna_events)


def test_the_feed_is_an_icalendar_with_the_visits_details(sol, fetch):
    visit = sol.visit(2)

    response = fetch(sol.feed())

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.get_data())
    assert str(calendar["VERSION"]) == "2.0" and "realty-crm" in str(calendar["PRODID"])
    [event] = calendar.walk("VEVENT")
    assert event["UID"] == _uid(visit, sol.agency)
    assert event.decoded("DTSTART") == visit.starts_at and event.decoded("DTEND") == visit.ends_at
    assert event.decoded("DTSTART").utcoffset() == timedelta(0)
    assert re.search(r"^DTSTART:\d{8}T\d{6}Z\r?$", response.get_data(as_text=True), re.M)  # UTC, no TZID
    assert str(event["SUMMARY"]) == "PIS-1 · Lucía Test"
    assert str(event["LOCATION"]) == "Calle Mayor 1, Málaga"
    assert "+34600111222" in str(event["DESCRIPTION"]) and "Agent of Pisos Sol" in str(event["DESCRIPTION"])
    assert str(event["STATUS"]) == "TENTATIVE"
    assert event["SEQUENCE"] == 0
    assert event.decoded("LAST-MODIFIED") == visit.updated_at.replace(microsecond=0)
    assert "DTSTAMP" in event


def test_a_confirmed_visit_is_confirmed_in_the_feed(sol, events):
    visit = sol.update(sol.visit(2), {"status": "confirmed"})

    event = events(sol.feed())[_uid(visit, sol.agency)]

    assert str(event["STATUS"]) == "CONFIRMED"


def test_a_cancelled_visit_is_dropped_from_the_feed(sol, events):
    kept, cancelled = sol.visit(2), sol.visit(3)
    sol.update(cancelled, {"status": "cancelled", "cancel_reason": "The buyer found another flat"})

    found = events(sol.feed())

    assert set(found) == {_uid(kept, sol.agency)}


def test_a_rescheduled_visit_keeps_its_uid_and_raises_its_sequence(sol, events):
    visit = sol.visit(2)
    secret = sol.feed()
    before = events(secret)[_uid(visit, sol.agency)]

    new_start = (utcnow() + timedelta(days=5)).replace(microsecond=0)
    sol.update(visit, {"starts_at": new_start.isoformat()})
    after = events(secret)

    assert set(after) == {_uid(visit, sol.agency)}
    event = after[_uid(visit, sol.agency)]
    assert event["SEQUENCE"] == before["SEQUENCE"] + 1 == 1
    assert event.decoded("DTSTART") == new_start
    assert event.decoded("LAST-MODIFIED") >= before.decoded("LAST-MODIFIED")


def test_the_feed_keeps_to_its_window_of_days(sol, events):
    inside_past, inside_future = sol.visit(-59), sol.visit(364)
    sol.visit(-61)
    sol.visit(366)

    found = events(sol.feed())

    assert set(found) == {_uid(inside_past, sol.agency), _uid(inside_future, sol.agency)}


def test_the_window_follows_the_agencys_settings(sol, events):
    near = sol.visit(5)
    sol.visit(20)
    sol.visit(-3)
    configure_plugin(sol.agency, PLUGIN, {"days_back": 1, "days_ahead": 10})

    found = events(sol.feed())

    assert set(found) == {_uid(near, sol.agency)}


@pytest.mark.parametrize(
    "data", [{"days_back": -1}, {"days_ahead": 0}, {"days_ahead": "soon"}, {"colour": 1}]
)
def test_bad_window_settings_are_refused(sol, data):
    with pytest.raises(ValidationFailed) as refused:
        configure_plugin(sol.agency, PLUGIN, data)

    assert refused.value.details


@pytest.mark.parametrize(
    "secret", ["unknown", "x" * 43, "x" * 500, "%F0%9F%8F%A0", "' OR 1=1 --"],
)
def test_an_unknown_secret_is_not_found(sol, fetch, secret):
    sol.visit(2)
    sol.feed()

    assert fetch(secret).status_code == 404


def test_a_revoked_feed_is_not_found(sol, fetch):
    secret = sol.feed()
    assert fetch(secret).status_code == 200
    with tenancy.scope(sol.agency.id):
        feeds.revoke_feed(sol.agent, "agent")

    assert fetch(secret).status_code == 404


def test_a_new_feed_replaces_the_previous_one_of_the_same_kind(sol, fetch):
    first = sol.feed(sol.manager, "agent")
    team = sol.feed(sol.manager, "team")
    second = sol.feed(sol.manager, "agent")

    assert fetch(first).status_code == 404
    assert fetch(second).status_code == 200 and fetch(team).status_code == 200


def test_the_feed_of_a_deactivated_user_is_not_found(sol, fetch):
    secret = sol.feed()
    with tenancy.scope(sol.agency.id):
        accounts.update_user(sol.admin, sol.agent, {"active": False})

    assert fetch(secret).status_code == 404


def test_a_team_feed_stops_when_its_owner_is_no_longer_a_manager(sol, fetch):
    secret = sol.feed(sol.manager, "team")
    with tenancy.scope(sol.agency.id):
        accounts.update_user(sol.admin, sol.manager, {"role": "agent"})

    assert fetch(secret).status_code == 404


def test_the_feed_is_not_found_once_the_plugin_is_disabled(sol, fetch):
    secret = sol.feed()
    assert fetch(secret).status_code == 200

    enable_plugin(sol.agency, PLUGIN, False)

    assert fetch(secret).status_code == 404


def test_only_the_hash_of_the_secret_is_stored(sol):
    secret = sol.feed()

    rows = db.session.scalars(
        select(CalendarFeedToken).execution_options(**tenancy.unscoped())
    ).all()
    assert len(rows) == 1
    assert rows[0].token_hash == feeds.hash_secret(secret) != secret
    assert len(rows[0].token_hash) == 64 and secret not in rows[0].token_hash


def test_the_feed_loads_its_visits_in_a_fixed_number_of_queries(sol, fetch):
    secret = sol.feed(sol.manager, "team")
    sol.visit(2)

    def count() -> int:
        seen: list[str] = []

        def listen(conn, cursor, statement, *args):
            seen.append(statement)

        event.listen(db.engine, "before_cursor_execute", listen)
        try:
            assert fetch(secret).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listen)
        return len(seen)

    one = count()
    for days in (3, 4, 5):
        sol.visit(days, agent=sol.colleague)
    sol.visit(6)

    assert count() == one


def _feed_texts(client, secret: str, browser_language: str) -> tuple[str, str]:
    response = client.get(f"/calendar/{secret}.ics", headers={"Accept-Language": browser_language})
    assert response.status_code == 200
    calendar = Calendar.from_ical(response.get_data())
    [event] = calendar.walk("VEVENT")
    return str(calendar["X-WR-CALNAME"]), str(event["DESCRIPTION"])


def test_the_feed_speaks_the_agencys_language_whatever_the_calendar_app_asks_for(sol, client):
    sol.agency.locale = "es"
    db.session.commit()
    sol.visit(2)

    name, description = _feed_texts(client, sol.feed(), "en-GB,en;q=0.9")

    assert name == "Visitas de Agent of Pisos Sol en Pisos Sol"
    assert description == "Teléfono del interesado: +34600111222\nAgente: Agent of Pisos Sol"


def test_the_feed_speaks_its_owners_own_language_over_the_agencys(sol, client):
    sol.agency.locale = "es"
    db.session.commit()
    with tenancy.scope(sol.agency.id):
        accounts.update_user(sol.agent, sol.agent, {"locale": "en"})
    sol.visit(2)

    name, description = _feed_texts(client, sol.feed(), "es-ES,es;q=0.9")

    assert name == "Pisos Sol visits of Agent of Pisos Sol"
    assert description == "Prospect phone: +34600111222\nAgent: Agent of Pisos Sol"
