"""The prospect write path: create, update, assign, notes, merge, delete, restore, erase."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, text
from werkzeug.exceptions import NotFound

from realty_crm import tenancy
from realty_crm.errors import Conflict, Forbidden, ValidationFailed
from realty_crm.extensions import db
from realty_crm.models import (
    Activity,
    ActivityKind,
    Call,
    FollowUp,
    Prospect,
    ProspectStatus,
    Visit,
    VisitStatus,
)
from realty_crm.services import prospects, reassign
from realty_crm.services.search import ProspectFilters, list_prospects


def entries(prospect: Prospect, kind: ActivityKind | None = None) -> list[Activity]:
    """The prospect's timeline, oldest first."""
    stmt = select(Activity).where(Activity.prospect_id == prospect.id).order_by(Activity.id)
    if kind is not None:
        stmt = stmt.where(Activity.kind == kind)
    return list(db.session.scalars(stmt))


# --- create -------------------------------------------------------------------------------------


def test_create_lowercases_email(team):
    p = prospects.create_prospect(
        team.manager, {"first_name": "Lucía", "email": "  Lucia.Gomez@Example.COM "}
    )
    assert p.email == "lucia.gomez@example.com"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("600 111 222", "+34600111222"),
        ("600-111-222", "+34600111222"),
        ("+34 600 111 222", "+34600111222"),
        ("0034 600111222", "+34600111222"),
        ("+44 20 7946 0958", "+442079460958"),
    ],
)
def test_create_stores_phone_in_e164(team, typed, stored):
    p = prospects.create_prospect(team.manager, {"first_name": "Pablo", "phone": typed})
    db.session.expire_all()
    assert db.session.get(Prospect, p.id).phone == stored


def test_phone_without_country_code_is_read_in_the_agency_region(make):
    agency = make.agency(settings={"phone_region": "GB"})
    manager = make.user(agency, "manager")
    tenancy.enter(agency.id)
    p = prospects.create_prospect(manager, {"first_name": "Oliver", "phone": "020 7946 0958"})
    assert p.phone == "+442079460958"


@pytest.mark.parametrize(
    "email", ["not-an-email", "ana@", "@example.com", "ana lopez@example.com", "a" * 250 + "@x.es"]
)
def test_invalid_email_is_refused_naming_the_field(team, row_counts, email):
    before = row_counts()
    with pytest.raises(ValidationFailed) as exc:
        prospects.create_prospect(team.manager, {"first_name": "Ana", "email": email})
    assert exc.value.status == 422
    assert set(exc.value.details) == {"email"}
    assert row_counts() == before


@pytest.mark.parametrize("phone", ["123", "phone me", "+34 12", "600 111 222 333 444", "+999 600111222"])
def test_invalid_phone_is_refused_naming_the_field(team, row_counts, phone):
    before = row_counts()
    with pytest.raises(ValidationFailed) as exc:
        prospects.create_prospect(team.manager, {"first_name": "Ana", "phone": phone})
    assert set(exc.value.details) == {"phone"}
    assert row_counts() == before


def test_blank_email_and_phone_are_stored_as_none(team):
    p = prospects.create_prospect(team.manager, {"first_name": "Ana", "email": "  ", "phone": ""})
    assert p.email is None and p.phone is None


def test_duplicate_email_in_other_case_is_a_conflict_naming_the_existing_prospect(team, count):
    first = prospects.create_prospect(team.manager, {"first_name": "Ana", "email": "ana@example.com"})
    with pytest.raises(Conflict) as exc:
        prospects.create_prospect(team.agent, {"first_name": "Anita", "email": "ANA@Example.com"})
    assert exc.value.status == 409
    assert exc.value.details["existing_id"] == first.id
    assert "email" in exc.value.details
    assert count(Prospect) == 1


@pytest.mark.parametrize("typed", ["600111222", "+34 600 11 12 22", "(0034) 600-111-222"])
def test_duplicate_phone_in_any_format_is_a_conflict(team, count, typed):
    first = prospects.create_prospect(team.manager, {"first_name": "Ana", "phone": "+34600111222"})
    with pytest.raises(Conflict) as exc:
        prospects.create_prospect(team.manager, {"first_name": "Eva", "phone": typed})
    assert exc.value.details["existing_id"] == first.id
    assert "phone" in exc.value.details
    assert count(Prospect) == 1


def test_duplicate_of_a_soft_deleted_prospect_is_still_a_conflict(team):
    first = prospects.create_prospect(team.manager, {"first_name": "Ana", "email": "ana@example.com"})
    prospects.delete_prospect(team.manager, first)
    with pytest.raises(Conflict) as exc:
        prospects.create_prospect(team.manager, {"first_name": "Ana", "email": "ana@example.com"})
    assert exc.value.details["existing_id"] == first.id


def test_same_email_and_phone_in_another_agency_is_not_a_duplicate(team, count):
    data = {"first_name": "Ana", "email": "ana@example.com", "phone": "600111222"}
    prospects.create_prospect(team.manager, data)
    with tenancy.scope(team.b.id):
        other = prospects.create_prospect(team.admin_b, data)
    assert other.agency_id == team.b.id
    assert count(Prospect) == 2


def test_agents_new_prospect_is_assigned_to_them(team):
    p = prospects.create_prospect(team.agent, {"first_name": "Ana"})
    assert p.assigned_agent_id == team.agent.id
    [assigned] = entries(p, ActivityKind.ASSIGNED)
    assert assigned.data == {
        "agent_id": team.agent.id, "agent_name": team.agent.name, "previous_agent_id": None
    }


def test_managers_new_prospect_stays_unassigned_unless_given(team):
    p = prospects.create_prospect(team.manager, {"first_name": "Ana"})
    assert p.assigned_agent_id is None
    assert [e.kind for e in entries(p)] == [ActivityKind.CREATED]


def test_manager_assigns_new_prospect_to_an_agent(team):
    p = prospects.create_prospect(team.manager, {"first_name": "Ana", "assigned_agent_id": team.agent2.id})
    assert p.assigned_agent_id == team.agent2.id
    assert [e.kind for e in entries(p)] == [ActivityKind.CREATED, ActivityKind.ASSIGNED]


def test_agent_cannot_assign_new_prospect_to_a_colleague(team, row_counts):
    before = row_counts()
    with pytest.raises(Forbidden):
        prospects.create_prospect(team.agent, {"first_name": "Ana", "assigned_agent_id": team.agent2.id})
    assert row_counts() == before


def test_new_prospect_cannot_go_to_another_agencys_agent(team, row_counts):
    before = row_counts()
    with pytest.raises(ValidationFailed) as exc:
        prospects.create_prospect(team.manager, {"first_name": "Ana", "assigned_agent_id": team.agent_b.id})
    assert set(exc.value.details) == {"assigned_agent_id"}
    assert row_counts() == before


def test_new_prospect_cannot_go_to_an_inactive_agent(team, make):
    gone = make.user(team.a, "agent", active=False)
    with pytest.raises(ValidationFailed) as exc:
        prospects.create_prospect(team.manager, {"first_name": "Ana", "assigned_agent_id": gone.id})
    assert "assigned_agent_id" in exc.value.details


def test_lost_without_a_reason_is_refused(team, row_counts):
    before = row_counts()
    with pytest.raises(ValidationFailed) as exc:
        prospects.create_prospect(team.manager, {"first_name": "Ana", "status": "lost"})
    assert exc.value.status == 422
    assert set(exc.value.details) == {"lost_reason"}
    assert row_counts() == before


def test_lost_with_a_reason_is_accepted(team):
    p = prospects.create_prospect(
        team.manager, {"first_name": "Ana", "status": "lost", "lost_reason": "Bought elsewhere"}
    )
    assert p.status == ProspectStatus.LOST and p.lost_reason == "Bought elsewhere"


def test_create_records_the_source_on_the_timeline(team):
    p = prospects.create_prospect(
        team.manager, {"first_name": "Ana", "source": "portal", "source_detail": "Idealista"}
    )
    [created] = entries(p, ActivityKind.CREATED)
    assert created.actor_id == team.manager.id
    assert created.data == {"source": "portal"}
    assert p.source_detail == "Idealista"


@pytest.mark.parametrize(
    "name", ["Zoë 👩‍💼", "مريم", "שָׁלוֹם", "李小龍", "O'Brien-Núñez", "\u202eevil\u202c"]
)
def test_unicode_emoji_and_rtl_names_are_stored_exactly(team, name):
    p = prospects.create_prospect(team.manager, {"first_name": name, "last_name": name})
    pid = p.id
    db.session.expire_all()
    stored = db.session.get(Prospect, pid)
    assert stored.first_name == name and stored.last_name == name


# --- update -------------------------------------------------------------------------------------


def test_update_records_each_changed_field_with_old_and_new(team):
    p = prospects.create_prospect(team.manager, {"first_name": "Ana", "email": "ana@example.com"})
    prospects.update_prospect(
        team.manager, p, {"first_name": "Anabel", "email": "anabel@example.com", "tags": ["vip"]}
    )
    [updated] = entries(p, ActivityKind.UPDATED)
    assert updated.data["changes"] == {
        "first_name": ["Ana", "Anabel"],
        "email": ["ana@example.com", "anabel@example.com"],
        "tags": [[], ["vip"]],
    }
    assert updated.actor_id == team.manager.id


def test_status_change_is_recorded_with_old_and_new(team):
    p = prospects.create_prospect(team.manager, {"first_name": "Ana"})
    prospects.update_prospect(team.manager, p, {"status": "qualified"})
    [changed] = entries(p, ActivityKind.STATUS_CHANGED)
    assert changed.data == {"old": "new", "new": "qualified"}
    assert entries(p, ActivityKind.UPDATED) == []


def test_update_with_the_same_values_records_nothing(team):
    p = prospects.create_prospect(team.manager, {"first_name": "Ana", "email": "ana@example.com"})
    prospects.update_prospect(team.manager, p, {"first_name": "Ana", "email": "ANA@example.com"})
    assert [e.kind for e in entries(p)] == [ActivityKind.CREATED]


def test_update_to_lost_needs_a_reason(team):
    p = prospects.create_prospect(team.manager, {"first_name": "Ana"})
    with pytest.raises(ValidationFailed) as exc:
        prospects.update_prospect(team.manager, p, {"status": "lost"})
    assert "lost_reason" in exc.value.details
    db.session.expire_all()
    assert p.status == ProspectStatus.NEW


def test_requirements_partial_update_keeps_the_other_requirements(team):
    p = prospects.create_prospect(
        team.manager,
        {
            "first_name": "Ana",
            "requirements": {
                "operation": "buy", "min_price": "200000", "max_price": "300000", "areas": ["Centro"]
            },
        },
    )
    prospects.update_prospect(team.manager, p, {"requirements": {"max_price": 350000, "min_bedrooms": 2}})
    db.session.expire_all()
    req = p.requirements
    assert req["operation"] == "buy"
    assert req["min_price"] == Decimal("200000")
    assert req["max_price"] == Decimal("350000")
    assert req["min_bedrooms"] == 2
    assert req["areas"] == ["Centro"]
    [updated] = entries(p, ActivityKind.UPDATED)
    assert set(updated.data["changes"]) == {"max_price", "min_bedrooms"}


def test_requirements_max_price_below_the_stored_min_price_is_refused(team):
    p = prospects.create_prospect(team.manager, {"first_name": "Ana", "requirements": {"min_price": 200000}})
    with pytest.raises(ValidationFailed) as exc:
        prospects.update_prospect(team.manager, p, {"requirements": {"max_price": 100000}})
    assert exc.value.details
    assert set(exc.value.details) <= {"requirements.min_price", "requirements.max_price"}
    db.session.expire_all()
    assert p.max_price is None


def test_min_price_above_max_price_in_one_request_is_refused(team, row_counts):
    before = row_counts()
    with pytest.raises(ValidationFailed) as exc:
        prospects.create_prospect(
            team.manager, {"first_name": "Ana", "requirements": {"min_price": 5, "max_price": 4}}
        )
    assert any(key.startswith("requirements") for key in exc.value.details)
    assert row_counts() == before


def test_update_to_another_prospects_email_is_a_conflict(team):
    ana = prospects.create_prospect(team.manager, {"first_name": "Ana", "email": "ana@example.com"})
    eva = prospects.create_prospect(team.manager, {"first_name": "Eva", "email": "eva@example.com"})
    with pytest.raises(Conflict) as exc:
        prospects.update_prospect(team.manager, eva, {"email": "Ana@Example.com"})
    assert exc.value.details["existing_id"] == ana.id
    db.session.expire_all()
    assert eva.email == "eva@example.com"


def test_update_that_fails_on_the_agent_leaves_no_change_behind(team):
    p = prospects.create_prospect(team.manager, {"first_name": "Ana"})
    with pytest.raises(ValidationFailed) as exc:
        prospects.update_prospect(
            team.manager, p, {"first_name": "Changed", "assigned_agent_id": team.agent_b.id}
        )
    assert "assigned_agent_id" in exc.value.details
    # whatever the caller commits next must not carry half of the refused update
    prospects.add_note(team.manager, p, "Called, no answer.")
    db.session.expire_all()
    assert p.first_name == "Ana"
    assert p.assigned_agent_id is None
    assert [e.kind for e in entries(p)] == [ActivityKind.CREATED, ActivityKind.NOTE]


def test_agent_cannot_update_a_colleagues_prospect(team):
    p = prospects.create_prospect(team.agent2, {"first_name": "Ana"})
    with pytest.raises(Forbidden):
        prospects.update_prospect(team.agent, p, {"first_name": "Mine"})


def test_agent_updates_own_prospect_but_cannot_reassign_it(team):
    p = prospects.create_prospect(team.agent, {"first_name": "Ana"})
    prospects.update_prospect(team.agent, p, {"last_name": "López"})
    assert p.last_name == "López"
    with pytest.raises(Forbidden):
        prospects.update_prospect(team.agent, p, {"assigned_agent_id": team.agent2.id})
    db.session.expire_all()
    assert p.assigned_agent_id == team.agent.id


NOTHING_MOVED = {"bulk": False, "visits_moved": 0, "follow_ups_moved": 0}


def test_update_reassigns_and_records_the_previous_agent(team):
    p = prospects.create_prospect(team.agent, {"first_name": "Ana"})
    prospects.update_prospect(team.manager, p, {"assigned_agent_id": team.agent2.id})
    assigned = entries(p, ActivityKind.ASSIGNED)[-1]
    assert assigned.data == {
        "agent_id": team.agent2.id, "agent_name": team.agent2.name, "previous_agent_id": team.agent.id,
        **NOTHING_MOVED,
    }


# --- assign -------------------------------------------------------------------------------------


def test_assign_records_the_new_and_previous_agent(team):
    p = prospects.create_prospect(team.manager, {"first_name": "Ana"})
    reassign.reassign(team.manager, [p.id], team.agent.id)
    reassign.reassign(team.manager, [p.id], team.agent2.id)
    db.session.expire_all()
    assert p.assigned_agent_id == team.agent2.id
    assert [e.data for e in entries(p, ActivityKind.ASSIGNED)] == [
        {"agent_id": team.agent.id, "agent_name": team.agent.name, "previous_agent_id": None,
         **NOTHING_MOVED},
        {"agent_id": team.agent2.id, "agent_name": team.agent2.name, "previous_agent_id": team.agent.id,
         **NOTHING_MOVED},
    ]


def test_unassign_puts_the_prospect_back_in_the_pool_and_records_who_had_it(team):
    p = prospects.create_prospect(team.agent, {"first_name": "Ana"})
    reassign.reassign(team.admin, [p.id], None)
    assert p.assigned_agent_id is None
    last = entries(p, ActivityKind.ASSIGNED)[-1]
    assert last.data == {
        "agent_id": None, "agent_name": None, "previous_agent_id": team.agent.id, **NOTHING_MOVED
    }


def test_assign_to_the_same_agent_records_nothing(team):
    p = prospects.create_prospect(team.agent, {"first_name": "Ana"})
    reassign.reassign(team.manager, [p.id], team.agent.id)
    assert len(entries(p, ActivityKind.ASSIGNED)) == 1


def test_agent_cannot_assign(team):
    p = prospects.create_prospect(team.agent, {"first_name": "Ana"})
    with pytest.raises(Forbidden):
        reassign.reassign(team.agent, [p.id], team.agent2.id)
    db.session.expire_all()
    assert p.assigned_agent_id == team.agent.id


def test_assign_to_another_agencys_user_is_refused(team):
    p = prospects.create_prospect(team.manager, {"first_name": "Ana"})
    with pytest.raises(ValidationFailed) as exc:
        reassign.reassign(team.manager, [p.id], team.agent_b.id)
    assert set(exc.value.details) == {"agent_id"}
    assert entries(p, ActivityKind.ASSIGNED) == []


# --- merge --------------------------------------------------------------------------------------


def test_merge_fills_blanks_only_and_joins_tags(team):
    existing = prospects.create_prospect(
        team.manager,
        {
            "first_name": "Ana",
            "email": "ana@example.com",
            "tags": ["vip", "centro"],
            "requirements": {"max_price": 300000},
        },
    )
    prospects.merge_into(
        team.manager,
        existing,
        {
            "first_name": "Anita",
            "last_name": "López",
            "email": "other@example.com",
            "phone": "600 111 222",
            "tags": ["centro", "web"],
            "marketing_consent": True,
            "requirements": {"max_price": 999999, "min_bedrooms": 3},
        },
    )
    db.session.expire_all()
    assert existing.first_name == "Ana"
    assert existing.email == "ana@example.com"
    assert existing.last_name == "López"
    assert existing.phone == "+34600111222"
    assert existing.tags == ["vip", "centro", "web"]
    assert existing.max_price == Decimal("300000")
    assert existing.min_bedrooms == 3
    assert existing.marketing_consent is True
    [merged] = entries(existing, ActivityKind.MERGED)
    assert merged.data["filled"]["last_name"] == "López"
    assert merged.data["filled"]["tags"] == ["vip", "centro", "web"]
    assert "email" not in merged.data["filled"]


def test_merge_brings_back_a_soft_deleted_prospect(team):
    existing = prospects.create_prospect(team.manager, {"first_name": "Ana", "email": "ana@example.com"})
    prospects.delete_prospect(team.manager, existing)
    prospects.merge_into(team.manager, existing, {"first_name": "Ana", "email": "ana@example.com"})
    assert list_prospects(team.manager, ProspectFilters()).total == 1


def test_merge_with_invalid_data_changes_nothing(team):
    existing = prospects.create_prospect(team.manager, {"first_name": "Ana"})
    with pytest.raises(ValidationFailed):
        prospects.merge_into(team.manager, existing, {"first_name": "Ana", "phone": "nope"})
    assert entries(existing, ActivityKind.MERGED) == []


# --- delete, restore, erase ---------------------------------------------------------------------


def test_manager_soft_deletes_and_restores(team, count):
    p = prospects.create_prospect(team.manager, {"first_name": "Ana"})
    prospects.delete_prospect(team.manager, p)
    assert count(Prospect) == 1
    assert list_prospects(team.manager, ProspectFilters()).total == 0
    deleted = list_prospects(team.manager, ProspectFilters(deleted=True))
    assert [x.id for x in deleted.items] == [p.id]
    with pytest.raises(NotFound):
        tenancy.get_or_404(Prospect, p.id)
    restored = tenancy.get_or_404(Prospect, p.id, include_deleted=True)
    prospects.restore_prospect(team.admin, restored)
    assert list_prospects(team.manager, ProspectFilters()).total == 1
    kinds = [e.kind for e in entries(p)]
    assert kinds[-2:] == [ActivityKind.DELETED, ActivityKind.RESTORED]


def test_agent_can_neither_delete_nor_restore(team):
    p = prospects.create_prospect(team.agent, {"first_name": "Ana"})
    with pytest.raises(Forbidden):
        prospects.delete_prospect(team.agent, p)
    prospects.delete_prospect(team.manager, p)
    with pytest.raises(Forbidden):
        prospects.restore_prospect(team.agent, p)
    db.session.expire_all()
    assert p.deleted_at is not None


def test_manager_cannot_erase(team):
    p = prospects.create_prospect(team.manager, {"first_name": "Ana", "email": "ana@example.com"})
    with pytest.raises(Forbidden):
        prospects.erase_prospect(team.manager, p)
    db.session.expire_all()
    assert p.email == "ana@example.com"


def test_erase_removes_personal_data_everywhere(team, make):
    p = prospects.create_prospect(
        team.agent,
        {
            "first_name": "Josefina",
            "last_name": "Zubizarreta",
            "email": "josefina@example.com",
            "phone": "600 111 222",
            "tags": ["vip"],
            "source_detail": "met Josefina at the fair",
        },
    )
    prospects.update_prospect(team.agent, p, {"email": "j.zubizarreta@example.com"})
    prospects.add_note(team.agent, p, "Josefina Zubizarreta wants a terrace.")
    make.call(team.agent, p, summary="Josefina said to call her on 600111222.",
              follow_up_at=(datetime.now(UTC) + timedelta(days=1)).isoformat(),
              follow_up_title="Send Josefina the brochure")
    prop = make.property(team.agent)
    now = datetime.now(UTC)
    db.session.add(Visit(agency_id=team.a.id, property_id=prop.id, prospect_id=p.id, agent_id=team.agent.id,
                         starts_at=now - timedelta(days=2), ends_at=now - timedelta(days=2, hours=-1),
                         status=VisitStatus.DONE, feedback="Josefina loved it"))
    db.session.commit()

    prospects.erase_prospect(team.admin, p)

    db.session.expire_all()
    assert p.erased_at is not None and p.deleted_at is not None
    assert (p.email, p.phone, p.last_name, p.tags, p.source_detail) == (None, None, "", [], None)
    assert "Josefina" not in p.first_name
    for table in ("prospects", "calls", "activities", "follow_ups", "visits"):
        dump = " ".join(str(row) for row in db.session.execute(text(f"SELECT * FROM {table}")))
        for secret in ("Josefina", "josefina", "Zubizarreta", "zubizarreta", "600111222"):
            assert secret not in dump, (table, secret)
    assert entries(p, ActivityKind.ERASED)[0].actor_id == team.admin.id
    assert list_prospects(team.admin, ProspectFilters(q="josefina", deleted=True)).total == 0
    # the figures stay: the call and the follow-up are still there, anonymous
    assert db.session.scalar(select(Call.id).where(Call.prospect_id == p.id)) is not None
    assert db.session.scalar(select(FollowUp.id).where(FollowUp.prospect_id == p.id)) is not None


# --- notes --------------------------------------------------------------------------------------


def test_note_is_added_to_the_timeline(team):
    p = prospects.create_prospect(team.agent, {"first_name": "Ana"})
    note = prospects.add_note(team.agent, p, "  Prefers afternoons. 🌇  ")
    assert note.kind == ActivityKind.NOTE
    assert note.summary == "Prefers afternoons. 🌇"
    assert note.actor_id == team.agent.id


@pytest.mark.parametrize("body", ["", "   \n ", None, "x" * 10_001])
def test_empty_or_too_long_note_is_refused(team, body):
    p = prospects.create_prospect(team.agent, {"first_name": "Ana"})
    with pytest.raises(ValidationFailed) as exc:
        prospects.add_note(team.agent, p, body)
    assert set(exc.value.details) == {"body"}
    assert entries(p, ActivityKind.NOTE) == []


def test_agent_cannot_note_a_colleagues_prospect(team):
    p = prospects.create_prospect(team.agent2, {"first_name": "Ana"})
    with pytest.raises(Forbidden):
        prospects.add_note(team.agent, p, "Mine now")
    assert entries(p, ActivityKind.NOTE) == []


def test_find_duplicates_ignores_other_agencies(team):
    prospects.create_prospect(team.manager, {"first_name": "Ana", "email": "ana@example.com"})
    assert len(prospects.find_duplicates(team.a.id, "ANA@example.com", None)) == 1
    with tenancy.scope(team.b.id):
        assert prospects.find_duplicates(team.b.id, "ana@example.com", None) == []


def test_duplicate_held_by_a_colleague_is_reported_without_their_name(team):
    theirs = prospects.create_prospect(team.agent2, {"first_name": "Secreta", "email": "s@example.com"})
    with pytest.raises(Conflict) as exc:
        prospects.create_prospect(team.agent, {"first_name": "Mine", "email": "s@example.com"})
    assert exc.value.details["existing_id"] == theirs.id
    assert "Secreta" not in exc.value.message
    assert "Secreta" not in str(exc.value.details)


def test_agent_cannot_merge_into_a_colleagues_prospect(team):
    theirs = prospects.create_prospect(team.agent2, {"first_name": "Ana"})
    with pytest.raises(Forbidden):
        prospects.merge_into(team.agent, theirs, {"first_name": "Ana", "last_name": "López"})
    db.session.expire_all()
    assert theirs.last_name == ""


def test_merge_that_would_take_another_prospects_email_is_a_conflict(team):
    prospects.create_prospect(team.manager, {"first_name": "Eva", "email": "eva@example.com"})
    ana = prospects.create_prospect(team.manager, {"first_name": "Ana"})
    with pytest.raises(Conflict):
        prospects.merge_into(
            team.manager, ana, {"first_name": "Ana", "email": "eva@example.com", "tags": ["x"]}
        )
    db.session.expire_all()
    assert ana.email is None and ana.tags == []
    assert entries(ana, ActivityKind.MERGED) == []


def test_timeline_is_newest_first_and_only_the_prospects_own(team):
    from realty_crm.services import activity

    ana = prospects.create_prospect(team.agent, {"first_name": "Ana"})
    eva = prospects.create_prospect(team.agent, {"first_name": "Eva"})
    prospects.add_note(team.agent, ana, "first")
    prospects.add_note(team.agent, eva, "other")
    prospects.add_note(team.agent, ana, "second")
    kinds = [(e.kind, e.summary) for e in activity.timeline(prospect=ana)]
    assert kinds[:2] == [(ActivityKind.NOTE, "second"), (ActivityKind.NOTE, "first")]
    assert {e.prospect_id for e in activity.timeline(prospect=ana)} == {ana.id}
    assert activity.timeline(prospect=ana)[0].actor.id == team.agent.id
