"""The example plugin's page (/visit-notes/): who may open it, and writing a debrief there."""

from __future__ import annotations

import pytest
from flask import current_app
from realty_crm_visit_notes.models import RESOLVED_BY_FEEDBACK

from realty_crm.plugin_api import Visit, db
from realty_crm.testing.factories import form_token
from realty_crm.testing.plugin_tools import configure_plugin, enable_plugin

from .conftest import PLUGIN

PAGE = "/visit-notes/"
GOOD = "Loved the terrace; the second bedroom felt too small for them."


def _post(client, visit_id: int, feedback: str):
    token = form_token(client, PAGE)
    return client.post(f"/visit-notes/{visit_id}", data={"feedback": feedback, "csrf_token": token})


def _feedback(visit: Visit) -> str | None:
    db.session.expire_all()
    return db.session.get(Visit, visit.id).feedback


def test_the_admin_of_the_agency_with_the_plugin_sees_the_debriefs_owed(sol, login):
    sol.visit_done_days_ago(2)

    response = login(sol.admin).get(PAGE)

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Debriefs owed" in html and "Lucía Test" in html and "Flat of Pisos Sol" in html
    assert "overdue" in html  # owed since two days, the default limit is 24 hours


@pytest.mark.parametrize("who", ["admin", "manager", "agent"])
def test_the_page_is_not_found_in_an_agency_where_the_plugin_is_disabled(sol, luna, login, who):
    response = login(getattr(luna, who)).get(PAGE)

    assert response.status_code == 404


def test_the_page_is_gone_again_once_the_plugin_is_disabled(sol, login):
    browser = login(sol.agent)
    assert browser.get(PAGE).status_code == 200

    enable_plugin(sol.agency, PLUGIN, False)

    assert browser.get(PAGE).status_code == 404


def test_an_anonymous_visitor_is_sent_to_sign_in(sol, client):
    response = client.get(PAGE)

    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_an_agent_sees_only_their_own_debriefs(sol, login):
    sol.visit_done_days_ago(2)
    sol.visit_done_days_ago(3, agent=sol.colleague)

    mine = login(sol.agent).get(PAGE).get_data(as_text=True)
    everyone = login(sol.manager).get(PAGE).get_data(as_text=True)

    assert mine.count('class="card visit-notes-item') == 1
    assert everyone.count('class="card visit-notes-item') == 2


def test_the_page_links_the_plugins_own_stylesheet_which_is_served(sol, login):
    browser = login(sol.agent)

    html = browser.get(PAGE).get_data(as_text=True)
    css = browser.get("/visit-notes/static/visit_notes.css")

    assert 'href="/visit-notes/static/visit_notes.css"' in html
    assert css.status_code == 200 and b".visit-notes-overdue" in css.data


def test_writing_the_debrief_saves_the_feedback_on_the_visit_and_settles_it(sol, login, debriefs):
    visit = sol.visit_done_days_ago(2)
    browser = login(sol.agent)

    response = _post(browser, visit.id, GOOD)

    assert response.status_code == 302 and response.headers["Location"].endswith(PAGE)
    assert _feedback(visit) == GOOD
    [row] = debriefs()
    assert row.resolved_by == RESOLVED_BY_FEEDBACK and row.resolved_at is not None
    after = browser.get(PAGE).get_data(as_text=True)
    assert "Debrief saved." in after and "No debrief owed." in after


def test_feedback_written_on_the_visits_own_page_settles_the_debrief_too(sol, login, api):
    visit = sol.visit_done_days_ago(2)

    assert api(sol.agent).patch(f"/api/v1/visits/{visit.id}", json={"feedback": GOOD}).status_code == 200

    assert "No debrief owed." in login(sol.agent).get(PAGE).get_data(as_text=True)


@pytest.mark.parametrize("feedback, message", [
    ("", "Write at least 20 characters."),
    ("   too short   ", "Write at least 20 characters."),
    ("x" * 5001, "5000"),
    ("Nice flat, but\x01 the door", "control"),
])
def test_bad_feedback_is_refused_next_to_its_box_and_nothing_is_written(
    sol, login, debriefs, feedback, message
):
    visit = sol.visit_done_days_ago(2)
    browser = login(sol.agent)

    response = _post(browser, visit.id, feedback)

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="feedback-{visit.id}-error"' in html and message in html
    assert _feedback(visit) is None
    assert debriefs()[0].resolved_at is None


def test_unicode_feedback_is_kept_as_typed(sol, login):
    visit = sol.visit_done_days_ago(2)
    text = "שלום! Les encantó la luz 🌞 — <script>alert(1)</script>"

    assert _post(login(sol.agent), visit.id, text).status_code == 302

    assert _feedback(visit) == text


def test_an_agent_cannot_write_a_colleagues_debrief(sol, login, debriefs):
    visit = sol.visit_done_days_ago(2, agent=sol.colleague)

    response = _post(login(sol.agent), visit.id, GOOD)

    assert response.status_code == 403
    assert _feedback(visit) is None


def test_another_agencys_visit_is_not_found_even_with_the_plugin_enabled_there(sol, luna, login):
    enable_plugin(luna.agency, PLUGIN)
    foreign = sol.visit_done_days_ago(2)

    response = _post(login(luna.admin), foreign.id, GOOD)

    assert response.status_code == 404
    assert _feedback(foreign) is None


@pytest.mark.parametrize("visit_id", ["owes_nothing", 0, 2**31, 99999999])
def test_a_visit_that_owes_no_debrief_is_not_found(sol, login, visit_id):
    if visit_id == "owes_nothing":
        visit_id = sol.visit_done_days_ago(2, feedback=GOOD).id

    response = _post(login(sol.agent), visit_id, GOOD)

    assert response.status_code == 404


def test_a_post_without_the_form_token_is_refused(sol, login):
    visit = sol.visit_done_days_ago(2)

    response = login(sol.agent).post(f"/visit-notes/{visit.id}", data={"feedback": GOOD})

    assert response.status_code == 400
    assert _feedback(visit) is None


def test_the_app_can_override_the_plugins_template(sol, login, tmp_path):
    override = tmp_path / "visit_notes" / "page.html"
    override.parent.mkdir()
    override.write_text("<p>Our own debrief page: {{ results.total }} owed</p>")
    sol.visit_done_days_ago(2)
    # the app's templates/ folder comes before every blueprint's; here a stand-in for it
    current_app.jinja_loader.searchpath.insert(0, str(tmp_path))

    html = login(sol.agent).get(PAGE).get_data(as_text=True)

    assert html == "<p>Our own debrief page: 1 owed</p>"


def test_a_debrief_is_overdue_only_once_the_agencys_delay_has_passed(sol, login):
    sol.visit_just_done()
    browser = login(sol.agent)

    assert "badge overdue" not in browser.get(PAGE).get_data(as_text=True)

    configure_plugin(sol.agency, PLUGIN, {"overdue_after_hours": 1})
    sol.visit_done_days_ago(1)

    assert browser.get(PAGE).get_data(as_text=True).count("badge overdue") == 1
