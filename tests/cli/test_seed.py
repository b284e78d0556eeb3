"""``realty-crm seed``: bulk synthetic data that keeps every rule the app relies on."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import phonenumbers
import pytest
from click.testing import Result
from sqlalchemy import func, select

from realty_crm import tenancy
from realty_crm.extensions import db
from realty_crm.models import (
    Activity,
    ActivityKind,
    Agency,
    Call,
    CallOutcome,
    FollowUp,
    Property,
    Prospect,
    Role,
    User,
    Visit,
    VisitStatus,
    utcnow,
)
from realty_crm.seed import SEED_PASSWORD
from realty_crm.services import accounts, properties, prospects, visits
from realty_crm.services.search import PropertyFilters, ProspectFilters, list_properties, list_prospects
from realty_crm.testing.factories import Factory

Cli = Callable[..., Result]
SMALL = ("--prospects", "61", "--properties", "13", "--visits", "90", "--calls", "150")


@pytest.fixture
def seeded(cli: Cli) -> Result:
    """Two seeded agencies with a little of everything."""
    result = cli("seed", "--agencies", "2", *SMALL, "--seed", "7")
    assert result.exit_code == 0, result.output
    return result


def test_seed_creates_agencies_with_their_staff_and_shares_the_data_out(
    seeded: Result, rows: Callable[..., int]
) -> None:
    agencies = db.session.scalars(select(Agency).order_by(Agency.id)).all()
    assert [a.slug for a in agencies] == ["seed-1", "seed-2"]
    for agency in agencies:
        roles = Counter(db.session.scalars(select(User.role).where(User.agency_id == agency.id)))
        assert roles == {Role.AGENT: 20, Role.ADMIN: 1, Role.MANAGER: 1}
    assert sorted(rows(Prospect, Prospect.agency_id == a.id) for a in agencies) == [30, 31]
    assert sorted(rows(Property, Property.agency_id == a.id) for a in agencies) == [6, 7]
    assert [rows(Visit, Visit.agency_id == a.id) for a in agencies] == [45, 45]
    assert [rows(Call, Call.agency_id == a.id) for a in agencies] == [75, 75]
    assert rows(Activity, Activity.kind == ActivityKind.CREATED) == 61 + 13
    assert "61 prospects, 13 properties, 90 visits, 150 calls" in seeded.output
    assert " s (" in seeded.output and "rows/s" in seeded.output
    assert "left out" not in seeded.output
    assert accounts.authenticate("agent07@seed-2.example.com", SEED_PASSWORD) is not None


def test_seeded_contacts_are_unique_valid_and_searchable(seeded: Result) -> None:
    for agency in db.session.scalars(select(Agency)):
        people = db.session.scalars(select(Prospect).where(Prospect.agency_id == agency.id)).all()
        emails = [p.email for p in people if p.email]
        phones = [p.phone for p in people if p.phone]
        assert len(emails) == len(set(emails)) and len(phones) == len(set(phones))
        assert all(p.email or p.phone for p in people)
        assert all(e == e.lower() and "@" in e for e in emails)
        for phone in phones:
            number = phonenumbers.parse(phone)
            assert phonenumbers.is_valid_number(number)
            assert phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) == phone
        for person in people:
            assert person.search_text == prospects.search_text(person)
            if person.min_price is not None and person.max_price is not None:
                assert person.min_price <= person.max_price
        admin = db.session.scalars(
            select(User).where(User.agency_id == agency.id, User.role == Role.ADMIN)
        ).one()
        someone = next(p for p in people if p.phone)
        with tenancy.scope(agency.id):
            by_phone = list_prospects(admin, ProspectFilters(q=someone.phone[-7:])).items
            full_name = f"{someone.first_name} {someone.last_name}"
            by_name = list_prospects(admin, ProspectFilters(q=full_name)).items
            assert someone in by_phone and someone in by_name
            for prop in db.session.scalars(select(Property).where(Property.agency_id == agency.id)):
                assert prop.search_text == properties.search_text(prop)
                assert isinstance(prop.price, Decimal) and prop.price > 0
                assert list_properties(PropertyFilters(q=prop.reference)).items == [prop]


def test_seeded_visits_never_overlap_and_have_plausible_statuses(
    seeded: Result, overlapping_visits: Callable[[str], int]
) -> None:
    assert overlapping_visits("agent_id") == 0
    assert overlapping_visits("property_id") == 0
    now = utcnow()
    statuses = Counter()
    for visit in db.session.scalars(select(Visit)):
        assert visit.starts_at.utcoffset() is not None and visit.ends_at > visit.starts_at
        assert visit.agency_id == visit.agent.agency_id == visit.property.agency_id
        assert visit.agency_id == visit.prospect.agency_id
        assert visit.agent.role == Role.AGENT
        assert visit.prospect.created_at <= visit.starts_at
        if visit.ends_at <= now:
            assert visit.status in (VisitStatus.DONE, VisitStatus.CANCELLED, VisitStatus.NO_SHOW)
        elif visit.starts_at > now:
            assert visit.status in (VisitStatus.SCHEDULED, VisitStatus.CONFIRMED, VisitStatus.CANCELLED)
        assert (visit.cancel_reason is not None) == (visit.status == VisitStatus.CANCELLED)
        assert visit.rating is None or (visit.status == VisitStatus.DONE and 1 <= visit.rating <= 5)
        local = visit.starts_at.astimezone(ZoneInfo("Europe/Madrid"))
        assert local.weekday() < 6 and 9 <= local.hour <= 18 and local.minute == 0
        statuses[visit.status] += 1
    assert statuses[VisitStatus.DONE] > 0
    assert statuses[VisitStatus.SCHEDULED] + statuses[VisitStatus.CONFIRMED] > 0


def test_seeded_calls_are_past_and_set_the_prospects_contact_times(seeded: Result) -> None:
    now = utcnow()
    by_prospect: dict[int, list[Call]] = {}
    for call in db.session.scalars(select(Call)):
        assert call.prospect.created_at <= call.occurred_at <= now
        assert call.agent.agency_id == call.agency_id == call.prospect.agency_id
        assert call.duration_seconds >= 0
        by_prospect.setdefault(call.prospect_id, []).append(call)
    for person in db.session.scalars(select(Prospect)):
        calls = by_prospect.get(person.id, [])
        answered = [c.occurred_at for c in calls if c.outcome == CallOutcome.ANSWERED]
        assert person.last_contacted_at == max((c.occurred_at for c in calls), default=None)
        assert person.first_contacted_at == min(answered, default=None)
        open_due = db.session.scalar(
            select(func.min(FollowUp.due_at))
            .where(FollowUp.prospect_id == person.id, FollowUp.done_at.is_(None))
        )
        assert person.next_follow_up_at == open_due
        created = db.session.scalars(
            select(Activity).where(Activity.prospect_id == person.id, Activity.kind == ActivityKind.CREATED)
        ).one()
        assert created.occurred_at == person.created_at


def test_seed_says_what_it_could_not_place(cli: Cli, rows: Callable[..., int]) -> None:
    result = cli("seed", "--agencies", "3", "--prospects", "2", "--calls", "6")

    assert result.exit_code == 0, result.output
    assert rows(Call) == 4
    assert "2 calls were left out: their agency got no prospects." in result.output


def test_seed_with_the_same_seed_gives_the_same_people(cli: Cli) -> None:
    def people(slug: str) -> list[tuple[str, str, str, str]]:
        return [tuple(row) for row in db.session.execute(
            select(Prospect.first_name, Prospect.last_name, Prospect.status, Prospect.source)
            .join(Agency, Agency.id == Prospect.agency_id).where(Agency.slug == slug).order_by(Prospect.id)
        )]

    for seed in ("3", "3", "4"):
        assert cli("seed", "--prospects", "25", "--seed", seed).exit_code == 0

    assert people("seed-1") == people("seed-2")
    assert people("seed-1") != people("seed-3")


def _first_weekday_before(day: datetime, days: int) -> datetime:
    day -= timedelta(days=days)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def test_seed_into_an_agency_uses_its_users_and_keeps_clear_of_its_visits(
    cli: Cli, make: Factory, rows: Callable[..., int], overlapping_visits: Callable[[str], int]
) -> None:
    sol = make.agency(slug="sol")
    make.user(sol, Role.ADMIN)
    agent = make.user(sol, Role.AGENT)
    make.user(make.agency(slug="luna"), Role.AGENT)
    flat = make.property(agent, reference="SOL-1")
    ana = make.prospect(agent, first_name="Ana", phone="+34600000001", email="ana@example.com")
    # a done visit on the seed's one-hour grid: with a single agent, every slot would be theirs
    tz = ZoneInfo(sol.timezone)
    day = _first_weekday_before(utcnow().astimezone(tz), 2).date()
    start = datetime.combine(day, time(10), tzinfo=tz)
    with tenancy.scope(sol.id):
        visits.schedule_visit(agent, {
            "property_id": flat.id, "prospect_id": ana.id, "starts_at": start.isoformat(),
            "duration_minutes": 45, "status": "done",
        })

    for _run in range(2):
        result = cli("seed", "--agency", "sol", "--prospects", "20", "--properties", "4", "--visits", "40",
                     "--calls", "30")
        assert result.exit_code == 0, result.output

    assert rows(Agency) == 2  # nothing new
    assert rows(Prospect, Prospect.agency_id == sol.id) == 41
    assert rows(Visit, Visit.agency_id == sol.id) == 81
    holders = set(db.session.scalars(select(Prospect.assigned_agent_id).where(Prospect.agency_id == sol.id)))
    assert holders <= {agent.id, None}
    assert set(db.session.scalars(select(Visit.agent_id))) == {agent.id}
    assert rows(Visit, Visit.agent_id == agent.id, Visit.starts_at == start) == 1
    assert overlapping_visits("agent_id") == 0
    assert overlapping_visits("property_id") == 0
    assert rows(Prospect, Prospect.agency_id != sol.id) == 0


def test_seed_adds_calls_and_visits_to_an_agencys_existing_prospects(
    cli: Cli, make: Factory, rows: Callable[..., int]
) -> None:
    sol = make.agency(slug="sol")
    agent = make.user(sol, Role.AGENT)
    make.property(agent)
    ana = make.prospect(agent, first_name="Ana", email="ana@example.com", status="contacted")

    result = cli("seed", "--agency", "sol", "--calls", "12", "--visits", "5")

    assert result.exit_code == 0, result.output
    assert rows(Call, Call.prospect_id == ana.id) == 12
    assert rows(Visit, Visit.prospect_id == ana.id) == 5
    db.session.refresh(ana)
    assert ana.last_contacted_at == db.session.scalar(select(func.max(Call.occurred_at)))
    assert rows(Prospect) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--prospects", "-1"], "-1 is not in the range x>=0"),
        (["--calls", "-5", "--prospects", "3"], "-5 is not in the range x>=0"),
        (["--prospects", "ten"], "'ten' is not a valid integer"),
        (["--agencies", "0", "--prospects", "3"], "0 is not in the range x>=1"),
        (["--agencies", "2", "--agency", "sol"], "either --agencies or --agency"),
        (["--seed", "1.5"], "'1.5' is not a valid integer"),
    ],
)
def test_seed_refuses_bad_options_and_writes_nothing(
    cli: Cli, table_counts: Callable[[], dict[str, int]], args: list[str], message: str
) -> None:
    before = table_counts()

    result = cli("seed", *args)

    assert result.exit_code == 2
    assert message in result.output
    assert table_counts() == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--agency", "nowhere", "--prospects", "5"], "No agency with slug 'nowhere'"),
        (["--agency", "empty", "--prospects", "5"], "has no active users"),
        (["--visits", "10", "--prospects", "5"], "Visits need prospects and properties"),
        (["--visits", "10", "--properties", "5"], "Visits need prospects and properties"),
        (["--calls", "10"], "Calls need prospects"),
        (["--agency", "sol", "--calls", "3"], "Calls need prospects"),
    ],
)
def test_seed_refuses_what_it_cannot_do_and_writes_nothing(
    cli: Cli, make: Factory, table_counts: Callable[[], dict[str, int]], args: list[str], message: str
) -> None:
    make.agency(slug="empty")
    make.user(make.agency(slug="sol"), Role.AGENT)
    before = table_counts()

    result = cli("seed", *args)

    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
    assert table_counts() == before
