"""The example plugin's event and query hooks act only in the agencies that enabled it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import current_app
from realty_crm_visit_notes import debriefs as plugin_debriefs
from realty_crm_visit_notes.models import RESOLVED_BY_CALL

from realty_crm.plugin_api import VisitStatus, Widget, db, tenancy, utcnow, visits
from realty_crm.testing.plugin_tools import call_hook, configure_plugin, enable_plugin, plugin_errors

from .conftest import PLUGIN


def test_a_visit_done_without_feedback_owes_a_debrief_only_where_the_plugin_is_enabled(sol, luna, debriefs):
    sol_visit = sol.visit_just_done()
    luna.visit_just_done()

    rows = debriefs()
    assert [(r.visit_id, r.agency_id, r.agent_id) for r in rows] == [
        (sol_visit.id, sol.agency.id, sol.agent.id)
    ]
    assert rows[0].resolved_at is None


def test_a_visit_logged_after_it_happened_owes_a_debrief_too(sol, debriefs):
    visit = sol.visit_done_days_ago(2)

    assert visit.status == VisitStatus.DONE
    assert [r.visit_id for r in debriefs(sol.agency)] == [visit.id]


def test_a_visit_still_to_happen_owes_nothing(sol, debriefs):
    with tenancy.scope(sol.agency.id):
        visits.schedule_visit(sol.agent, {
            "property_id": sol.flat.id, "prospect_id": sol.prospect.id,
            "starts_at": (utcnow() + timedelta(days=3)).isoformat(),
        })

    assert debriefs() == []


@pytest.mark.parametrize("feedback, owed", [
    ("   ", True),
    ("Liked it", True),  # shorter than the default minimum of 20 characters
    ("Loved the light, worried about the noise", False),
    ("ممتاز، لكن المطبخ صغير جداً 👍", False),  # RTL and emoji count as characters
])
def test_only_feedback_of_the_minimum_length_counts_as_a_debrief(sol, debriefs, feedback, owed):
    sol.visit_done_days_ago(1, feedback=feedback)

    assert bool(debriefs()) is owed


def test_the_agencys_minimum_length_decides_what_is_owed(sol, debriefs):
    configure_plugin(sol.agency, PLUGIN, {"min_feedback_chars": 60})

    sol.visit_done_days_ago(1, feedback="Loved the light, worried about the noise")

    assert len(debriefs()) == 1


def test_an_answered_call_after_the_visit_settles_its_debrief(sol, debriefs):
    visit = sol.visit_done_days_ago(2)

    call = sol.call("answered")

    [row] = debriefs()
    assert (row.visit_id, row.resolved_by, row.call_id) == (visit.id, RESOLVED_BY_CALL, call.id)
    assert row.resolved_at is not None


@pytest.mark.parametrize("outcome", ["no_answer", "voicemail", "busy", "wrong_number"])
def test_a_call_that_did_not_reach_the_prospect_settles_nothing(sol, debriefs, outcome):
    sol.visit_done_days_ago(2)

    sol.call(outcome)

    assert debriefs()[0].resolved_at is None


def test_a_call_from_before_the_visit_settles_nothing(sol, debriefs):
    visit = sol.visit_done_days_ago(2)

    sol.call("answered", occurred_at=visit.starts_at - timedelta(days=1))

    assert debriefs()[0].resolved_at is None


def test_calls_do_not_count_when_the_agency_says_so(sol, debriefs):
    configure_plugin(sol.agency, PLUGIN, {"calls_count_as_debrief": False})
    sol.visit_done_days_ago(2)

    sol.call("answered")

    assert debriefs()[0].resolved_at is None


def test_a_call_in_another_agency_settles_nothing_here(sol, luna, debriefs):
    enable_plugin(luna.agency, PLUGIN)
    sol.visit_done_days_ago(2)

    luna.call("answered")

    assert debriefs(sol.agency)[0].resolved_at is None


def test_once_disabled_the_plugin_hears_no_more_events(sol, debriefs):
    enable_plugin(sol.agency, PLUGIN, False)

    sol.visit_done_days_ago(2)

    assert debriefs() == []


def test_a_failing_hook_leaves_the_visit_done_and_the_error_for_the_admin(sol, debriefs, monkeypatch):
    def broken(visit, agency):
        raise RuntimeError("debrief store unavailable")

    monkeypatch.setattr(plugin_debriefs, "owe", broken)

    visit = sol.visit_just_done()

    db.session.expire_all()
    assert db.session.get(type(visit), visit.id).status == VisitStatus.DONE
    errors = plugin_errors(sol.agency)
    assert {(e.plugin, e.hook) for e in errors} == {
        (PLUGIN, "crm_visit_scheduled"), (PLUGIN, "crm_visit_completed")
    }
    assert all("debrief store unavailable" in e.message for e in errors)
    assert debriefs() == []


def _widgets(branch, user) -> list[Widget]:
    """The widgets the plugins give ``user``, asked as the dashboard asks (inside a request)."""
    with current_app.test_request_context("/"):
        return call_hook(branch.agency, "crm_dashboard_widgets", user=user)


def test_the_dashboard_widget_lists_the_users_own_debriefs(sol):
    sol.visit_done_days_ago(2)
    sol.visit_done_days_ago(3, agent=sol.colleague)

    [mine] = _widgets(sol, sol.agent)
    [all_of_them] = _widgets(sol, sol.manager)

    assert mine.title == "Debriefs owed"
    assert "1 debrief owed" in mine.html and "Lucía Test" in mine.html
    assert "2 debriefs owed" in all_of_them.html


def test_no_widget_when_nothing_is_owed(sol):
    assert _widgets(sol, sol.agent) == []


def test_the_widget_escapes_what_users_typed(sol, make):
    sol.prospect = make.prospect(sol.manager, first_name="<b>Eve</b>", assigned_agent_id=sol.agent.id)
    sol.visit_done_days_ago(2)

    [widget] = _widgets(sol, sol.agent)

    assert "&lt;b&gt;Eve&lt;/b&gt;" in widget.html and "<b>Eve" not in widget.html


def test_the_widget_and_the_menu_entry_show_only_in_the_agency_with_the_plugin(sol, luna, login):
    sol.visit_done_days_ago(2)
    luna.visit_done_days_ago(2)

    sol_page = login(sol.agent).get("/").get_data(as_text=True)
    luna_page = login(luna.agent).get("/").get_data(as_text=True)

    assert "Debriefs owed" in sol_page and 'href="/visit-notes/"' in sol_page
    assert "Debriefs owed" not in luna_page and "/visit-notes/" not in luna_page
    assert _widgets(luna, luna.agent) == []
    assert call_hook(luna.agency, "crm_nav_items", user=luna.agent) == []
