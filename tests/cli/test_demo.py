"""``realty-crm demo``: one demo agency loaded through the services, and how to sign in."""

from __future__ import annotations

import re
from collections.abc import Callable
from zoneinfo import ZoneInfo

import phonenumbers
from click.testing import Result
from flask.testing import FlaskClient
from realty_crm_marketing_forms.models import EnquiryForm
from sqlalchemy import func, select

from realty_crm import plugin_host, tenancy
from realty_crm.demo import DEMO_PASSWORD, FOLLOW_UP_TITLES_ES, STAFF, VISIT_SLOTS
from realty_crm.extensions import db
from realty_crm.models import (
    Activity,
    ActivityKind,
    Agency,
    Call,
    FollowUp,
    Property,
    Prospect,
    Role,
    User,
    Visit,
    VisitStatus,
    utcnow,
)
from realty_crm.services import accounts, plugins
from realty_crm.testing.factories import Factory

Cli = Callable[..., Result]
FORM_LINE = re.compile(r"enquiry form .*: (http://\S+)$", re.MULTILINE)


def test_demo_loads_a_lived_in_agency_and_prints_how_to_sign_in(
    cli: Cli, rows: Callable[..., int], overlapping_visits: Callable[[str], int],
    read_entry: Callable[..., str],
) -> None:
    result = cli("demo")

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert any("http://127.0.0.1:5000/" in line and DEMO_PASSWORD in line for line in lines)
    for member in STAFF:
        assert any(member.email in line and member.role.value in line for line in lines)
        assert accounts.authenticate(member.email, DEMO_PASSWORD) is not None

    agency = db.session.scalars(select(Agency)).one()
    assert (agency.slug, agency.timezone, agency.currency) == ("demo", "Europe/Madrid", "EUR")
    assert agency.assignment_rule == "by_area"  # new leads go to the agent of their area
    users = db.session.scalars(select(User)).all()
    assert sorted(u.role.value for u in users) == ["admin", "agent", "agent", "agent", "agent", "manager"]
    assert {"Madrid", "Barcelona"} == set(db.session.scalars(select(Property.city)))
    assert rows(Property) == 40
    assert rows(Prospect) >= 120
    assert rows(Prospect, Prospect.assigned_agent_id.is_(None)) > 0
    assert rows(Call) > 100
    assert rows(Visit, Visit.status == VisitStatus.DONE, Visit.rating.is_not(None)) > 10
    assert rows(Visit, Visit.starts_at > utcnow(), Visit.status.in_(["scheduled", "confirmed"])) > 0
    assert rows(Activity, Activity.kind == ActivityKind.NOTE) > 0

    now = utcnow()
    today = now.astimezone(ZoneInfo("Europe/Madrid")).date()
    open_follow_ups = db.session.scalars(select(FollowUp).where(FollowUp.done_at.is_(None))).all()
    assert any(f.due_at < now and f.due_at.astimezone(ZoneInfo("Europe/Madrid")).date() < today
               for f in open_follow_ups), "some follow-ups are overdue"
    assert any(f.due_at.astimezone(ZoneInfo("Europe/Madrid")).date() == today for f in open_follow_ups)

    # and it keeps the rules of the app: no double booking, E.164 phones, unique e-mails...
    assert overlapping_visits("agent_id") == 0
    assert overlapping_visits("property_id") == 0
    prospects = db.session.scalars(select(Prospect)).all()
    for prospect in prospects:
        if prospect.phone:
            assert phonenumbers.format_number(
                phonenumbers.parse(prospect.phone), phonenumbers.PhoneNumberFormat.E164
            ) == prospect.phone
    emails = [p.email for p in prospects if p.email]
    assert len(emails) == len(set(emails))
    # the timeline is the services' own: a "created" entry for each, dated with the prospect
    created = dict(db.session.execute(
        select(Activity.prospect_id, Activity.occurred_at).where(Activity.kind == ActivityKind.CREATED)
    ).all())
    assert {p.id: p.created_at for p in prospects} == {p.id: created[p.id] for p in prospects}
    # calls lie in the past, after the prospect came in, and last contact follows from them
    last_calls = dict(db.session.execute(
        select(Call.prospect_id, func.max(Call.occurred_at)).group_by(Call.prospect_id)
    ).all())
    assert last_calls
    for prospect in prospects:
        assert prospect.last_contacted_at == last_calls.get(prospect.id)
        if prospect.id in last_calls:
            assert prospect.created_at <= last_calls[prospect.id] <= utcnow()
    past_open = rows(Visit, Visit.ends_at < utcnow(), Visit.status.in_(["scheduled", "confirmed"]))
    assert past_open == 0
    # visits sit on the agency's local office slots, stored as aware UTC
    for visit in db.session.scalars(select(Visit)):
        assert visit.starts_at.utcoffset() is not None
        local = visit.starts_at.astimezone(ZoneInfo("Europe/Madrid"))
        assert local.time() in VISIT_SLOTS
    # the agency speaks Spanish: its follow-ups are titled in Spanish, and the timeline is
    # worded for each reader (Carmen reads the agency's Spanish, Emily her English)
    assert {f.title for f in db.session.scalars(select(FollowUp))} <= set(FOLLOW_UP_TITLES_ES)
    carmen, emily = (db.session.scalars(select(User).where(User.email == STAFF[i].email)).one()
                     for i in (2, 4))
    entries = db.session.scalars(select(Activity)).all()
    written_by_people = (ActivityKind.NOTE, ActivityKind.CALL, ActivityKind.FOLLOW_UP, ActivityKind.VISIT)
    assert {e.summary for e in entries if e.kind not in written_by_people} == {""}
    booked = next(e for e in entries if e.kind == ActivityKind.VISIT and e.data["event"] == "scheduled")
    assert read_entry(booked, carmen).startswith(f"Visita programada: {booked.data['reference']} el ")
    assert read_entry(booked, emily).startswith(f"Visit booked: {booked.data['reference']} on ")
    # (rows come in no set order on PostgreSQL: the entry is picked by its data, not its place)
    status = next(e for e in entries if e.kind == ActivityKind.STATUS_CHANGED and e.data["old"] == "new")
    assert read_entry(status, carmen).startswith("Estado Nuevo → ")
    assert read_entry(status, emily).startswith("Status New → ")


def test_second_demo_run_changes_nothing_and_reset_loads_it_afresh(
    cli: Cli, make: Factory, rows: Callable[..., int], table_counts: Callable[[], dict[str, int]]
) -> None:
    other = make.agency(slug="luna")
    make.prospect(make.user(other, Role.ADMIN), first_name="Berta", email="berta@example.com")
    assert cli("demo").exit_code == 0
    loaded = table_counts()

    again = cli("demo")

    assert again.exit_code == 0, again.output
    assert "already loaded" in again.output and "--reset" in again.output
    assert STAFF[0].email in again.output and DEMO_PASSWORD in again.output
    assert _form_url(again.output) == "http://127.0.0.1:5000/f/demo/contacto"
    assert table_counts() == loaded

    admin = db.session.scalars(select(User).where(User.email == STAFF[0].email)).one()
    make.prospect(admin, first_name="Added", last_name="Later", email="added.later@example.com")
    assert table_counts()["prospects"] == loaded["prospects"] + 1

    reset = cli("demo", "--reset")

    assert reset.exit_code == 0, reset.output
    reloaded = table_counts()
    for table in ("agencies", "users", "prospects", "properties"):
        assert reloaded[table] == loaded[table]
    # visits, calls and follow-ups hang on the time of day (what is still ahead), so only roughly
    for table in ("visits", "calls", "follow_ups"):
        assert abs(reloaded[table] - loaded[table]) <= loaded[table] * 0.2
    assert rows(Prospect, Prospect.email == "added.later@example.com") == 0
    assert rows(Agency, Agency.slug == "demo") == 1
    assert _form_url(reset.output) == "http://127.0.0.1:5000/f/demo/contacto"
    # the other agency is untouched
    assert rows(Prospect, Prospect.agency_id == other.id) == 1
    assert rows(User, User.agency_id == other.id) == 1
    assert accounts.authenticate(STAFF[0].email, DEMO_PASSWORD) is not None


def test_demo_refuses_when_its_emails_belong_to_another_agency(
    cli: Cli, make: Factory, rows: Callable[..., int]
) -> None:
    make.user(make.agency(slug="luna"), Role.AGENT, email=STAFF[2].email)

    result = cli("demo")

    assert result.exit_code == 1
    assert STAFF[2].email in result.output
    assert rows(Agency, Agency.slug == "demo") == 0


def _demo_agency() -> Agency:
    return db.session.scalars(select(Agency).where(Agency.slug == "demo")).one()


def _form_url(output: str) -> str:
    found = FORM_LINE.search(output)
    assert found, output
    return found.group(1)


def test_demo_prints_where_it_is_served_and_its_form_which_makes_prospects(
    cli: Cli, client: FlaskClient, rows: Callable[..., int]
) -> None:
    result = cli("demo", "--host", "0.0.0.0", "--port", "8123")

    assert result.exit_code == 0, result.output
    assert "http://0.0.0.0:8123/" in result.output
    assert "realty-crm serve --host 0.0.0.0 --port 8123" in result.output
    assert ":5000" not in result.output
    assert _form_url(result.output) == "http://0.0.0.0:8123/f/demo/contacto"
    agency = _demo_agency()
    assert plugin_host.get_host().is_enabled(agency, "marketing_forms")

    page = client.get("/f/demo/contacto")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Pide información" in body and 'name="email"' in body and 'name="phone"' in body
    # a visitor fills it in (the plugin's spam check on fill time is set aside for the test)
    plugins.configure(None, agency, "marketing_forms", {"min_fill_seconds": 0})
    token = re.search(r'name="form_token" value="([^"]+)"', body).group(1)
    before = rows(Prospect)
    sent = client.post("/f/demo/contacto", buffered=True, data={
        "form_token": token, "first_name": "Visitante", "last_name": "De Prueba",
        "email": "visitante@example.com", "area": "Chamberí", "message": "¿Puedo verlo el sábado?",
    })
    assert sent.status_code == 200, sent.get_data(as_text=True)[:500]
    assert rows(Prospect) == before + 1
    with tenancy.scope(agency.id):
        newcomer = db.session.scalars(select(Prospect).where(Prospect.email == "visitante@example.com")).one()
    assert (newcomer.first_name, newcomer.source.value, newcomer.source_detail) == (
        "Visitante", "web_form", "Pide información")
    assert newcomer.assigned_agent_id is not None  # the demo's rule: the agent of the area

    # loaded afresh in English, on another port: one form again, in English
    english = cli("demo", "--reset", "--locale", "en", "--port", "8124")

    assert english.exit_code == 0, english.output
    assert _form_url(english.output) == "http://127.0.0.1:8124/f/demo/contact"
    assert "Ask about a home" in client.get("/f/demo/contact").get_data(as_text=True)
    assert db.session.scalars(select(EnquiryForm.name)).all() == ["Ask about a home"]
    assert rows(Prospect, Prospect.email == "visitante@example.com") == 0
