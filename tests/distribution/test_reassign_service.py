"""services/reassign: prospects change hands with their future visits and open follow-ups, all
or nothing; clashes, roles, foreign ids and bad input are refused with nothing changed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from realty_crm.errors import Conflict, Forbidden, ValidationFailed
from realty_crm.extensions import db
from realty_crm.models import Activity, ActivityKind, FollowUp, Prospect, Visit, VisitStatus, utcnow
from realty_crm.services import calls, reassign, visits
from realty_crm.services import prospects as prospect_service


def fresh(record):
    db.session.expire_all()
    return db.session.get(type(record), record.id)


def snapshot() -> dict[str, list]:
    """Who holds what: prospects, visits, follow-ups, and the size of the timeline."""
    db.session.expire_all()
    return {
        "prospects": sorted(db.session.execute(select(Prospect.id, Prospect.assigned_agent_id)).all()),
        "visits": sorted(db.session.execute(select(Visit.id, Visit.agent_id, Visit.sequence)).all()),
        "follow_ups": sorted(db.session.execute(select(FollowUp.id, FollowUp.assignee_id)).all()),
        "activities": [db.session.scalar(select(func.count()).select_from(Activity))],
    }


def test_prospect_moves_with_its_future_visits_and_open_follow_ups(team, make, book, at):
    carla = make.prospect(team.manager, first_name="Carla", assigned_agent_id=team.agent.id)
    ahead = book(team.manager, team.flat, carla, at(10), agent=team.agent, status="confirmed")
    past = book(team.manager, team.house, carla, utcnow() - timedelta(days=3), agent=team.agent,
                status="done")
    called_off = book(team.manager, team.house, carla, at(12), agent=team.agent)
    visits.update_visit(team.manager, called_off, {"status": "cancelled", "cancel_reason": "Ill"})
    open_one = make.follow_up(team.manager, carla, assignee_id=team.agent.id)
    done_one = make.follow_up(team.manager, carla, assignee_id=team.agent.id)
    calls.update_follow_up(team.manager, done_one, {"done": True})

    result = reassign.reassign(team.manager, [carla.id], team.colleague.id)

    assert (result.reassigned, result.unchanged, result.visits_moved, result.follow_ups_moved) == (1, 0, 1, 1)
    assert fresh(carla).assigned_agent_id == team.colleague.id
    moved = fresh(ahead)
    assert moved.agent_id == team.colleague.id
    assert moved.status == VisitStatus.CONFIRMED  # same time: the prospect's confirmation stands
    assert moved.sequence == 1  # calendars see the change
    assert fresh(past).agent_id == team.agent.id
    assert fresh(called_off).agent_id == team.agent.id
    assert fresh(open_one).assignee_id == team.colleague.id
    assert fresh(done_one).assignee_id == team.agent.id


def test_the_timeline_records_the_assignment_and_the_visit_handed_over(team, make, book, at, read_entry):
    carla = make.prospect(team.manager, first_name="Carla", assigned_agent_id=team.agent.id)
    visit = book(team.manager, team.flat, carla, at(10), agent=team.agent)

    reassign.reassign(team.manager, [carla.id], team.colleague.id)

    entries = db.session.scalars(
        select(Activity).where(Activity.prospect_id == carla.id).order_by(Activity.id.desc())
    ).all()
    assigned = next(e for e in entries if e.kind == ActivityKind.ASSIGNED)
    assert assigned.actor_id == team.manager.id
    assert read_entry(assigned) == "Assigned to Carlos Colleague."
    assert assigned.data == {"agent_id": team.colleague.id, "agent_name": "Carlos Colleague",
                             "previous_agent_id": team.agent.id,
                             "bulk": False, "visits_moved": 1, "follow_ups_moved": 0}
    handed = next(e for e in entries if e.kind == ActivityKind.VISIT and e.data.get("event") == "reassigned")
    assert handed.subject_id == visit.id
    assert handed.data["previous_agent_id"] == team.agent.id
    assert "Carlos Colleague" in read_entry(handed)
    on_property = db.session.scalars(
        select(Activity).where(Activity.property_id == team.flat.id, Activity.subject_id == visit.id)
    ).all()
    assert any(e.data.get("event") == "reassigned" for e in on_property)


def test_each_prospect_is_announced_and_each_moved_visit_too(team, make, book, at, listener,
                                                               enable_listener):
    enable_listener(team.agency)
    carla = make.prospect(team.manager, first_name="Carla", assigned_agent_id=team.agent.id)
    dan = make.prospect(team.manager, first_name="Dan")
    visit = book(team.manager, team.flat, carla, at(10), agent=team.agent)
    listener.events.clear()

    reassign.reassign(team.manager, [carla.id, dan.id], team.colleague.id)

    assert sorted(listener.heard("crm_prospect_assigned"), key=lambda e: e["prospect_id"]) == [
        {"prospect_id": carla.id, "agent_id": team.colleague.id, "previous_agent_id": team.agent.id},
        {"prospect_id": dan.id, "agent_id": team.colleague.id, "previous_agent_id": None},
    ]
    assert listener.heard("crm_visit_rescheduled") == [{"visit_id": visit.id, "agent_id": team.colleague.id}]


def test_prospects_the_agent_already_holds_are_left_as_they_are(team, make, book, at):
    theirs = make.prospect(team.manager, first_name="Theirs", assigned_agent_id=team.colleague.id)
    covered = book(team.manager, team.flat, theirs, at(10), agent=team.agent)  # a colleague covers it
    before = db.session.scalar(select(func.count()).select_from(Activity))

    result = reassign.reassign(team.manager, [theirs.id], team.colleague.id)

    assert (result.reassigned, result.unchanged, result.visits_moved) == (0, 1, 0)
    assert fresh(covered).agent_id == team.agent.id
    assert db.session.scalar(select(func.count()).select_from(Activity)) == before


def test_back_to_the_pool_leaves_visits_and_follow_ups_with_their_agents(team, make, book, at):
    carla = make.prospect(team.manager, first_name="Carla", assigned_agent_id=team.agent.id)
    visit = book(team.manager, team.flat, carla, at(10), agent=team.agent)
    follow_up = make.follow_up(team.manager, carla, assignee_id=team.agent.id)

    result = reassign.reassign(team.manager, [carla.id], None)

    assert (result.agent_id, result.reassigned) == (None, 1)
    assert (result.visits_moved, result.follow_ups_moved) == (0, 0)
    assert fresh(carla).assigned_agent_id is None
    assert fresh(visit).agent_id == team.agent.id
    assert fresh(follow_up).assignee_id == team.agent.id


def test_visits_and_follow_ups_can_be_left_behind(team, make, book, at):
    carla = make.prospect(team.manager, first_name="Carla", assigned_agent_id=team.agent.id)
    visit = book(team.manager, team.flat, carla, at(10), agent=team.agent)
    follow_up = make.follow_up(team.manager, carla, assignee_id=team.agent.id)

    result = reassign.reassign(team.manager, [carla.id], team.colleague.id, move_visits=False,
                               move_follow_ups=False)

    assert (result.reassigned, result.visits_moved, result.follow_ups_moved) == (1, 0, 0)
    assert fresh(carla).assigned_agent_id == team.colleague.id
    assert fresh(visit).agent_id == team.agent.id
    assert fresh(follow_up).assignee_id == team.agent.id


def test_a_clash_with_the_new_agents_own_visit_refuses_everything(team, make, book, at):
    carla = make.prospect(team.manager, first_name="Carla", assigned_agent_id=team.agent.id)
    dan = make.prospect(team.manager, first_name="Dan", assigned_agent_id=team.agent.id)
    elsewhere = make.prospect(team.manager, first_name="Eva", assigned_agent_id=team.colleague.id)
    fine = book(team.manager, team.flat, carla, at(9), agent=team.agent)
    clashing = book(team.manager, team.flat, dan, at(12), agent=team.agent)
    busy = book(team.manager, team.house, elsewhere, at(12, 30), agent=team.colleague)
    make.follow_up(team.manager, carla, assignee_id=team.agent.id)
    before = snapshot()

    with pytest.raises(Conflict) as refused:
        reassign.reassign(team.manager, [carla.id, dan.id], team.colleague.id)

    db.session.rollback()
    assert snapshot() == before
    clashes = refused.value.details["clashes"]
    assert [(c["visit_id"], c["clashing_visit_id"]) for c in clashes] == [(clashing.id, busy.id)]
    assert "Carlos Colleague" in refused.value.message
    assert "Dan" in clashes[0]["message"]
    assert fine.id not in [c["visit_id"] for c in clashes]


def test_two_visits_moving_together_may_not_overlap_each_other(team, make, book, at):
    carla = make.prospect(team.manager, first_name="Carla", assigned_agent_id=team.agent.id)
    dan = make.prospect(team.manager, first_name="Dan", assigned_agent_id=team.colleague.id)
    first = book(team.manager, team.flat, carla, at(10), agent=team.agent)
    second = book(team.manager, team.house, dan, at(10, 30), agent=team.colleague)
    before = snapshot()

    with pytest.raises(Conflict) as refused:
        reassign.reassign(team.manager, [carla.id, dan.id], team.manager.id)

    db.session.rollback()
    assert snapshot() == before
    assert [(c["visit_id"], c["clashing_visit_id"]) for c in refused.value.details["clashes"]] == [
        (second.id, first.id)
    ]


def test_busy_time_reported_by_a_plugin_is_a_clash(team, make, book, at, listener, enable_listener):
    enable_listener(team.agency)
    carla = make.prospect(team.manager, first_name="Carla", assigned_agent_id=team.agent.id)
    visit = book(team.manager, team.flat, carla, at(10), agent=team.agent)
    listener.busy = [(at(9, 30), at(10, 15), "Dentist")]

    with pytest.raises(Conflict) as refused:
        reassign.reassign(team.manager, [carla.id], team.colleague.id)

    db.session.rollback()
    [clash] = refused.value.details["clashes"]
    assert clash["visit_id"] == visit.id
    assert clash["busy"]["label"] == "Dentist"
    assert fresh(carla).assigned_agent_id == team.agent.id


def test_without_moving_visits_a_clash_does_not_matter(team, make, book, at):
    carla = make.prospect(team.manager, first_name="Carla", assigned_agent_id=team.agent.id)
    book(team.manager, team.flat, carla, at(10), agent=team.agent)
    other = make.prospect(team.manager, first_name="Eva", assigned_agent_id=team.colleague.id)
    book(team.manager, team.house, other, at(10), agent=team.colleague)

    result = reassign.reassign(team.manager, [carla.id], team.colleague.id, move_visits=False)

    assert result.reassigned == 1
    assert fresh(carla).assigned_agent_id == team.colleague.id


def test_preview_counts_what_would_move_and_the_clashes_and_changes_nothing(team, make, book, at):
    carla = make.prospect(team.manager, first_name="Carla", assigned_agent_id=team.agent.id)
    dan = make.prospect(team.manager, first_name="Dan")
    held = make.prospect(team.manager, first_name="Held", assigned_agent_id=team.colleague.id)
    book(team.manager, team.flat, carla, at(9), agent=team.agent)
    clashing = book(team.manager, team.flat, carla, at(12), agent=team.agent)
    other = make.prospect(team.manager, first_name="Eva", assigned_agent_id=team.colleague.id)
    book(team.manager, team.house, other, at(12), agent=team.colleague)
    make.follow_up(team.manager, carla, assignee_id=team.agent.id)
    make.follow_up(team.manager, dan, assignee_id=team.manager.id)
    before = snapshot()

    plan = reassign.preview(team.manager, [carla.id, dan.id, held.id, carla.id], team.colleague.id)

    assert plan.agent == team.colleague
    assert [p.id for p in plan.prospects] == [carla.id, dan.id, held.id]
    assert [p.id for p in plan.changing] == [carla.id, dan.id]
    assert [p.id for p in plan.unchanged] == [held.id]
    assert len(plan.visits) == 2
    assert len(plan.follow_ups) == 2
    assert [c.moving.id for c in plan.clashes] == [clashing.id]
    assert "overlaps Carlos Colleague's visit at MAD-002" in plan.clashes[0].describe(team.manager)
    assert snapshot() == before


def test_agents_may_not_reassign_or_preview(team, make):
    mine = make.prospect(team.agent, first_name="Mine")
    with pytest.raises(Forbidden):
        reassign.reassign(team.agent, [mine.id], team.colleague.id)
    with pytest.raises(Forbidden):
        reassign.preview(team.agent, [mine.id], team.colleague.id)
    assert fresh(mine).assigned_agent_id == team.agent.id


def test_admins_may_reassign(team, make):
    lead = make.prospect(team.manager, first_name="Lead")
    assert reassign.reassign(team.admin, [lead.id], team.agent.id).reassigned == 1


def test_another_agencys_or_a_deleted_or_an_unknown_prospect_refuses_all(team, make):
    ours = make.prospect(team.manager, first_name="Ours")
    binned = make.prospect(team.manager, first_name="Binned")
    prospect_service.delete_prospect(team.manager, binned)
    for ids in ([ours.id, team.foreign_prospect.id], [ours.id, binned.id], [ours.id, 2_000_000]):
        with pytest.raises(ValidationFailed) as refused:
            reassign.reassign(team.manager, ids, team.agent.id)
        db.session.rollback()
        assert str(ids[1]) in refused.value.details["prospect_ids"]
        assert fresh(ours).assigned_agent_id is None
    assert db.session.get(Prospect, team.foreign_prospect.id).assigned_agent_id is None


@pytest.mark.parametrize("who", ["retired", "outsider", "nobody"])
def test_the_new_agent_must_be_an_active_user_of_the_agency(team, make, who):
    lead = make.prospect(team.manager, first_name="Lead")
    agent_id = {"retired": team.retired.id, "outsider": team.outsider.id, "nobody": 2_000_000}[who]
    with pytest.raises(ValidationFailed) as refused:
        reassign.reassign(team.manager, [lead.id], agent_id)
    assert "agent_id" in refused.value.details
    db.session.rollback()
    assert fresh(lead).assigned_agent_id is None


@pytest.mark.parametrize(
    ("ids", "agent"),
    [([], 1), (["x"], 1), ([0], 1), ([2**40], 1), (list(range(1, 502)), 1), ([1], "x"), ([1], 0)],
)
def test_bad_input_is_refused_before_anything_is_read(team, ids, agent):
    with pytest.raises(ValidationFailed) as refused:
        reassign.reassign(team.manager, ids, agent)
    assert refused.value.details
