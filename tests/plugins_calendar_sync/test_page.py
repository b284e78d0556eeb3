"""The feeds page (/calendar-sync/): who may create which feed, the URL shown once, revoking, CSRF."""

from __future__ import annotations

import pytest
from realty_crm_calendar_sync.models import CalendarFeedToken
from sqlalchemy import select

from realty_crm.plugin_api import db, tenancy
from realty_crm.testing.factories import form_token
from realty_crm.testing.plugin_tools import enable_plugin

PLUGIN = "calendar_sync"
PAGE = "/calendar-sync/"


def _create(browser, kind: str):
    token = form_token(browser, PAGE)
    return browser.post("/calendar-sync/feeds", data={"kind": kind, "csrf_token": token})


def _rows(agency) -> list[CalendarFeedToken]:
    db.session.expire_all()
    stmt = (
        select(CalendarFeedToken)
        .where(CalendarFeedToken.agency_id == agency.id)
        .order_by(CalendarFeedToken.id)
        .execution_options(**tenancy.unscoped())
    )
    return list(db.session.scalars(stmt))


def test_an_agent_creates_a_feed_and_sees_its_url_once(sol, login, fetch, secret_in):
    browser = login(sol.agent)
    sol.visit(2)

    created = _create(browser, "agent")

    html = created.get_data(as_text=True)
    assert created.status_code == 201
    assert "Copy this address now" in html and "Google Calendar" in html and "Outlook" in html
    secret = secret_in(html)
    assert fetch(secret).status_code == 200
    later = browser.get(PAGE).get_data(as_text=True)
    assert secret not in later and "My visits" in later


@pytest.mark.parametrize("who", ["manager", "admin"])
def test_managers_and_admins_can_create_a_team_feed(sol, login, events, secret_in, who):
    browser = login(getattr(sol, who))
    assert "Create a team feed" in browser.get(PAGE).get_data(as_text=True)
    mine, theirs = sol.visit(2), sol.visit(3, agent=sol.colleague)

    created = _create(browser, "team")

    assert created.status_code == 201
    uids = set(events(secret_in(created.get_data(as_text=True))))
    assert uids == {f"visit-{v.id}@{sol.agency.slug}.realty-crm" for v in (mine, theirs)}
    assert [r.kind for r in _rows(sol.agency)] == ["team"]


def test_an_agent_cannot_create_a_team_feed(sol, login):
    browser = login(sol.agent)
    assert "Create a team feed" not in browser.get(PAGE).get_data(as_text=True)

    refused = _create(browser, "team")

    assert refused.status_code == 403
    assert _rows(sol.agency) == []


@pytest.mark.parametrize("kind", ["", "everyone", "AGENT", "équipe 🏠", "x" * 1000])
def test_an_unknown_kind_of_feed_is_refused(sol, login, kind):
    refused = _create(login(sol.agent), kind)

    assert refused.status_code == 422
    assert "Choose a kind of feed." in refused.get_data(as_text=True)
    assert _rows(sol.agency) == []


def test_creating_a_feed_needs_the_csrf_token(sol, login):
    refused = login(sol.agent).post("/calendar-sync/feeds", data={"kind": "agent"})

    assert refused.status_code == 400
    assert _rows(sol.agency) == []


def test_revoking_needs_the_csrf_token(sol, login, fetch):
    secret = sol.feed()

    refused = login(sol.agent).post("/calendar-sync/feeds/agent/revoke")

    assert refused.status_code == 400 and fetch(secret).status_code == 200


def test_a_user_revokes_their_feed_from_the_page(sol, login, fetch):
    secret = sol.feed()
    browser = login(sol.agent)

    token = form_token(browser, PAGE)
    revoked = browser.post("/calendar-sync/feeds/agent/revoke", data={"csrf_token": token})

    assert revoked.status_code == 302
    assert fetch(secret).status_code == 404
    assert _rows(sol.agency)[0].revoked_at is not None
    assert "No calendar feed yet." in browser.get(PAGE).get_data(as_text=True)


def test_revoking_touches_only_ones_own_feed(sol, luna, login, fetch):
    enable_plugin(luna.agency, PLUGIN)
    mine = sol.feed(sol.manager, "agent")
    others = [
        sol.feed(sol.colleague), sol.feed(sol.admin, "team"), luna.feed(), luna.feed(luna.manager, "team")
    ]
    browser = login(sol.manager)

    browser.post("/calendar-sync/feeds/agent/revoke", data={"csrf_token": form_token(browser, PAGE)})

    assert fetch(mine).status_code == 404
    assert [fetch(secret).status_code for secret in others] == [200] * 4


@pytest.mark.parametrize("kind", ["team", "agent", "everyone", "%F0%9F%8F%A0", "1"])
def test_revoking_a_feed_one_does_not_have_is_not_found(sol, login, kind):
    sol.feed(sol.colleague)
    browser = login(sol.agent)

    token = form_token(browser, PAGE)
    response = browser.post(f"/calendar-sync/feeds/{kind}/revoke", data={"csrf_token": token})

    assert response.status_code == 404
    assert _rows(sol.agency)[0].revoked_at is None


@pytest.mark.parametrize("who", ["admin", "manager", "agent"])
def test_the_page_is_not_found_where_the_plugin_is_disabled(sol, luna, login, who):
    assert login(getattr(luna, who)).get(PAGE).status_code == 404


def test_an_anonymous_visitor_is_sent_to_sign_in(sol, client):
    response = client.get(PAGE)

    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_top_bar_has_a_calendar_feeds_entry_only_where_the_plugin_is_on(sol, luna, login):
    assert 'href="/calendar-sync/"' in login(sol.agent).get("/").get_data(as_text=True)
    assert 'href="/calendar-sync/"' not in login(luna.agent).get("/").get_data(as_text=True)
