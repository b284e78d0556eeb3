"""An agent corrects or deletes a call they logged by mistake; staff any of their agency's."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from realty_crm.extensions import db
from realty_crm.models import Activity, Call, Prospect
from realty_crm.testing.factories import form_token

from .conftest import FAR_PAST, store_raw


def _call_row(call_id: int) -> tuple | None:
    db.session.expire_all()
    row = db.session.execute(
        select(Call.occurred_at, Call.outcome, Call.duration_seconds, Call.summary).where(Call.id == call_id)
    ).first()
    return tuple(row) if row else None


def _timeline_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Activity))


def test_agent_corrects_their_call_through_the_api(api, make, office):
    call = make.call(office.agent, office.prospect, occurred_at="2025-03-01T10:00:00+01:00")
    call_id = call.id
    response = api(office.agent).patch(
        f"/api/v1/calls/{call_id}",
        json={"occurred_at": "2025-03-01T12:30:00+01:00", "outcome": "voicemail",
              "summary": "Left a message"},
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["occurred_at"].startswith("2025-03-01T11:30:00")
    assert (body["outcome"], body["summary"]) == ("voicemail", "Left a message")
    assert body["duration_seconds"] == 120
    db.session.expire_all()
    prospect = db.session.get(Prospect, office.prospect.id)
    assert prospect.last_contacted_at == datetime(2025, 3, 1, 11, 30, tzinfo=UTC)
    entry = db.session.scalars(select(Activity).order_by(Activity.id.desc())).first()
    assert entry.data["event"] == "corrected"
    assert entry.data["changes"]["outcome"] == ["answered", "voicemail"]


def test_agent_deletes_their_call_with_a_stored_time_at_year_one(api, make, office):
    call = make.call(office.agent, office.prospect)
    call_id = call.id
    store_raw("calls", "occurred_at", call_id, FAR_PAST)
    client = api(office.agent)
    assert client.delete(f"/api/v1/calls/{call_id}").status_code == 204
    assert _call_row(call_id) is None
    assert client.get(f"/api/v1/calls/{call_id}").status_code == 404
    db.session.expire_all()
    assert db.session.get(Prospect, office.prospect.id).last_contacted_at is None
    entry = db.session.scalars(select(Activity).order_by(Activity.id.desc())).first()
    assert entry.data["event"] == "deleted" and entry.data["occurred_at"].startswith("0001-01-01")


def test_agent_repairs_a_stored_time_at_year_one(api, make, office):
    call = make.call(office.agent, office.prospect)
    call_id = call.id
    store_raw("calls", "occurred_at", call_id, FAR_PAST)
    response = api(office.agent).patch(f"/api/v1/calls/{call_id}",
                                       json={"occurred_at": "2025-03-01T10:00:00Z"})
    assert response.status_code == 200, response.get_json()
    assert _call_row(call_id)[0] == datetime(2025, 3, 1, 10, tzinfo=UTC)


def test_manager_corrects_and_deletes_an_agents_call(api, make, office):
    call = make.call(office.agent, office.prospect)
    call_id = call.id
    client = api(office.manager)
    assert client.patch(f"/api/v1/calls/{call_id}", json={"duration_seconds": 30}).status_code == 200
    assert _call_row(call_id)[2] == 30
    assert client.delete(f"/api/v1/calls/{call_id}").status_code == 204
    assert _call_row(call_id) is None


@pytest.mark.parametrize("method", ["patch", "delete"])
def test_another_agents_call_is_forbidden_and_unchanged(api, make, office, method):
    call = make.call(office.agent, office.prospect)
    call_id = call.id
    before, entries = _call_row(call_id), _timeline_count()
    client = api(office.colleague)
    response = getattr(client, method)(f"/api/v1/calls/{call_id}", json={"summary": "Mine now"})
    assert response.status_code == 403
    assert _call_row(call_id) == before and _timeline_count() == entries


@pytest.mark.parametrize("method", ["patch", "delete"])
def test_another_agencys_call_is_not_found_and_unchanged(api, make, office, method):
    call = make.call(office.agent, office.prospect)
    call_id = call.id
    outsider = make.user(make.agency("Casas Luna"), "admin")
    before, entries = _call_row(call_id), _timeline_count()
    response = getattr(api(outsider), method)(f"/api/v1/calls/{call_id}", json={"summary": "Mine now"})
    assert response.status_code == 404
    assert _call_row(call_id) == before and _timeline_count() == entries


@pytest.mark.parametrize("body, field", [
    ({"occurred_at": "0001-01-01T00:00:00Z"}, "occurred_at"),
    ({"occurred_at": "9999-12-31T23:59:59-14:00"}, "occurred_at"),
    ({"occurred_at": "2999-01-01T00:00:00Z"}, "occurred_at"),
    ({"occurred_at": None}, "occurred_at"),
    ({"outcome": "shouted"}, "outcome"),
    ({"duration_seconds": -1}, "duration_seconds"),
    ({"summary": "nul\x00byte"}, "summary"),
    ({"agent_id": 2}, "agent_id"),
])
def test_a_bad_correction_is_refused_and_changes_nothing(api, make, office, body, field):
    call = make.call(office.agent, office.prospect)
    call_id = call.id
    before, entries = _call_row(call_id), _timeline_count()
    response = api(office.agent).patch(f"/api/v1/calls/{call_id}", json=body)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["details"]
    assert _call_row(call_id) == before and _timeline_count() == entries


def test_agent_corrects_their_call_on_the_prospect_page(login, make, office):
    call = make.call(office.agent, office.prospect, duration_seconds=95)
    call_id = call.id
    client = login(office.agent)
    page = client.get(f"/prospects/{office.prospect.id}").get_data(as_text=True)
    edit_url = f"/prospects/{office.prospect.id}/calls/{call_id}/edit"
    assert edit_url in page
    form = client.get(edit_url).get_data(as_text=True)
    assert "Correct a call with" in form and "Delete the call" in form
    response = client.post(edit_url, data={
        "csrf_token": form_token(client, edit_url), "occurred_at": "2025-03-01T10:00",
        "direction": "inbound", "outcome": "busy", "duration_minutes": "1", "summary": "Busy line",
    })
    assert response.status_code == 302
    occurred_at, outcome, seconds, summary = _call_row(call_id)
    # typed in the agency's zone (Madrid, UTC+1 in March); the untouched minute keeps its seconds
    assert occurred_at == datetime(2025, 3, 1, 9, tzinfo=UTC)
    assert (outcome.value, seconds, summary) == ("busy", 95, "Busy line")
    page = client.get(f"/prospects/{office.prospect.id}").get_data(as_text=True)
    assert "Call corrected" in page


def test_an_out_of_range_time_on_the_page_is_refused_with_a_message(login, make, office):
    call = make.call(office.agent, office.prospect)
    call_id = call.id
    client = login(office.agent)
    edit_url = f"/prospects/{office.prospect.id}/calls/{call_id}/edit"
    before, entries = _call_row(call_id), _timeline_count()
    response = client.post(edit_url, data={
        "csrf_token": form_token(client, edit_url), "occurred_at": "1899-12-31T23:00",
        "direction": "inbound", "outcome": "busy", "duration_minutes": "2", "summary": "x",
    })
    assert response.status_code == 422
    assert "Give a date and time between 1900-01-01 and 2199-12-31 (UTC)." in response.get_data(as_text=True)
    assert _call_row(call_id) == before and _timeline_count() == entries


def test_deleting_on_the_page_needs_the_confirmation(login, make, office):
    call = make.call(office.agent, office.prospect)
    call_id = call.id
    store_raw("calls", "occurred_at", call_id, FAR_PAST)
    client = login(office.agent)
    edit_url = f"/prospects/{office.prospect.id}/calls/{call_id}/edit"
    delete_url = f"/prospects/{office.prospect.id}/calls/{call_id}/delete"
    form = client.get(edit_url)
    assert form.status_code == 200
    assert "outside the dates the app accepts" in form.get_data(as_text=True)
    unconfirmed = client.post(delete_url, data={"csrf_token": form_token(client, edit_url)})
    assert unconfirmed.status_code == 422 and "Tick the box to confirm." in unconfirmed.get_data(as_text=True)
    assert _call_row(call_id) is not None
    confirmed = client.post(delete_url, data={"csrf_token": form_token(client, edit_url), "confirm": "y"})
    assert confirmed.status_code == 302
    assert _call_row(call_id) is None
    page = client.get(f"/prospects/{office.prospect.id}").get_data(as_text=True)
    assert re.search(r"Call of .* deleted\.", page)


def test_a_colleague_sees_no_link_and_cannot_open_the_form(login, make, office):
    call = make.call(office.agent, office.prospect)
    call_id = call.id
    office.prospect.assigned_agent_id = None
    db.session.commit()
    client = login(office.colleague)
    edit_url = f"/prospects/{office.prospect.id}/calls/{call_id}/edit"
    assert client.get(edit_url).status_code == 403
    assert _call_row(call_id) is not None


def test_the_correction_page_and_its_refusal_speak_spanish(login, make, office):
    office.agent.locale = "es"
    db.session.commit()
    call_id = make.call(office.agent, office.prospect).id
    client = login(office.agent)
    edit_url = f"/prospects/{office.prospect.id}/calls/{call_id}/edit"
    page = client.get(edit_url).get_data(as_text=True)
    assert "Corregir una llamada con" in page and "Eliminar la llamada" in page
    response = client.post(edit_url, data={
        "csrf_token": form_token(client, edit_url), "occurred_at": "0001-01-01T00:00",
        "direction": "inbound", "outcome": "busy", "duration_minutes": "2", "summary": "x",
    })
    assert response.status_code == 422
    assert "Indica una fecha y hora entre 1900-01-01 y 2199-12-31 (UTC)." in response.get_data(as_text=True)
