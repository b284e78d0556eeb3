"""Visit pages: booking from each entry point, times across DST, clashes, bad input, the lifecycle,
the list with its filters, and who may open what."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from realty_crm import tenancy
from realty_crm.extensions import db
from realty_crm.models import Visit, VisitStatus, utcnow

MADRID = ZoneInfo("Europe/Madrid")
NOT_STARTED = "The visit has not started yet: record how it went once it has."


def _visits(agency_id: int) -> list[Visit]:
    db.session.expire_all()
    with tenancy.scope(agency_id):
        return list(db.session.scalars(select(Visit).order_by(Visit.id)))


def _count(agency_id: int) -> int:
    with tenancy.scope(agency_id):
        return db.session.scalar(select(func.count()).select_from(Visit))


def _reload(visit: Visit) -> Visit:
    db.session.expire_all()
    with tenancy.scope(visit.agency_id):
        return db.session.scalars(select(Visit).where(Visit.id == visit.id)).one()


def _form(day: date, start: str = "10:00", minutes: int | str = 60, **fields) -> dict:
    return {"day": day.isoformat(), "start": start, "duration_minutes": str(minutes), **fields}


def _selected(page: str, name: str) -> str | None:
    """The value of the selected option of the select ``name``."""
    select_html = re.search(rf'<select[^>]*name="{name}".*?</select>', page, re.S)
    assert select_html, name
    chosen = re.search(r'<option selected value="([^"]*)"', select_html.group(0))
    return chosen.group(1) if chosen else None


def _text(html: str) -> str:
    """What a reader sees of some HTML: the tags (and their attributes) dropped."""
    return re.sub(r"<[^>]+>", "", html)


def _errors(page: str) -> list[str]:
    return re.findall(r'<p class="error"[^>]*>([^<]*)</p>', page)


def _last_sunday(month: int) -> date:
    """The next last Sunday of ``month`` still ahead (when Europe/Madrid changes its clocks)."""
    year = utcnow().year
    while True:
        day = date(year, month + 1, 1) - timedelta(days=1)
        day -= timedelta(days=(day.weekday() - 6) % 7)
        if day > utcnow().date() + timedelta(days=1):
            return day
        year += 1


# --- booking from each entry point ----------------------------------------------------------


def test_agent_books_from_the_prospect_page(team, listing, login, post, at):
    client = login(team.agent)
    page = client.get(f"/prospects/{listing.carla.id}").get_data(as_text=True)
    link = f"/visits/new?prospect_id={listing.carla.id}"
    assert f'href="{link}"' in page
    form = client.get(link).get_data(as_text=True)
    assert _selected(form, "prospect_id") == str(listing.carla.id)
    assert 'name="agent_id"' not in form  # agents book for themselves
    response = post(client, link, _form(at(10).date(), property_id=listing.flat.id,
                                        prospect_id=listing.carla.id))
    assert response.status_code == 302
    [visit] = _visits(team.agency.id)
    assert response.headers["Location"] == f"/visits/{visit.id}"
    assert (visit.agent_id, visit.property_id) == (team.agent.id, listing.flat.id)
    assert visit.prospect_id == listing.carla.id
    assert visit.starts_at == at(10) and visit.ends_at == at(11)


def test_agent_books_from_the_property_page(team, listing, login, post, at):
    client = login(team.agent)
    page = client.get(f"/properties/{listing.house.id}").get_data(as_text=True)
    link = f"/visits/new?property_id={listing.house.id}"
    assert f'href="{link}"' in page
    form = client.get(link).get_data(as_text=True)
    assert _selected(form, "property_id") == str(listing.house.id)
    # the agent's own prospects are offered, not the colleague's
    assert "Carla Cruz" in form and "Dan Diaz" not in form
    response = post(client, link, _form(at(16).date(), "16:30", 45, property_id=listing.house.id,
                                        prospect_id=listing.carla.id))
    assert response.status_code == 302
    [visit] = _visits(team.agency.id)
    assert visit.property_id == listing.house.id and visit.starts_at == at(16, 30)
    assert visit.ends_at - visit.starts_at == timedelta(minutes=45)


def test_duration_defaults_to_the_agency_setting(team, listing, login):
    form = login(team.agent).get(f"/visits/new?prospect_id={listing.carla.id}").get_data(as_text=True)
    minutes = team.agency.default_visit_minutes
    assert re.search(rf'name="duration_minutes"[^>]*value="{minutes}"', form)


def test_manager_books_for_an_agent(team, listing, login, post, at):
    client = login(team.manager)
    form = client.get(f"/visits/new?prospect_id={listing.dan.id}").get_data(as_text=True)
    # the prospect's agent is proposed
    assert _selected(form, "agent_id") == str(team.colleague.id)
    response = post(client, "/visits/new", _form(at(12).date(), "12:00", property_id=listing.flat.id,
                                                 prospect_id=listing.dan.id, agent_id=team.agent.id))
    assert response.status_code == 302
    [visit] = _visits(team.agency.id)
    assert visit.agent_id == team.agent.id


def test_an_agent_cannot_book_for_a_colleague(team, listing, login, post, at):
    client = login(team.agent)
    response = post(client, "/visits/new", _form(at(12).date(), property_id=listing.flat.id,
                                                 prospect_id=listing.carla.id, agent_id=team.colleague.id))
    assert response.status_code == 302
    [visit] = _visits(team.agency.id)
    assert visit.agent_id == team.agent.id


@pytest.mark.parametrize(("month", "utc_hour"), [(3, 8), (10, 9)])
def test_ten_oclock_in_madrid_is_right_on_the_days_the_clocks_change(team, listing, login, post, month,
                                                                     utc_hour):
    day = _last_sunday(month)
    client = login(team.agent)
    response = post(client, "/visits/new", _form(day, "10:00", 60, property_id=listing.flat.id,
                                                 prospect_id=listing.carla.id))
    assert response.status_code == 302, _errors(client.get("/visits/new").get_data(as_text=True))
    [visit] = _visits(team.agency.id)
    assert visit.starts_at == datetime(day.year, day.month, day.day, utc_hour, tzinfo=UTC)
    assert visit.ends_at - visit.starts_at == timedelta(hours=1)
    page = client.get(f"/visits/{visit.id}").get_data(as_text=True)
    shown = _text(page.split('<dd class="when">')[1].split("</dd>")[0])
    assert "10:00" in shown and "11:00" in shown and f"{utc_hour}:00" not in shown
    # the reschedule form shows the same local time back
    assert 'value="10:00"' in page and f'value="{day.isoformat()}"' in page


def test_a_time_the_clocks_skip_is_refused(team, listing, login, post):
    day = _last_sunday(3)
    client = login(team.agent)
    response = post(client, "/visits/new", _form(day, "02:30", property_id=listing.flat.id,
                                                 prospect_id=listing.carla.id))
    assert response.status_code == 422
    assert any("does not exist" in error for error in _errors(response.get_data(as_text=True)))
    assert _count(team.agency.id) == 0


def test_times_follow_the_users_own_time_zone(team, listing, login, post, at):
    client = login(team.agent)
    post(client, "/settings/profile", {"name": "Alba Agent", "phone": "", "locale": "",
                                       "timezone": "America/New_York"})
    day = at(10).date()
    response = post(client, "/visits/new", _form(day, "10:00", property_id=listing.flat.id,
                                                 prospect_id=listing.carla.id))
    assert response.status_code == 302
    [visit] = _visits(team.agency.id)
    assert visit.starts_at == datetime(day.year, day.month, day.day, 10, tzinfo=ZoneInfo("America/New_York"))


# --- clashes and bad input ------------------------------------------------------------------


def test_a_clash_is_a_form_error_naming_it_and_nothing_is_saved(team, listing, login, post, book, at):
    book(team.agent, listing.flat, listing.carla, at(10))
    client = login(team.agent)
    response = post(client, "/visits/new", _form(at(10).date(), "10:30", property_id=listing.house.id,
                                                 prospect_id=listing.carla.id))
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    [error] = _errors(page)
    assert error.startswith("Clashes with the visit of Carla Cruz on ")
    assert error.endswith("(MAD-001, Alba Agent).") and error.count("Alba Agent") == 1
    assert _count(team.agency.id) == 1
    # the form keeps what was typed
    assert _selected(page, "property_id") == str(listing.house.id)
    assert 'value="10:30"' in page


def test_a_property_already_shown_then_is_a_clash_too(team, listing, login, post, book, at):
    book(team.colleague, listing.flat, listing.dan, at(10))
    data = _form(at(10).date(), "10:15", property_id=listing.flat.id, prospect_id=listing.carla.id)
    response = post(login(team.agent), "/visits/new", data)
    assert response.status_code == 409
    [error] = _errors(response.get_data(as_text=True))
    # Dan is the colleague's prospect: the agent is told of the clash without his name
    assert error.startswith("Clashes with another visit on ")
    assert error.endswith("(MAD-001, Carlos Colleague).")
    assert "Dan" not in response.get_data(as_text=True)
    assert _count(team.agency.id) == 1


def test_a_manager_is_told_whose_visit_the_property_clash_is(team, listing, login, post, book, at):
    book(team.colleague, listing.flat, listing.dan, at(10))
    data = _form(at(10).date(), "10:15", property_id=listing.flat.id, prospect_id=listing.carla.id)
    response = post(login(team.manager), "/visits/new", data)
    assert response.status_code == 409
    [error] = _errors(response.get_data(as_text=True))
    assert error.startswith("Clashes with the visit of Dan Diaz on ")
    assert error.endswith("(MAD-001, Carlos Colleague).")
    assert _count(team.agency.id) == 1


def test_a_cancelled_visit_does_not_block_its_slot(team, listing, login, post, book, at):
    visit = book(team.agent, listing.flat, listing.carla, at(10))
    client = login(team.agent)
    post(client, f"/visits/{visit.id}/cancel", {"cancel_reason": "Prospect ill"})
    response = post(client, "/visits/new", _form(at(10).date(), property_id=listing.flat.id,
                                                 prospect_id=listing.carla.id))
    assert response.status_code == 302
    assert _count(team.agency.id) == 2


@pytest.mark.parametrize(
    ("fields", "field_error"),
    [
        ({"duration_minutes": "0"}, "duration"),
        ({"duration_minutes": "-30"}, "duration"),  # ends before it starts
        ({"duration_minutes": "1440"}, "duration"),  # 24 hours
        ({"duration_minutes": "abc"}, "duration"),
        ({"duration_minutes": ""}, "duration"),
        ({"day": ""}, "day"),
        ({"day": "2027-02-30"}, "day"),
        ({"day": "0001-01-01"}, "day"),
        ({"day": "9999-12-31"}, "day"),
        ({"start": ""}, "start"),
        ({"start": "25:00"}, "start"),
        ({"day": "2020-01-15"}, "start"),  # in the past
        ({"property_id": ""}, "property_id"),
        ({"prospect_id": ""}, "prospect_id"),
        ({"property_id": "abc"}, "property_id"),
        ({"property_id": "999999"}, "property_id"),
        ({"prospect_id": "2147483648"}, "prospect_id"),
        ({"property_id": "99999999999999999999"}, "property_id"),
        ({"duration_minutes": "99999999999999999999"}, "duration"),
    ],
)
def test_bad_input_gets_an_error_next_to_the_field_and_saves_nothing(team, listing, login, post, at, fields,
                                                                     field_error):
    data = _form(at(10).date(), property_id=listing.flat.id, prospect_id=listing.carla.id)
    data.update(fields)
    response = post(login(team.agent), "/visits/new", data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert re.search(rf'<p class="error" id="{field_error}[^"]*-error">', page), _errors(page)
    assert _count(team.agency.id) == 0


def test_a_past_date_for_a_scheduled_visit_is_refused(team, listing, login, post):
    yesterday = (utcnow() - timedelta(days=1)).astimezone(MADRID).date()
    response = post(login(team.agent), "/visits/new", _form(yesterday, property_id=listing.flat.id,
                                                            prospect_id=listing.carla.id))
    assert response.status_code == 422
    assert "A visit in the past can only be logged as done." in _errors(response.get_data(as_text=True))
    assert 'name="already_done"' in response.get_data(as_text=True)
    assert _count(team.agency.id) == 0


def test_a_past_visit_is_logged_as_done_from_the_booking_form(team, listing, login, post):
    yesterday = (utcnow() - timedelta(days=1)).astimezone(MADRID).date()
    client = login(team.agent)
    response = post(client, "/visits/new", _form(yesterday, property_id=listing.flat.id,
                                                 prospect_id=listing.carla.id, already_done="y"))
    assert response.status_code == 302
    (visit,) = _visits(team.agency.id)
    assert visit.status == VisitStatus.DONE
    assert visit.starts_at.astimezone(MADRID).date() == yesterday
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Visit logged as done." in page and f'action="/visits/{visit.id}/outcome"' in page


def test_a_future_visit_cannot_be_logged_as_done_from_the_booking_form(team, listing, login, post, at):
    response = post(login(team.agent), "/visits/new", _form(at(10).date(), property_id=listing.flat.id,
                                                            prospect_id=listing.carla.id, already_done="y"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert re.search(r'<p class="error" id="already_done-error">The visit has not started yet', page)
    assert _count(team.agency.id) == 0


def test_another_agencys_records_are_not_found(team, listing, make, login, post, at):
    foreign_prop = make.property(team.outsider, reference="LUNA-1")
    foreign_prospect = make.prospect(team.outsider, first_name="Foreign")
    client = login(team.agent)
    assert client.get(f"/visits/new?prospect_id={foreign_prospect.id}").status_code == 404
    assert client.get(f"/visits/new?property_id={foreign_prop.id}").status_code == 404
    assert client.get("/visits/new?property_id=999999").status_code == 404
    assert client.get("/visits/new?prospect_id=abc").status_code == 404
    response = post(client, "/visits/new", _form(at(10).date(), property_id=foreign_prop.id,
                                                 prospect_id=listing.carla.id))
    assert response.status_code == 422
    assert "Nothing with this id in the agency." in _errors(response.get_data(as_text=True))
    assert "LUNA-1" not in response.get_data(as_text=True)
    assert _count(team.agency.id) == 0 and _count(team.other_agency.id) == 0


def test_manager_cannot_book_for_an_agent_of_another_agency(team, listing, login, post, at):
    client = login(team.manager)
    assert client.get(f"/visits/new?agent_id={team.outsider.id}").status_code == 404
    response = post(client, "/visits/new", _form(at(10).date(), property_id=listing.flat.id,
                                                 prospect_id=listing.carla.id, agent_id=team.outsider.id))
    assert response.status_code == 422
    assert _count(team.agency.id) == 0


def test_agent_cannot_book_for_a_colleagues_prospect(team, listing, login, post, at):
    client = login(team.agent)
    assert client.get(f"/visits/new?prospect_id={listing.dan.id}").status_code == 403
    response = post(client, "/visits/new", _form(at(10).date(), property_id=listing.flat.id,
                                                 prospect_id=listing.dan.id))
    assert response.status_code == 422
    assert "Dan Diaz" not in response.get_data(as_text=True)
    assert _count(team.agency.id) == 0


def test_an_off_market_property_cannot_be_booked(team, listing, make, login, post, at):
    sold = make.property(team.manager, reference="SOLD-1", status="sold")
    client = login(team.agent)
    assert "/visits/new?property_id" not in client.get(f"/properties/{sold.id}").get_data(as_text=True)
    data = _form(at(10).date(), property_id=sold.id, prospect_id=listing.carla.id)
    response = post(client, "/visits/new", data)
    assert response.status_code == 422
    assert "This property is no longer on the market." in _errors(response.get_data(as_text=True))


def test_booking_needs_the_csrf_token(team, listing, login, at):
    response = login(team.agent).post("/visits/new", data=_form(at(10).date(), property_id=listing.flat.id,
                                                                 prospect_id=listing.carla.id))
    assert response.status_code == 400
    assert _count(team.agency.id) == 0


def test_names_are_escaped_in_the_pickers(team, make, login):
    make.prospect(team.manager, first_name="<script>x</script>", assigned_agent_id=team.agent.id)
    make.property(team.manager, reference="XSS-1", title="<b>Bold</b> flat")
    page = login(team.agent).get("/visits/new").get_data(as_text=True)
    assert "<script>x</script>" not in page and "&lt;script&gt;" in page
    assert "<b>Bold</b>" not in page


def test_rtl_and_emoji_names_book_fine(team, make, listing, login, post, at):
    prospect = make.prospect(team.manager, first_name="مريم 🏠", assigned_agent_id=team.agent.id)
    client = login(team.agent)
    response = post(client, "/visits/new", _form(at(9).date(), "09:00", property_id=listing.flat.id,
                                                 prospect_id=prospect.id))
    assert response.status_code == 302
    assert "مريم 🏠" in client.get(response.headers["Location"]).get_data(as_text=True)


# --- the visit page and its lifecycle -------------------------------------------------------


def test_visit_page_shows_its_facts_and_links(team, listing, login, book, at):
    visit = book(team.agent, listing.flat, listing.carla, at(10))
    page = login(team.agent).get(f"/visits/{visit.id}").get_data(as_text=True)
    assert f'href="/prospects/{listing.carla.id}"' in page and "Carla Cruz" in page
    assert f'href="/properties/{listing.flat.id}"' in page and "Flat in Chamberí" in page
    assert "Alba Agent" in page and "10:00" in page and "60 min" in page
    assert f'href="/prospects/{listing.carla.id}#log-call"' in page


def test_agent_confirms_a_visit(team, listing, login, post, book, at):
    visit = book(team.agent, listing.flat, listing.carla, at(10))
    client = login(team.agent)
    assert f'action="/visits/{visit.id}/confirm"' in client.get(f"/visits/{visit.id}").get_data(as_text=True)
    response = post(client, f"/visits/{visit.id}/confirm")
    assert response.status_code == 302
    assert _reload(visit).status == VisitStatus.CONFIRMED
    page = client.get(f"/visits/{visit.id}").get_data(as_text=True)
    assert f'action="/visits/{visit.id}/confirm"' not in page


def test_reschedule_moves_the_visit(team, listing, login, post, book, at):
    visit = book(team.agent, listing.flat, listing.carla, at(10))
    client = login(team.agent)
    response = post(client, f"/visits/{visit.id}/reschedule", _form(at(10).date(), "17:00", 30))
    assert response.status_code == 302
    moved = _reload(visit)
    assert moved.starts_at == at(17) and moved.ends_at == at(17, 30)


def test_reschedule_onto_a_busy_slot_is_refused_and_nothing_changes(team, listing, login, post, book, at):
    book(team.agent, listing.house, listing.carla, at(15))
    visit = book(team.agent, listing.flat, listing.carla, at(10))
    response = post(login(team.agent), f"/visits/{visit.id}/reschedule", _form(at(10).date(), "15:30", 60))
    assert response.status_code == 409
    assert any("Clashes with the visit" in error and "MAD-002" in error
               for error in _errors(response.get_data(as_text=True)))
    assert _reload(visit).starts_at == at(10)


@pytest.mark.parametrize(("fields", "field"), [({"duration_minutes": "0"}, "duration_minutes"),
                                                ({"day": "2020-01-01"}, "start"),
                                                ({"start": ""}, "start")])
def test_reschedule_refuses_bad_input(team, listing, login, post, book, at, fields, field):
    visit = book(team.agent, listing.flat, listing.carla, at(10))
    data = _form(at(10).date(), "11:00", 60)
    data.update(fields)
    response = post(login(team.agent), f"/visits/{visit.id}/reschedule", data)
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert _reload(visit).starts_at == at(10)


def test_manager_gives_the_visit_to_another_agent(team, listing, login, post, book, at):
    visit = book(team.agent, listing.flat, listing.carla, at(10))
    response = post(login(team.manager), f"/visits/{visit.id}/reschedule",
                    _form(at(10).date(), "10:00", 60, agent_id=team.colleague.id))
    assert response.status_code == 302
    assert _reload(visit).agent_id == team.colleague.id


def test_cancel_needs_a_reason(team, listing, login, post, book, at):
    visit = book(team.agent, listing.flat, listing.carla, at(10))
    client = login(team.agent)
    response = post(client, f"/visits/{visit.id}/cancel", {"cancel_reason": "   "})
    assert response.status_code == 422
    assert "Say why the visit is cancelled." in response.get_data(as_text=True)
    assert 'id="cancel_reason-error"' in response.get_data(as_text=True)
    assert _reload(visit).status == VisitStatus.SCHEDULED
    response = post(client, f"/visits/{visit.id}/cancel", {"cancel_reason": "Found another flat"})
    assert response.status_code == 302
    cancelled = _reload(visit)
    assert cancelled.status == VisitStatus.CANCELLED and cancelled.cancel_reason == "Found another flat"
    page = client.get(f"/visits/{visit.id}").get_data(as_text=True)
    assert "Found another flat" in page and "/reschedule" not in page


def test_done_records_feedback_and_interest(team, listing, login, post, book):
    visit = book(team.agent, listing.flat, listing.carla, utcnow() - timedelta(minutes=10))
    client = login(team.agent)
    page = client.get(f"/visits/{visit.id}").get_data(as_text=True)
    assert f'action="/visits/{visit.id}/outcome"' in page and 'name="rating"' in page
    response = post(client, f"/visits/{visit.id}/outcome", {"feedback": "Loved the light", "rating": "4"})
    assert response.status_code == 302
    done = _reload(visit)
    assert (done.status, done.feedback, done.rating) == (VisitStatus.DONE, "Loved the light", 4)
    page = client.get(f"/visits/{visit.id}").get_data(as_text=True)
    assert "4 of 5" in page and "Loved the light" in page


@pytest.mark.parametrize("rating", ["0", "9", "-1", "abc", "4.5"])
def test_interest_rating_must_be_one_to_five(team, listing, login, post, book, rating):
    visit = book(team.agent, listing.flat, listing.carla, utcnow() - timedelta(minutes=10))
    response = post(login(team.agent), f"/visits/{visit.id}/outcome", {"feedback": "ok", "rating": rating})
    assert response.status_code == 422
    assert 'id="rating-error"' in response.get_data(as_text=True)
    unchanged = _reload(visit)
    assert unchanged.status == VisitStatus.SCHEDULED and unchanged.rating is None


def test_a_future_visit_cannot_be_marked_done_or_missed(team, listing, login, post, book, at):
    visit = book(team.agent, listing.flat, listing.carla, at(10))
    client = login(team.agent)
    page = client.get(f"/visits/{visit.id}").get_data(as_text=True)
    assert "/outcome" not in page and "/no-show" not in page
    for path, data in ((f"/visits/{visit.id}/outcome", {"rating": "3"}), (f"/visits/{visit.id}/no-show", {})):
        response = post(client, path, data)
        assert response.status_code == 422
        assert NOT_STARTED in response.get_data(as_text=True)
    assert _reload(visit).status == VisitStatus.SCHEDULED


def test_a_visit_starting_in_ten_minutes_cannot_get_an_outcome_yet(team, listing, login, post, book):
    visit = book(team.agent, listing.flat, listing.carla, utcnow() + timedelta(minutes=10))
    client = login(team.agent)
    page = client.get(f"/visits/{visit.id}").get_data(as_text=True)
    assert "/outcome" not in page and "/no-show" not in page
    assert "Once the visit has started you can record how it went here." in page
    for path, data in ((f"/visits/{visit.id}/outcome", {"feedback": "Great", "rating": "5"}),
                       (f"/visits/{visit.id}/no-show", {})):
        response = post(client, path, data)
        assert response.status_code == 422
        assert NOT_STARTED in response.get_data(as_text=True)
    unchanged = _reload(visit)
    assert (unchanged.status, unchanged.feedback, unchanged.rating) == (VisitStatus.SCHEDULED, None, None)


def test_agent_marks_a_no_show(team, listing, login, post, book):
    visit = book(team.agent, listing.flat, listing.carla, utcnow() - timedelta(minutes=5))
    response = post(login(team.agent), f"/visits/{visit.id}/no-show")
    assert response.status_code == 302
    assert _reload(visit).status == VisitStatus.NO_SHOW


def test_a_finished_visit_offers_no_more_steps(team, listing, login, post, book):
    visit = book(team.agent, listing.flat, listing.carla, utcnow() - timedelta(minutes=5))
    client = login(team.agent)
    post(client, f"/visits/{visit.id}/no-show")
    page = client.get(f"/visits/{visit.id}").get_data(as_text=True)
    assert "/confirm" not in page and "/reschedule" not in page and "/cancel" not in page
    response = post(client, f"/visits/{visit.id}/confirm")
    assert response.status_code == 422
    assert _reload(visit).status == VisitStatus.NO_SHOW


def test_lifecycle_posts_need_the_csrf_token(team, listing, login, book, at):
    visit = book(team.agent, listing.flat, listing.carla, at(10))
    client = login(team.agent)
    for step in ("confirm", "cancel", "reschedule", "outcome", "no-show"):
        assert client.post(f"/visits/{visit.id}/{step}", data={"cancel_reason": "x"}).status_code == 400
    assert _reload(visit).status == VisitStatus.SCHEDULED


def test_agent_cannot_open_or_change_a_colleagues_visit(team, listing, login, post, book, at):
    visit = book(team.colleague, listing.flat, listing.dan, at(10))
    client = login(team.agent)
    assert client.get(f"/visits/{visit.id}").status_code == 403
    assert post(client, f"/visits/{visit.id}/confirm", page="/visits").status_code == 403
    assert post(client, f"/visits/{visit.id}/cancel", {"cancel_reason": "x"}).status_code == 403
    assert _reload(visit).status == VisitStatus.SCHEDULED
    assert login(team.manager).get(f"/visits/{visit.id}").status_code == 200


def test_another_agencys_visit_is_not_found(team, listing, make, login, post, book, at):
    prop = make.property(team.outsider)
    prospect = make.prospect(team.outsider)
    visit = book(team.outsider, prop, prospect, at(10))
    client = login(team.admin)
    assert client.get(f"/visits/{visit.id}").status_code == 404
    assert post(client, f"/visits/{visit.id}/confirm", page="/visits").status_code == 404
    assert client.get("/visits/2147483648").status_code == 404


# --- the list -------------------------------------------------------------------------------


def _rows(page: str) -> int:
    body = page.split("<tbody>")[1].split("</tbody>")[0] if "<tbody>" in page else ""
    return body.count("<tr>")


def test_agents_see_only_their_own_visits(team, listing, login, book, at):
    book(team.agent, listing.flat, listing.carla, at(10))
    book(team.colleague, listing.house, listing.dan, at(10))
    page = login(team.agent).get("/visits").get_data(as_text=True)
    assert "Carla Cruz" in page and "Dan Diaz" not in page
    assert 'name="agent"' not in page
    staff = login(team.manager).get("/visits").get_data(as_text=True)
    assert "Carla Cruz" in staff and "Dan Diaz" in staff


def test_list_filters_by_agent_status_dates_property_and_prospect(team, listing, login, post, book, at):
    first = book(team.agent, listing.flat, listing.carla, at(10))
    book(team.colleague, listing.house, listing.dan, at(10))
    book(team.agent, listing.house, listing.carla, at(10) + timedelta(days=3))
    client = login(team.manager)
    post(client, f"/visits/{first.id}/confirm", page="/visits")
    day = at(10).date()
    assert _rows(client.get(f"/visits?agent={team.agent.id}").get_data(as_text=True)) == 2
    assert _rows(client.get("/visits?status=confirmed").get_data(as_text=True)) == 1
    assert _rows(client.get(f"/visits?date_from={day}&date_to={day}").get_data(as_text=True)) == 2
    later = (day + timedelta(days=1)).isoformat()
    assert _rows(client.get(f"/visits?date_from={later}").get_data(as_text=True)) == 1
    assert _rows(client.get(f"/visits?property_id={listing.house.id}").get_data(as_text=True)) == 2
    page = client.get(f"/visits?prospect_id={listing.dan.id}").get_data(as_text=True)
    assert _rows(page) == 1 and "Dan Diaz" in page


def test_list_filters_by_a_typed_property_reference_and_prospect_name(team, listing, login, book, at):
    book(team.agent, listing.flat, listing.carla, at(10))
    book(team.colleague, listing.house, listing.dan, at(10))
    client = login(team.manager)
    page = client.get("/visits?property=mad-002").get_data(as_text=True)
    assert _rows(page) == 1 and "Dan Diaz" in page and 'value="mad-002"' in page
    page = client.get("/visits", query_string={"prospect": "carla"}).get_data(as_text=True)
    assert _rows(page) == 1 and "Carla Cruz" in page and 'data-picker="/pick/prospects"' in page
    assert 'name="property_id"' in page and "Property number" not in page and "Prospect number" not in page
    for query, message in (({"prospect": "Nadie"}, "No prospect matches “Nadie”."),
                           ({"property": "NOPE-1"}, "No property has the reference “NOPE-1”.")):
        page = client.get("/visits", query_string=query).get_data(as_text=True)
        assert _rows(page) == 0 and message in page


def test_an_agent_cannot_filter_by_a_colleagues_prospect(team, listing, login, book, at):
    book(team.colleague, listing.house, listing.dan, at(10))
    page = login(team.agent).get("/visits", query_string={"prospect": "Dan Diaz"}).get_data(as_text=True)
    assert "No prospect matches “Dan Diaz”." in page and _rows(page) == 0


def test_list_filter_junk_is_an_error_not_a_crash(team, listing, make, login, book, at):
    book(team.agent, listing.flat, listing.carla, at(10))
    foreign = make.property(team.outsider)
    client = login(team.manager)
    for query in ("status=nope", "date_from=yesterday", "agent=abc", "property_id=x", "page=-3", "page=zz",
                  "date_from=0001-01-01", "date_to=9999-12-31", "prospect_id=99999999999999999999"):
        response = client.get(f"/visits?{query}")
        assert response.status_code == 200, query
    page = client.get(f"/visits?property_id={foreign.id}").get_data(as_text=True)
    assert "Nothing with this number in the agency." in page and _rows(page) == 0
    page = client.get("/visits?date_from=2030-01-10&date_to=2030-01-01").get_data(as_text=True)
    assert "The end is before the start." in page


def test_list_is_paginated(team, listing, login, book, at):
    for n in range(27):
        book(team.agent, listing.flat, listing.carla, at(8) + timedelta(hours=n))
    client = login(team.agent)
    first = client.get("/visits").get_data(as_text=True)
    assert _rows(first) == 25 and "27 visits" in first and 'rel="next"' in first
    second = client.get("/visits?page=2").get_data(as_text=True)
    assert _rows(second) == 2 and 'rel="prev"' in second
    assert "past the end" in client.get("/visits?page=9").get_data(as_text=True)


def test_other_agencys_visits_never_show_in_the_list(team, listing, make, login, book, at):
    prop = make.property(team.outsider, reference="LUNA-9")
    book(team.outsider, prop, make.prospect(team.outsider, first_name="Forastero"), at(10))
    page = login(team.admin).get("/visits").get_data(as_text=True)
    assert "LUNA-9" not in page and "Forastero" not in page
