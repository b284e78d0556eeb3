"""The prospect pages: list, search, filters, forms, the 360° page and its actions, role limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from realty_crm import tenancy
from realty_crm.extensions import db
from realty_crm.models import Activity, ActivityKind, Call, FollowUp, Prospect, utcnow


def _count_prospects(agency_id: int) -> int:
    with tenancy.scope(agency_id):
        return db.session.scalar(
            select(func.count()).select_from(Prospect).execution_options(include_deleted=True)
        )


def _reload(prospect: Prospect) -> Prospect:
    db.session.expire_all()
    with tenancy.scope(prospect.agency_id):
        return db.session.scalars(
            select(Prospect).where(Prospect.id == prospect.id).execution_options(include_deleted=True)
        ).one()


def _timeline(prospect: Prospect) -> list[Activity]:
    with tenancy.scope(prospect.agency_id):
        return list(
            db.session.scalars(
                select(Activity).where(Activity.prospect_id == prospect.id).order_by(Activity.id)
            )
        )


FORM = {
    "first_name": "Lucía",
    "last_name": "Martín",
    "email": "lucia@example.com",
    "phone": "600 123 456",
    "source": "portal",
    "source_detail": "Idealista",
    "status": "new",
    "lost_reason": "",
    "tags": "vip, investor",
    "operation": "buy",
    "property_types": ["flat", "penthouse"],
    "min_price": "200000",
    "max_price": "350000",
    "min_bedrooms": "2",
    "min_area_m2": "70",
    "areas": "Chamberí, Salamanca",
}


# --- pages and role limits -------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "manager", "agent"])
def test_each_role_opens_the_prospect_pages(team, make, login, role):
    user = getattr(team, role)
    prospect = make.prospect(team.agent)
    client = login(user)
    for path in (
        "/prospects",
        "/prospects/new",
        f"/prospects/{prospect.id}",
        f"/prospects/{prospect.id}/edit",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
    assert prospect.full_name in client.get("/prospects").get_data(as_text=True)


def test_anonymous_visitor_is_sent_to_login(team, make, client):
    prospect = make.prospect(team.agent)
    for path in ("/prospects", f"/prospects/{prospect.id}"):
        response = client.get(path)
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]


def test_agent_cannot_see_colleagues_prospect(team, make, login, post):
    theirs = make.prospect(team.colleague, first_name="Hidden")
    client = login(team.agent)
    assert client.get(f"/prospects/{theirs.id}").status_code == 403
    assert client.get(f"/prospects/{theirs.id}/edit").status_code == 403
    assert post(client, f"/prospects/{theirs.id}/notes", {"body": "hi"}, page="/prospects").status_code == 403
    assert "Hidden" not in client.get("/prospects").get_data(as_text=True)
    assert "Hidden" not in client.get("/prospects?q=hidden").get_data(as_text=True)


def test_agent_sees_unassigned_pool_only_when_agency_allows(team, make, login, post):
    pool = make.prospect(team.manager, first_name="Pooled")
    client = login(team.agent)
    assert client.get(f"/prospects/{pool.id}").status_code == 403
    admin = login(team.admin)
    post(
        admin,
        "/settings/agency",
        {
            "name": team.agency.name,
            "timezone": "Europe/Madrid",
            "locale": "en",
            "currency": "EUR",
            "agents_see_unassigned": "y",
            "default_visit_minutes": "45",
        },
    )
    assert client.get(f"/prospects/{pool.id}").status_code == 200
    assert "Pooled" in client.get("/prospects").get_data(as_text=True)


@pytest.mark.parametrize("role", ["admin", "manager"])
def test_staff_can_open_any_prospect_of_the_agency(team, make, login, role):
    theirs = make.prospect(team.colleague, first_name="Visible")
    client = login(getattr(team, role))
    assert client.get(f"/prospects/{theirs.id}").status_code == 200
    assert "Visible" in client.get("/prospects").get_data(as_text=True)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/prospects/{id}"),
        ("get", "/prospects/{id}/edit"),
        ("post", "/prospects/{id}/edit"),
        ("post", "/prospects/{id}/calls"),
        ("post", "/prospects/{id}/notes"),
        ("post", "/prospects/{id}/follow-ups"),
        ("post", "/prospects/{id}/follow-ups/{fu}/done"),
        ("post", "/prospects/{id}/follow-ups/{fu}/reopen"),
        ("post", "/prospects/{id}/assign"),
        ("post", "/prospects/{id}/delete"),
        ("get", "/prospects/{id}/erase"),
        ("post", "/prospects/{id}/erase"),
    ],
)
def test_another_agencys_prospect_is_not_found(team, make, login, post, method, path):
    foreign = make.prospect(team.outsider)
    follow_up = make.follow_up(team.outsider, foreign)
    client = login(team.admin)
    url = path.format(id=foreign.id, fu=follow_up.id)
    if method == "get":
        response = client.get(url)
    else:
        response = post(client, url, {"body": "x", "agent_id": "", "confirm": "y"}, page="/prospects")
    assert response.status_code == 404
    assert _reload(foreign).deleted_at is None


def test_follow_up_of_another_prospect_is_not_found_under_this_one(team, make, login, post):
    one = make.prospect(team.agent)
    other = make.prospect(team.agent)
    follow_up = make.follow_up(team.agent, other)
    client = login(team.agent)
    response = post(client, f"/prospects/{one.id}/follow-ups/{follow_up.id}/done", page="/prospects")
    assert response.status_code == 404


# --- list: search, filters, sorting, pagination ---------------------------------------------


@pytest.mark.parametrize(
    "query", ["ndrea", "ANDREA GARC", "gomez-mail", "example.org", "611223", "611 223 344", "+34611"]
)
def test_search_finds_by_name_email_or_phone_fragment(team, make, login, query):
    make.prospect(
        team.agent, first_name="Andrea", last_name="García", email="gomez-mail@example.org", phone="611223344"
    )
    make.prospect(
        team.agent, first_name="Bruno", last_name="Sanz", email="bruno@other.net", phone="622000111"
    )
    page = login(team.agent).get("/prospects", query_string={"q": query}).get_data(as_text=True)
    assert "Andrea García" in page
    assert "Bruno Sanz" not in page


def test_search_with_no_match_shows_an_empty_state(team, make, login):
    make.prospect(team.agent, first_name="Andrea")
    page = login(team.agent).get("/prospects?q=zzzz").get_data(as_text=True)
    assert "No prospect matches these filters." in page


def test_empty_list_shows_an_empty_state(team, login):
    page = login(team.agent).get("/prospects").get_data(as_text=True)
    assert "No prospects yet." in page


def test_filters_by_status_source_agent_and_unassigned(team, make, login):
    make.prospect(team.manager, first_name="Newbie", source="portal", assigned_agent_id=team.agent.id)
    make.prospect(
        team.manager,
        first_name="Lostone",
        status="lost",
        lost_reason="Bought elsewhere",
        source="referral",
        assigned_agent_id=team.colleague.id,
    )
    make.prospect(team.manager, first_name="Poolie", source="phone")
    client = login(team.manager)

    def names(**args: str) -> set[str]:
        page = client.get("/prospects", query_string=args).get_data(as_text=True)
        return {n for n in ("Newbie", "Lostone", "Poolie") if n in page}

    assert names() == {"Newbie", "Lostone", "Poolie"}
    assert names(status="lost") == {"Lostone"}
    assert names(source="portal") == {"Newbie"}
    assert names(agent=str(team.colleague.id)) == {"Lostone"}
    assert names(unassigned="y") == {"Poolie"}
    assert names(status="new", source="phone") == {"Poolie"}


def test_junk_filter_values_are_dropped_not_a_server_error(team, make, login):
    make.prospect(team.manager, first_name="Still")
    client = login(team.manager)
    response = client.get(
        "/prospects",
        query_string={"status": "bogus", "agent": "abc", "sort": "zzz", "page": "x", "source": "💥"},
    )
    assert response.status_code == 200
    assert "Still" in response.get_data(as_text=True)
    assert "Not a valid choice" in response.get_data(as_text=True)


def test_agent_filter_is_only_offered_to_staff(team, login):
    assert 'name="agent"' in login(team.manager).get("/prospects").get_data(as_text=True)
    assert 'name="agent"' not in login(team.agent).get("/prospects").get_data(as_text=True)


def test_list_is_paginated(team, make, login):
    for n in range(27):
        make.prospect(team.agent, first_name=f"Person{n:02d}")
    client = login(team.agent)
    first = client.get("/prospects?sort=oldest").get_data(as_text=True)
    second = client.get("/prospects?sort=oldest&page=2").get_data(as_text=True)
    assert "Person00" in first and "Person24" in first and "Person25" not in first
    assert "Person25" in second and "Person26" in second and "Person00" not in second
    assert "Page 1 of 2" in first and 'rel="next"' in first
    assert "page=2" in first and "sort=oldest" in first  # the pager keeps the filters
    past = client.get("/prospects?page=9").get_data(as_text=True)
    assert "past the end" in past


def test_sorting_by_last_name(team, make, login):
    make.prospect(team.agent, first_name="Zed", last_name="Alvarez")
    make.prospect(team.agent, first_name="Amy", last_name="Zapata")
    page = login(team.agent).get("/prospects?sort=name").get_data(as_text=True)
    assert page.index("Zed Alvarez") < page.index("Amy Zapata")
    page = login(team.agent).get("/prospects?sort=newest").get_data(as_text=True)
    assert page.index("Amy Zapata") < page.index("Zed Alvarez")


def test_a_spanish_reader_sees_names_in_spanish_order(make, login):
    agencia = make.agency("Pisos Triana", locale="es")
    agent = make.user(agencia, "agent", name="Lola Agente")
    for first, last in [("Xavier", "Zubiri"), ("Íñigo", "Nuñez"), ("Ignacio", "Nunoz"), ("Álvaro", "Ibáñez"),
                        ("Óscar", "ibarra")]:
        make.prospect(agent, first_name=first, last_name=last)
    page = login(agent).get("/prospects?sort=name").get_data(as_text=True)
    shown = sorted(["Xavier Zubiri", "Íñigo Nuñez", "Ignacio Nunoz", "Álvaro Ibáñez", "Óscar ibarra"],
                   key=page.index)
    # "ñ" is a letter of its own after "n" in Spanish
    assert shown == ["Álvaro Ibáñez", "Óscar ibarra", "Ignacio Nunoz", "Íñigo Nuñez", "Xavier Zubiri"]
    picker = login(agent).get("/visits/new").get_data(as_text=True)
    offered = sorted(["Álvaro Ibáñez", "Íñigo Nuñez", "Ignacio Nunoz", "Óscar ibarra", "Xavier Zubiri"],
                     key=picker.index)
    assert offered == ["Álvaro Ibáñez", "Ignacio Nunoz", "Íñigo Nuñez", "Óscar ibarra", "Xavier Zubiri"]


def test_users_are_listed_with_accented_names_in_place(make, login):
    agency = make.agency("Pisos Sol")
    admin = make.user(agency, "admin", name="Xavier Admin")
    make.user(agency, "agent", name="Íñigo Agent")
    make.user(agency, "agent", name="Ignacio Agent")
    page = login(admin).get("/users").get_data(as_text=True)
    table = page[page.index("<table"):]  # past the signed-in user's name in the top bar
    assert sorted(["Xavier Admin", "Íñigo Agent", "Ignacio Agent"], key=table.index) == [
        "Ignacio Agent", "Íñigo Agent", "Xavier Admin"]


# --- create and edit -----------------------------------------------------------------------


def test_agent_creates_a_prospect_with_requirements_and_keeps_it(team, login, post):
    client = login(team.agent)
    response = post(client, "/prospects/new", FORM)
    assert response.status_code == 302
    prospect_id = int(response.headers["Location"].rsplit("/", 1)[1])
    with tenancy.scope(team.agency.id):
        prospect = db.session.get(Prospect, prospect_id)
        assert prospect.assigned_agent_id == team.agent.id
        assert prospect.phone == "+34600123456"
        assert prospect.tags == ["vip", "investor"]
        assert prospect.property_types == ["flat", "penthouse"]
        assert prospect.min_price == Decimal("200000") and prospect.max_price == Decimal("350000")
        assert prospect.areas == ["Chamberí", "Salamanca"]
    page = client.get(f"/prospects/{prospect_id}").get_data(as_text=True)
    assert "Lucía Martín" in page
    assert "€200,000 – €350,000" in page
    assert "Penthouse" in page and "Salamanca" in page and "Idealista" in page


def test_agent_form_has_no_agent_choice_and_cannot_give_the_lead_away(team, login, post):
    client = login(team.agent)
    assert 'name="assigned_agent_id"' not in client.get("/prospects/new").get_data(as_text=True)
    response = post(client, "/prospects/new", {**FORM, "assigned_agent_id": str(team.colleague.id)})
    assert response.status_code == 302
    with tenancy.scope(team.agency.id):
        assert db.session.scalars(select(Prospect.assigned_agent_id)).one() == team.agent.id


def test_manager_creates_a_prospect_for_an_agent(team, login, post):
    client = login(team.manager)
    response = post(client, "/prospects/new", {**FORM, "assigned_agent_id": str(team.colleague.id)})
    assert response.status_code == 302
    with tenancy.scope(team.agency.id):
        assert db.session.scalars(select(Prospect.assigned_agent_id)).one() == team.colleague.id


def test_the_blank_agent_choice_names_the_rule_that_will_hand_out_a_new_lead(team, login, post):
    client = login(team.manager)
    assert ">Unassigned</option>" in client.get("/prospects/new").get_data(as_text=True)
    team.agency.assignment_rule = "round_robin"
    db.session.commit()

    page = client.get("/prospects/new").get_data(as_text=True)

    assert "Chosen by the rule (Round robin)" in page
    response = post(client, "/prospects/new", {**FORM, "assigned_agent_id": ""})
    assert response.status_code == 302
    with tenancy.scope(team.agency.id):
        holder = db.session.scalars(select(Prospect.assigned_agent_id)).one()
    assert holder in {team.agent.id, team.colleague.id}


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"first_name": ""}, "first_name", "at least 1 character"),
        ({"first_name": "x" * 101}, "first_name", "at most 100 characters"),
        ({"last_name": "x" * 101}, "last_name", "at most 100 characters"),
        ({"email": "not-an-email"}, "email", "not a valid e-mail"),
        ({"phone": "12"}, "phone", "phone number"),
        ({"min_price": "abc"}, "min_price", "Not a valid decimal value"),
        ({"max_price": "NaN"}, "max_price", "finite number"),
        ({"min_price": "-5"}, "min_price", "greater than or equal to 0"),
        ({"min_price": "500000", "max_price": "100000"}, "max_price", "min_price is above max_price"),
        ({"min_bedrooms": "two"}, "min_bedrooms", "Not a valid integer value"),
        ({"min_bedrooms": "99"}, "min_bedrooms", "less than or equal to 50"),
        ({"min_area_m2": "1.5"}, "min_area_m2", "Not a valid integer value"),
        ({"status": "lost"}, "lost_reason", "Say why the prospect was lost"),
        ({"status": "archived"}, "status", "Input should be"),
        ({"source": ""}, "source", "Input should be"),
        ({"operation": "steal"}, "operation", "Input should be"),
        ({"property_types": ["castle"]}, "property_types", "Input should be"),
        ({"tags": "ok, " + "t" * 51}, "tags", "at most 50 characters"),
        ({"areas": "a" * 101}, "areas", "at most 100 characters"),
    ],
)
def test_bad_prospect_input_is_shown_next_to_its_field_and_nothing_is_saved(
    team, login, post, changes, field, message
):
    client = login(team.agent)
    response = post(client, "/prospects/new", {**FORM, **changes})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="{field}-error"' in page
    assert message in page
    assert _count_prospects(team.agency.id) == 0


def test_staff_cannot_assign_to_a_user_of_another_agency(team, login, post):
    client = login(team.manager)
    response = post(client, "/prospects/new", {**FORM, "assigned_agent_id": str(team.outsider.id)})
    assert response.status_code == 422
    assert "No active user with this id in the agency." in response.get_data(as_text=True)
    response = post(client, "/prospects/new", {**FORM, "assigned_agent_id": "abc"})
    assert response.status_code == 422
    assert _count_prospects(team.agency.id) == 0


@pytest.mark.parametrize("first_name", ["José 😀", "محمد", "Zoë-Łucja", "李小龙"])
def test_unicode_names_are_saved_and_shown(team, login, post, first_name):
    client = login(team.agent)
    response = post(client, "/prospects/new", {**FORM, "first_name": first_name, "last_name": ""})
    assert response.status_code == 302
    assert first_name in client.get(response.headers["Location"]).get_data(as_text=True)
    assert first_name in client.get("/prospects").get_data(as_text=True)


def test_markup_in_fields_is_shown_escaped(team, login, post):
    client = login(team.agent)
    evil = "<script>alert(1)</script>"
    response = post(
        client,
        "/prospects/new",
        {**FORM, "last_name": evil, "tags": "<b>bold</b>", "source_detail": '"><img src=x onerror=alert(1)>'},
    )
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    listing = client.get("/prospects").get_data(as_text=True)
    for page in (detail, listing):
        assert evil not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>bold</b>" not in detail and "<img src=x" not in detail


def test_rejected_form_keeps_what_was_typed(team, login, post):
    response = post(login(team.agent), "/prospects/new", {**FORM, "min_price": "abc"})
    page = response.get_data(as_text=True)
    assert 'value="Lucía"' in page and 'value="abc"' in page


def test_edit_saves_changes_and_records_them_on_the_timeline(team, make, login, post):
    prospect = make.prospect(team.agent, first_name="Pedro", last_name="Ruiz", email="pedro@example.com")
    client = login(team.agent)
    form = {
        **FORM,
        "first_name": "Pedro",
        "last_name": "Ruiz Díaz",
        "email": "pedro@example.com",
        "status": "qualified",
    }
    response = post(client, f"/prospects/{prospect.id}/edit", form)
    assert response.status_code == 302
    prospect = _reload(prospect)
    assert prospect.last_name == "Ruiz Díaz" and prospect.status == "qualified"
    kinds = [(a.kind, a.actor_id) for a in _timeline(prospect)]
    assert (ActivityKind.UPDATED, team.agent.id) in kinds
    assert (ActivityKind.STATUS_CHANGED, team.agent.id) in kinds
    page = client.get(f"/prospects/{prospect.id}").get_data(as_text=True)
    assert "Status New → Qualified." in page and "Alba Agent" in page


def test_edit_form_is_prefilled(team, make, login):
    prospect = make.prospect(
        team.agent,
        first_name="Prefilled",
        tags=["a", "b"],
        requirements={"areas": ["Centro"], "min_price": "1000"},
    )
    page = login(team.agent).get(f"/prospects/{prospect.id}/edit").get_data(as_text=True)
    assert 'value="Prefilled"' in page and 'value="a, b"' in page and 'value="Centro"' in page
    assert 'value="1000.00"' in page


def test_edit_with_a_bad_value_changes_nothing(team, make, login, post):
    prospect = make.prospect(team.agent, first_name="Keep", last_name="Same")
    client = login(team.agent)
    response = post(
        client,
        f"/prospects/{prospect.id}/edit",
        {**FORM, "first_name": "Changed", "last_name": "Also", "max_price": "1", "min_price": "9"},
    )
    assert response.status_code == 422
    assert _reload(prospect).first_name == "Keep"
    assert [a.kind for a in _timeline(prospect)] == [ActivityKind.CREATED, ActivityKind.ASSIGNED]


def test_edit_to_an_email_of_another_prospect_is_refused(team, make, login, post):
    make.prospect(team.agent, first_name="First", email="taken@example.com")
    second = make.prospect(team.agent, first_name="Second")
    response = post(
        login(team.agent),
        f"/prospects/{second.id}/edit",
        {**FORM, "first_name": "Second", "email": "taken@example.com"},
    )
    assert response.status_code == 422
    assert "already has this email" in response.get_data(as_text=True)
    assert _reload(second).email is None


# --- the 360° page: calls, notes, follow-ups ----------------------------------------------


def test_logging_a_call_with_a_follow_up_in_the_users_time_zone(team, make, login, post):
    prospect = make.prospect(team.agent)
    client = login(team.agent)
    response = post(
        client,
        f"/prospects/{prospect.id}/calls",
        {
            "direction": "inbound",
            "outcome": "answered",
            "duration_minutes": "7",
            "summary": "Wants a terrace",
            "follow_up_at": "2031-07-01T10:30",
            "follow_up_title": "Send listings",
        },
    )
    assert response.status_code == 302
    with tenancy.scope(team.agency.id):
        call = db.session.scalars(select(Call)).one()
        follow_up = db.session.scalars(select(FollowUp)).one()
    assert call.duration_seconds == 420 and call.agent_id == team.agent.id
    # Madrid is UTC+2 in July
    assert follow_up.due_at == datetime(2031, 7, 1, 8, 30, tzinfo=UTC)
    assert follow_up.title == "Send listings"
    page = client.get(f"/prospects/{prospect.id}").get_data(as_text=True)
    assert "Wants a terrace" in page and "Inbound · Answered" in page and "Send listings" in page
    assert "7/1/31, 10:30" in page  # shown back in Madrid time
    assert _reload(prospect).status == "contacted"


def test_follow_up_times_follow_daylight_saving(team, make, login, post):
    prospect = make.prospect(team.agent)
    client = login(team.agent)
    for due in ("2031-01-15T09:00", "2031-07-15T09:00"):
        assert (
            post(client, f"/prospects/{prospect.id}/follow-ups", {"due_at": due, "title": due}).status_code
            == 302
        )
    with tenancy.scope(team.agency.id):
        due = {f.title: f.due_at for f in db.session.scalars(select(FollowUp))}
    assert due["2031-01-15T09:00"] == datetime(2031, 1, 15, 8, 0, tzinfo=UTC)
    assert due["2031-07-15T09:00"] == datetime(2031, 7, 15, 7, 0, tzinfo=UTC)


def test_times_are_read_in_the_users_own_time_zone(team, make, login, post):
    prospect = make.prospect(team.agent)
    client = login(team.agent)
    post(
        client,
        "/settings/profile",
        {"name": "Alba Agent", "phone": "", "locale": "", "timezone": "America/New_York"},
    )
    post(client, f"/prospects/{prospect.id}/follow-ups", {"due_at": "2031-01-15T09:00", "title": "NY"})
    with tenancy.scope(team.agency.id):
        assert db.session.scalars(select(FollowUp.due_at)).one() == datetime(2031, 1, 15, 14, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"duration_minutes": "abc"}, "duration_minutes"),
        ({"duration_minutes": "-3"}, "duration_minutes"),
        ({"duration_minutes": "100000"}, "duration_minutes"),
        ({"summary": "s" * 5001}, "summary"),
        ({"outcome": "exploded"}, "outcome"),
        ({"direction": ""}, "direction"),
        ({"follow_up_at": "tomorrow"}, "follow_up_at"),
        ({"follow_up_at": "2031-01-01T10:00", "follow_up_title": "t" * 201}, "follow_up_title"),
    ],
)
def test_bad_call_input_is_refused_next_to_its_field(team, make, login, post, changes, field):
    prospect = make.prospect(team.agent)
    form = {"direction": "outbound", "outcome": "answered", "duration_minutes": "2", "summary": "ok"}
    response = post(login(team.agent), f"/prospects/{prospect.id}/calls", {**form, **changes})
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    with tenancy.scope(team.agency.id):
        assert db.session.scalar(select(func.count()).select_from(Call)) == 0
        assert db.session.scalar(select(func.count()).select_from(FollowUp)) == 0


def test_notes_are_added_to_the_timeline_escaped(team, make, login, post):
    prospect = make.prospect(team.agent)
    client = login(team.agent)
    response = post(client, f"/prospects/{prospect.id}/notes", {"body": "Prefers <b>south</b> facing 🌞"})
    assert response.status_code == 302
    page = client.get(f"/prospects/{prospect.id}").get_data(as_text=True)
    assert "Prefers &lt;b&gt;south&lt;/b&gt; facing 🌞" in page
    assert ActivityKind.NOTE in [a.kind for a in _timeline(prospect)]


@pytest.mark.parametrize("body", ["", "   ", "n" * 10_001])
def test_empty_or_huge_note_is_refused(team, make, login, post, body):
    prospect = make.prospect(team.agent)
    response = post(login(team.agent), f"/prospects/{prospect.id}/notes", {"body": body})
    assert response.status_code == 422
    assert 'id="body-error"' in response.get_data(as_text=True)
    assert ActivityKind.NOTE not in [a.kind for a in _timeline(prospect)]


def test_follow_ups_are_planned_completed_and_reopened(team, make, login, post):
    prospect = make.prospect(team.agent)
    client = login(team.agent)
    post(
        client,
        f"/prospects/{prospect.id}/follow-ups",
        {"due_at": "2031-03-03T12:00", "title": "Send dossier"},
    )
    with tenancy.scope(team.agency.id):
        follow_up = db.session.scalars(select(FollowUp)).one()
    assert _reload(prospect).next_follow_up_at == follow_up.due_at
    done = post(client, f"/prospects/{prospect.id}/follow-ups/{follow_up.id}/done")
    assert done.status_code == 302
    assert _reload(prospect).next_follow_up_at is None
    page = client.get(f"/prospects/{prospect.id}").get_data(as_text=True)
    assert "Done: Send dossier" in page and "Reopen" in page
    post(client, f"/prospects/{prospect.id}/follow-ups/{follow_up.id}/reopen")
    assert "Reopened: Send dossier" in client.get(f"/prospects/{prospect.id}").get_data(as_text=True)
    assert _reload(prospect).next_follow_up_at is not None


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"due_at": "", "title": "x"}, "due_at"),
        ({"due_at": "31/12/2031", "title": "x"}, "due_at"),
        ({"due_at": "2031-03-03T12:00", "title": ""}, "title"),
        ({"due_at": "2031-03-03T12:00", "title": "t" * 201}, "title"),
    ],
)
def test_bad_follow_up_input_is_refused(team, make, login, post, form, field):
    prospect = make.prospect(team.agent)
    response = post(login(team.agent), f"/prospects/{prospect.id}/follow-ups", form)
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.get_data(as_text=True)


def test_manager_plans_a_follow_up_for_an_agent_but_not_for_an_outsider(team, make, login, post):
    prospect = make.prospect(team.agent)
    client = login(team.manager)
    ok = post(
        client,
        f"/prospects/{prospect.id}/follow-ups",
        {"due_at": "2031-03-03T12:00", "title": "Visit", "assignee_id": str(team.agent.id)},
    )
    assert ok.status_code == 302
    bad = post(
        client,
        f"/prospects/{prospect.id}/follow-ups",
        {"due_at": "2031-03-03T12:00", "title": "Visit", "assignee_id": str(team.outsider.id)},
    )
    assert bad.status_code == 422
    with tenancy.scope(team.agency.id):
        assert db.session.scalars(select(FollowUp.assignee_id)).all() == [team.agent.id]


# --- assign, delete, erase --------------------------------------------------------------------


def test_manager_reassigns_and_the_timeline_says_who_did_it(team, make, login, post):
    prospect = make.prospect(team.agent)
    client = login(team.manager)
    response = post(client, f"/prospects/{prospect.id}/assign", {"agent_id": str(team.colleague.id)})
    assert response.status_code == 302
    assert _reload(prospect).assigned_agent_id == team.colleague.id
    entry = _timeline(prospect)[-1]
    assert entry.kind == ActivityKind.ASSIGNED and entry.actor_id == team.manager.id
    page = client.get(f"/prospects/{prospect.id}").get_data(as_text=True)
    assert "Assigned to Carlos Colleague." in page and "Manu Manager" in page
    # the previous holder loses sight of it
    assert login(team.agent).get(f"/prospects/{prospect.id}").status_code == 403
    post(client, f"/prospects/{prospect.id}/assign", {"agent_id": ""})
    assert _reload(prospect).assigned_agent_id is None


def test_agent_cannot_assign(team, make, login, post):
    prospect = make.prospect(team.agent)
    client = login(team.agent)
    page = client.get(f"/prospects/{prospect.id}").get_data(as_text=True)
    assert f'action="/prospects/{prospect.id}/assign"' not in page
    response = post(
        client, f"/prospects/{prospect.id}/assign", {"agent_id": str(team.colleague.id)}, page="/"
    )
    assert response.status_code == 403
    assert _reload(prospect).assigned_agent_id == team.agent.id


@pytest.mark.parametrize("agent_id", [lambda t: str(t.outsider.id), lambda t: "abc", lambda t: "999999"])
def test_assigning_to_a_stranger_is_refused(team, make, login, post, agent_id):
    prospect = make.prospect(team.agent)
    response = post(login(team.manager), f"/prospects/{prospect.id}/assign", {"agent_id": agent_id(team)})
    assert response.status_code == 422
    assert _reload(prospect).assigned_agent_id == team.agent.id


def test_manager_moves_a_prospect_to_the_trash(team, make, login, post):
    prospect = make.prospect(team.agent, first_name="Binned")
    client = login(team.manager)
    response = post(client, f"/prospects/{prospect.id}/delete", page=f"/prospects/{prospect.id}")
    assert response.status_code == 302
    assert client.get(f"/prospects/{prospect.id}").status_code == 404
    assert "Binned" not in client.get("/prospects").get_data(as_text=True)
    assert _reload(prospect).deleted_by_id == team.manager.id


def test_agent_cannot_delete(team, make, login, post):
    prospect = make.prospect(team.agent)
    client = login(team.agent)
    assert "Move to trash" not in client.get(f"/prospects/{prospect.id}").get_data(as_text=True)
    assert post(client, f"/prospects/{prospect.id}/delete", page="/").status_code == 403
    assert _reload(prospect).deleted_at is None


def test_admin_erases_after_confirming(team, make, login, post):
    prospect = make.prospect(team.agent, first_name="Gdpr", email="gdpr@example.com", phone="600999888")
    make.call(team.agent, prospect, summary="secret stuff")
    client = login(team.admin)
    unconfirmed = post(client, f"/prospects/{prospect.id}/erase", {})
    assert unconfirmed.status_code == 422
    assert _reload(prospect).erased_at is None
    response = post(client, f"/prospects/{prospect.id}/erase", {"confirm": "y"})
    assert response.status_code == 302
    erased = _reload(prospect)
    assert erased.erased_at is not None and erased.email is None and erased.first_name == "Erased"
    assert client.get(f"/prospects/{prospect.id}").status_code == 404
    assert "Gdpr" not in client.get("/prospects?q=gdpr").get_data(as_text=True)
    assert client.get(f"/prospects/{prospect.id}/erase").status_code == 404  # not twice


@pytest.mark.parametrize("role", ["manager", "agent"])
def test_only_admins_erase(team, make, login, post, role):
    prospect = make.prospect(team.agent)
    client = login(getattr(team, role))
    assert client.get(f"/prospects/{prospect.id}/erase").status_code == 403
    assert post(client, f"/prospects/{prospect.id}/erase", {"confirm": "y"}, page="/").status_code == 403
    assert _reload(prospect).erased_at is None


def test_overdue_next_follow_up_stands_out_in_the_list(team, make, login):
    prospect = make.prospect(team.agent, first_name="Late")
    make.follow_up(team.agent, prospect, due_at=(utcnow() - timedelta(days=2)).isoformat())
    page = login(team.agent).get("/prospects").get_data(as_text=True)
    assert 'class="overdue"' in page


def test_roles_see_the_right_buttons_on_the_prospect_page(team, make, login):
    prospect = make.prospect(team.agent)
    admin = login(team.admin).get(f"/prospects/{prospect.id}").get_data(as_text=True)
    manager = login(team.manager).get(f"/prospects/{prospect.id}").get_data(as_text=True)
    agent = login(team.agent).get(f"/prospects/{prospect.id}").get_data(as_text=True)
    assert "Erase personal data" in admin and "Move to trash" in admin
    assert "Erase personal data" not in manager and "Move to trash" in manager and "Reassign" in manager
    assert "Erase personal data" not in agent and "Reassign" not in agent
    for page in (admin, manager, agent):
        assert "Log a call" in page and "Add a note" in page and "Plan a follow-up" in page


def test_pages_have_no_inline_script_or_style(team, make, login):
    prospect = make.prospect(team.agent)
    client = login(team.admin)
    for path in ("/prospects", "/prospects/new", f"/prospects/{prospect.id}"):
        page = client.get(path).get_data(as_text=True)
        assert "<script>" not in page and "style=" not in page and "onclick" not in page


def test_editing_keeps_an_inactive_agent_instead_of_dropping_them(team, make, login, post):
    prospect = make.prospect(team.manager, first_name="Kept", assigned_agent_id=team.colleague.id)
    admin = login(team.admin)
    post(
        admin,
        f"/users/{team.colleague.id}/edit",
        {"name": "Carlos Colleague", "role": "agent", "areas": "", "languages": ""},
    )
    page = admin.get(f"/prospects/{prospect.id}/edit").get_data(as_text=True)
    assert "Carlos Colleague (inactive)" in page
    form = {
        **FORM,
        "first_name": "Kept",
        "email": "",
        "phone": "",
        "assigned_agent_id": str(team.colleague.id),
    }
    assert post(admin, f"/prospects/{prospect.id}/edit", form).status_code == 302
    assert _reload(prospect).assigned_agent_id == team.colleague.id


def test_a_very_long_search_is_answered(team, make, login):
    make.prospect(team.agent, first_name="Andrea")
    response = login(team.agent).get("/prospects", query_string={"q": "andrea " + "x" * 5000})
    assert response.status_code == 200
    assert "No prospect matches these filters." in response.get_data(as_text=True)


def test_a_form_posted_without_its_csrf_token_is_refused(team, make, login):
    prospect = make.prospect(team.agent)
    client = login(team.agent)
    assert client.post("/prospects/new", data=FORM).status_code == 400
    assert client.post(f"/prospects/{prospect.id}/notes", data={"body": "forged"}).status_code == 400
    assert (
        client.post(f"/prospects/{prospect.id}/notes", data={"body": "x", "csrf_token": "junk"}).status_code
        == 400
    )
    assert _count_prospects(team.agency.id) == 1
    assert ActivityKind.NOTE not in [a.kind for a in _timeline(prospect)]
