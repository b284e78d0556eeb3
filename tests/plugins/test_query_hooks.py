"""Per-agency query hooks: top-bar entries, dashboard widgets, timeline items and busy time,
asked only of the plugins enabled in the user's agency."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from realty_crm import tenancy
from realty_crm.errors import Conflict
from realty_crm.extensions import db
from realty_crm.models import PluginError, Visit
from realty_crm.services import visits

from .conftest import RUN_LOG


def _errors(hook: str) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(PluginError)
            .where(PluginError.hook == hook)
            .execution_options(**tenancy.unscoped())
        )
        or 0
    )


def _nav(html: str) -> str:
    return re.search(r'<nav class="mainnav".*?</nav>', html, re.S).group(0)


def test_plugin_nav_entries_appear_only_in_agencies_where_it_is_enabled(team, enable, login):
    enable(team.agency, "showcase")

    mine = _nav(login(team.agent).get("/").get_data(as_text=True))
    theirs = _nav(login(team.outsider).get("/").get_data(as_text=True))

    assert '<a href="/lead-board">Lead board</a>' in mine
    assert "javascript:" not in mine  # an unsafe link from a plugin is dropped
    assert "Lead board" not in theirs


def test_plugins_nav_entry_is_for_admins_only(team, login):
    assert 'href="/settings/plugins"' in _nav(login(team.admin).get("/").get_data(as_text=True))
    assert 'href="/settings/plugins"' not in _nav(login(team.manager).get("/").get_data(as_text=True))
    assert 'href="/settings/plugins"' not in _nav(login(team.agent).get("/").get_data(as_text=True))


def test_dashboard_shows_widgets_of_enabled_plugins_escaped_at_the_end(team, make, enable, login):
    make.prospect(team.admin)
    make.prospect(team.outsider)
    enable(team.agency, "showcase")

    html = login(team.admin).get("/").get_data(as_text=True)

    assert "Showcase figures" in html
    assert "<p class='showcase'>1 prospects for Ada Admin</p>" in html  # its own agency's count only
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)" not in html
    assert "not a widget" not in html
    assert html.index("Showcase figures") > html.index("New leads")
    assert "Showcase figures" not in login(team.outsider).get("/").get_data(as_text=True)


def test_prospect_timeline_merges_plugin_items_by_time(team, make, enable, login, test_plugins):
    prospect = make.prospect(team.admin, first_name="Ana <i>")
    enable(team.agency, "showcase")
    test_plugins.showcase.when = datetime.now(UTC) - timedelta(days=400)  # before the prospect existed

    html = login(team.admin).get(f"/prospects/{prospect.id}").get_data(as_text=True)
    timeline = html[html.index('id="timeline"') :]

    created = timeline.index("Prospect created")
    assert timeline.index("Naive time, taken as UTC") < created < timeline.index("Newsletter to Ana")
    assert "Newsletter to Ana &lt;i&gt;" in timeline and "<i>" not in timeline
    assert 'class="kind-mailing"' in timeline and "Showcase ✨" in timeline


def test_timeline_of_an_agency_without_the_plugin_has_no_plugin_items(team, make, enable, login):
    enable(team.agency, "showcase")
    prospect = make.prospect(team.outsider)

    html = login(team.outsider).get(f"/prospects/{prospect.id}").get_data(as_text=True)

    assert "Newsletter" not in html and "Prospect created" in html


def test_a_failing_query_hook_leaves_the_pages_working_and_is_recorded(team, make, enable, login):
    prospect = make.prospect(team.admin)
    enable(team.agency, "boom", "showcase")
    client = login(team.admin)

    dashboard = client.get("/")
    detail = client.get(f"/prospects/{prospect.id}")

    assert dashboard.status_code == 200 and "Showcase figures" in dashboard.get_data(as_text=True)
    assert detail.status_code == 200 and "Newsletter" in detail.get_data(as_text=True)
    assert "Lead board" in detail.get_data(as_text=True)
    assert _errors("crm_nav_items") == 1  # failing on both pages: recorded once per period
    assert _errors("crm_dashboard_widgets") == 1 and _errors("crm_timeline_items") == 1


def test_a_plugin_widget_only_sees_its_own_agency(team, make, enable, login, test_plugins):
    theirs = make.prospect(team.outsider)
    make.prospect(team.admin)
    enable(team.agency, "snoop")
    test_plugins.snoop.targets = [theirs.id]

    assert login(team.admin).get("/").status_code == 200

    assert test_plugins.snoop.seen_agencies == [{team.agency.id}]
    assert test_plugins.snoop.found == [[]]


# --- busy time --------------------------------------------------------------------------


def _slot(hours: int = 48) -> datetime:
    return (datetime.now(UTC) + timedelta(hours=hours)).replace(minute=0, second=0, microsecond=0)


def test_busy_time_from_a_plugin_refuses_the_booking_as_a_clash(team, make, enable, test_plugins):
    prospect = make.prospect(team.admin)
    prop = make.property(team.admin)
    start = _slot()
    test_plugins.busy.busy = [(start + timedelta(minutes=30), start + timedelta(hours=2), "Dentist 🦷")]
    enable(team.agency, "busy")

    with tenancy.scope(team.agency.id), pytest.raises(Conflict) as refused:
        visits.schedule_visit(
            team.admin,
            {
                "property_id": prop.id,
                "prospect_id": prospect.id,
                "agent_id": team.agent.id,
                "starts_at": start.isoformat(),
                "duration_minutes": 60,
            },
        )
    db.session.rollback()

    assert refused.value.details["clash"] == "busy"
    assert refused.value.details["busy"]["label"] == "Dentist 🦷"
    assert "Dentist 🦷" in refused.value.message
    assert test_plugins.busy.asked == [team.agent.id]
    assert (
        db.session.scalar(select(func.count()).select_from(Visit).execution_options(**tenancy.unscoped()))
        == 0
    )


def test_busy_time_refuses_booking_through_the_api_with_409(team, make, enable, api, test_plugins):
    prospect = make.prospect(team.agent, assigned_agent_id=team.agent.id)
    prop = make.property(team.admin)
    start = _slot()
    test_plugins.busy.busy = [(start - timedelta(hours=1), start + timedelta(minutes=1), "Team meeting")]
    enable(team.agency, "busy")

    response = api(team.agent).post(
        "/api/v1/visits",
        json={
            "property_id": prop.id,
            "prospect_id": prospect.id,
            "starts_at": start.isoformat(),
            "duration_minutes": 45,
        },
    )

    assert response.status_code == 409, response.get_json()
    assert response.get_json()["error"]["details"]["clash"] == "busy"


def test_busy_time_that_only_touches_the_visit_does_not_clash(team, make, enable, book, test_plugins):
    prospect = make.prospect(team.admin)
    prop = make.property(team.admin)
    start = _slot()
    test_plugins.busy.busy = [
        (start - timedelta(hours=1), start, "Before"),
        (start + timedelta(hours=1), start + timedelta(hours=2), "After"),
    ]
    enable(team.agency, "busy")

    visit = book(
        team.admin, prop, prospect, hours_from_now=(start - datetime.now(UTC)).total_seconds() / 3600
    )

    assert visit.starts_at == start and test_plugins.busy.asked


def test_busy_time_of_a_plugin_disabled_in_the_agency_is_ignored(team, make, enable, book, test_plugins):
    prospect = make.prospect(team.outsider)
    prop = make.property(team.outsider)
    start = _slot()
    test_plugins.busy.busy = [(start - timedelta(days=1), start + timedelta(days=1), "Holiday")]
    enable(team.agency, "busy")  # on in A, off in B

    visit = book(team.outsider, prop, prospect)

    assert visit.id and test_plugins.busy.asked == []


def test_a_failing_busy_source_does_not_block_the_booking(team, make, enable, book):
    prospect = make.prospect(team.admin)
    prop = make.property(team.admin)
    enable(team.agency, "boom")

    visit = book(team.admin, prop, prospect)

    assert visit.id and _errors("crm_busy_intervals") == 1


def test_busy_time_is_asked_inside_the_booking_transaction_which_plugins_do_not_commit(
    team, make, enable, book, test_plugins
):
    prospect = make.prospect(team.admin)
    prop = make.property(team.admin)
    enable(team.agency, "busy", "probe")

    book(team.admin, prop, prospect)

    # the probe ran after the other source and found the booking's transaction (and, on SQLite,
    # its write lock) still held: the check and the insert stay one unit
    assert RUN_LOG == ["busy", "probe"]
    assert test_plugins.probe.open == [True]
