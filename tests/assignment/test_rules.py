"""Each assignment rule, who is eligible, and what the timeline says about the choice."""

from __future__ import annotations

from datetime import timedelta

import pytest

from realty_crm.errors import Conflict
from realty_crm.extensions import db
from realty_crm.models import Agency, utcnow
from realty_crm.services import assignment, prospects


def _cursor(agency: Agency) -> int | None:
    db.session.expire_all()
    return db.session.get(Agency, agency.id).round_robin_agent_id


# --- manual -----------------------------------------------------------------------------------

def test_manual_rule_leaves_new_leads_unassigned_and_says_nothing(office, holder, assignment_entries):
    lead = office.lead()
    assert holder(lead.id) is None
    assert assignment_entries(lead.id) == []


# --- round robin ------------------------------------------------------------------------------

def test_round_robin_deals_leads_in_id_order_and_wraps_round(office, holder):
    office.use("round_robin")
    leads = [office.lead() for _ in range(6)]
    ana, ben, cruz, dora = (a.id for a in office.agents)
    assert [holder(lead.id) for lead in leads] == [ana, ben, cruz, dora, ana, ben]
    assert _cursor(office.agency) == ben


def test_round_robin_continues_after_the_last_agent_chosen(office, holder):
    office.use("round_robin")
    office.agency.round_robin_agent_id = office.cruz.id
    db.session.commit()
    assert holder(office.lead().id) == office.dora.id
    assert holder(office.lead().id) == office.ana.id


def test_round_robin_skips_inactive_and_away_agents(office, holder):
    office.use("round_robin")
    office.update(office.ben, active=False)
    now = utcnow()
    office.update(office.cruz, away_from=now - timedelta(days=1), away_until=now + timedelta(days=3))
    holders = [holder(office.lead().id) for _ in range(4)]
    assert holders == [office.ana.id, office.dora.id, office.ana.id, office.dora.id]


def test_round_robin_goes_on_when_the_last_agent_chosen_left(office, holder):
    office.use("round_robin")
    assert holder(office.lead().id) == office.ana.id
    assert holder(office.lead().id) == office.ben.id
    office.update(office.ben, active=False)  # the cursor points at someone no longer eligible
    assert holder(office.lead().id) == office.cruz.id


def test_a_lead_entered_with_an_agent_does_not_move_the_round(office, holder, assignment_entries, read_entry):
    office.use("round_robin")
    assert holder(office.lead().id) == office.ana.id
    given = office.lead(assigned_agent_id=office.dora.id)
    assert holder(given.id) == office.dora.id
    [entry] = assignment_entries(given.id)
    assert read_entry(entry) == "Assigned to Dora." and "rule" not in entry.data
    assert entry.actor_id == office.manager.id
    assert _cursor(office.agency) == office.ana.id
    assert holder(office.lead().id) == office.ben.id


def test_an_agent_keeps_the_lead_they_enter_whatever_the_rule(office, holder, assignment_entries):
    office.use("round_robin")
    lead = office.lead(actor=office.dora)
    assert holder(lead.id) == office.dora.id
    assert [e.data.get("rule") for e in assignment_entries(lead.id)] == [None]
    assert _cursor(office.agency) is None


def test_admins_and_managers_never_get_leads_by_rule(office, holder):
    office.use("round_robin")
    staff = {office.admin.id, office.manager.id}
    holders = {holder(office.lead(actor=actor).id) for actor in (office.admin, office.manager) * 4}
    assert holders == {a.id for a in office.agents}
    assert not holders & staff


def test_agents_of_another_agency_are_never_chosen(office, holder):
    office.use("round_robin", office.other_agency)
    office.use("round_robin")
    mine = [holder(office.lead().id) for _ in range(4)]
    theirs = office.make.prospect(office.other_admin)
    assert set(mine) == {a.id for a in office.agents}
    assert holder(theirs.id) == office.other_agent.id


# --- least loaded -----------------------------------------------------------------------------

def test_least_loaded_gives_the_lead_to_the_agent_with_fewest_open_prospects(office, holder):
    for agent, n in ((office.ana, 3), (office.ben, 2), (office.cruz, 1), (office.dora, 2)):
        for _ in range(n):
            office.lead(assigned_agent_id=agent.id)
    office.use("least_loaded")
    assert holder(office.lead().id) == office.cruz.id
    # Cruz now has 2 like Ben and Dora: the tie goes to who received fewest leads lately, then the
    # lowest id; all three received two this week, so Ben
    assert holder(office.lead().id) == office.ben.id


def test_least_loaded_counts_open_prospects_only(office, holder):
    for agent in (office.ana, office.ben, office.cruz):
        office.lead(assigned_agent_id=agent.id)
    for status in ("won", "lost"):
        extra = {"lost_reason": "Bought elsewhere"} if status == "lost" else {}
        office.lead(assigned_agent_id=office.dora.id, status=status, **extra)
        office.lead(assigned_agent_id=office.dora.id, status=status, **extra)
    office.use("least_loaded")
    assert holder(office.lead().id) == office.dora.id


def test_least_loaded_ties_go_to_the_agent_who_received_fewest_leads_recently(office, holder):
    # every agent holds one open lead and has won another: Cruz won his long ago
    for agent in office.agents:
        office.lead(assigned_agent_id=agent.id)
        won = office.lead(assigned_agent_id=agent.id, status="won")
        if agent is office.cruz:
            won.created_at = utcnow() - assignment.RECENT - timedelta(days=1)
    db.session.commit()
    office.use("least_loaded")
    # one open lead each; received this week: Cruz 1, the others 2
    assert holder(office.lead().id) == office.cruz.id
    # now Cruz holds two; the others tie on both counts: the lowest id
    assert holder(office.lead().id) == office.ana.id


def test_least_loaded_skips_inactive_and_away_agents(office, holder):
    for agent in (office.ana, office.ben):
        office.lead(assigned_agent_id=agent.id)
    office.update(office.cruz, active=False)
    office.update(office.dora, away_from=utcnow() - timedelta(hours=1))  # away with no return set
    office.use("least_loaded")
    assert holder(office.lead().id) == office.ana.id


# --- by area ----------------------------------------------------------------------------------

def test_by_area_picks_an_agent_covering_the_area_whatever_the_case_and_accents(
    office, holder, assignment_entries, read_entry
):
    office.use("by_area")
    lead = office.lead(requirements={"areas": ["  RETIRO "]})
    assert holder(lead.id) == office.ben.id
    [entry] = assignment_entries(lead.id)
    assert read_entry(entry) == "Assigned to Ben by area (RETIRO)."
    assert entry.data == {"rule": "by_area", "areas": ["RETIRO"], "agent_id": office.ben.id,
                          "agent_name": "Ben", "previous_agent_id": None}


def test_by_area_takes_the_least_loaded_of_the_agents_covering_it(office, holder):
    office.use("by_area")
    office.lead(assigned_agent_id=office.ana.id)
    # Ana ("Chamberí") and Cruz ("chamberi") both cover it; Ana holds one lead already
    assert holder(office.lead(requirements={"areas": ["Chamberi"]}).id) == office.cruz.id
    # now one each: the tie goes to the lowest id among them, never to Ben or Dora
    assert holder(office.lead(requirements={"areas": ["chamberí", "Moncloa"]}).id) == office.ana.id


def test_by_area_matches_any_of_the_prospect_areas(office, holder):
    office.use("by_area")
    lead = office.lead(requirements={"areas": ["Moncloa", "Salamanca"]})
    assert holder(lead.id) == office.ana.id


def test_by_area_falls_back_to_the_least_loaded_agent_when_nobody_covers_the_area(
    office, holder, assignment_entries, read_entry
):
    for agent in (office.ana, office.ben, office.cruz):
        office.lead(assigned_agent_id=agent.id)
    office.use("by_area")
    lead = office.lead(requirements={"areas": ["Vallecas"]})
    assert holder(lead.id) == office.dora.id
    [entry] = assignment_entries(lead.id)
    assert entry.data == {
        "rule": "least_loaded", "fallback_from": "by_area", "areas": ["Vallecas"],
        "agent_id": office.dora.id, "agent_name": "Dora", "previous_agent_id": None,
    }
    assert read_entry(entry) == (
        "Assigned to Dora, the agent with the fewest open prospects: no agent covers Vallecas."
    )


def test_by_area_falls_back_to_the_least_loaded_agent_when_the_lead_names_no_area(
    office, holder, assignment_entries, read_entry
):
    for agent in (office.ana, office.cruz, office.dora):
        office.lead(assigned_agent_id=agent.id)
    office.use("by_area")
    lead = office.lead()
    assert holder(lead.id) == office.ben.id
    [entry] = assignment_entries(lead.id)
    assert entry.data["fallback_from"] == "by_area"
    assert read_entry(entry) == (
        "Assigned to Ben, the agent with the fewest open prospects: the prospect names no area."
    )


def test_by_area_falls_back_when_the_only_agent_covering_the_area_is_away(office, holder):
    office.update(office.ben, away_from=utcnow() - timedelta(days=1), away_until=utcnow() + timedelta(days=1))
    office.lead(assigned_agent_id=office.ana.id)
    office.lead(assigned_agent_id=office.cruz.id)
    office.use("by_area")
    assert holder(office.lead(requirements={"areas": ["Retiro"]}).id) == office.dora.id


# --- away dates -------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("starts", "ends", "away"),
    [
        (-1, 1, True),  # away now
        (-1, None, True),  # away with no return date yet
        (None, 1, True),  # away until tomorrow
        (1, 5, False),  # the holiday has not begun
        (-5, -1, False),  # back already
        (None, None, False),
    ],
)
def test_an_agent_is_skipped_only_while_away(office, holder, starts, ends, away):
    now = utcnow()
    office.update(
        office.ana,
        away_from=now + timedelta(days=starts) if starts is not None else None,
        away_until=now + timedelta(days=ends) if ends is not None else None,
    )
    office.use("round_robin")
    expected = office.ben.id if away else office.ana.id
    assert holder(office.lead().id) == expected


def test_eligible_agents_are_active_agents_present_now_in_id_order(office):
    office.update(office.ben, active=False)
    now = utcnow()
    office.update(office.dora, away_from=now - timedelta(minutes=1), away_until=now + timedelta(hours=1))
    assert [a.id for a in assignment.eligible_agents(office.agency.id)] == [office.ana.id, office.cruz.id]


# --- nobody to give it to ---------------------------------------------------------------------

@pytest.mark.parametrize("rule", ["round_robin", "least_loaded", "by_area"])
def test_a_lead_stays_unassigned_when_no_agent_is_eligible_and_the_timeline_says_so(
    office, holder, assignment_entries, rule, read_entry
):
    office.use(rule)
    office.update(office.ana, active=False)
    office.update(office.ben, active=False)
    office.update(office.cruz, away_from=utcnow() - timedelta(days=1))
    office.update(office.dora, away_until=utcnow() + timedelta(days=1))
    lead = office.lead(requirements={"areas": ["Retiro"]})
    assert holder(lead.id) is None
    [entry] = assignment_entries(lead.id)
    assert entry.data == {"rule": rule, "agent_id": None, "previous_agent_id": None}
    assert read_entry(entry).startswith("Left unassigned: no agent can take new leads")
    assert entry.actor_id is None
    assert _cursor(office.agency) is None


# --- the timeline and the event ---------------------------------------------------------------

def test_the_timeline_names_the_agent_and_the_rule_and_plugins_hear_of_it(
    office, holder, assignment_entries, enable_listener, listener, read_entry
):
    enable_listener(office.agency)
    office.use("round_robin")
    lead = office.lead()
    [entry] = assignment_entries(lead.id)
    assert read_entry(entry) == "Assigned to Ana by round robin."
    assert entry.data == {"rule": "round_robin", "agent_id": office.ana.id, "agent_name": "Ana",
                          "previous_agent_id": None}
    assert entry.actor_id is None  # the rule chose: the timeline shows "System"
    assert listener.assigned == [
        {"prospect_id": lead.id, "agent_id": office.ana.id, "previous_agent_id": None,
         "actor_id": office.manager.id}
    ]


def test_least_loaded_entry_says_so(office, assignment_entries, read_entry):
    office.use("least_loaded")
    [entry] = assignment_entries(office.lead().id)
    assert read_entry(entry) == "Assigned to Ana, the agent with the fewest open prospects."
    assert entry.data["rule"] == "least_loaded"


def test_the_rule_runs_once_per_new_lead(office, assignment_entries):
    office.use("round_robin")
    lead = office.lead()
    with_rule = [e for e in assignment_entries(lead.id) if e.data.get("rule")]
    assert len(with_rule) == 1
    prospects.update_prospect(office.manager, lead, {"first_name": "Changed"})
    assert len(assignment_entries(lead.id)) == 1


def test_a_lead_refused_as_a_duplicate_moves_nothing(office, holder):
    office.use("round_robin")
    first = office.lead(email="same@example.com")
    with pytest.raises(Conflict):
        office.lead(email="SAME@example.com")
    db.session.rollback()
    assert _cursor(office.agency) == holder(first.id) == office.ana.id


def test_assign_new_leaves_an_assigned_prospect_alone(office, holder):
    office.use("round_robin")
    lead = office.lead(assigned_agent_id=office.dora.id)
    assert assignment.assign_new(office.manager, lead) is None
    assert holder(lead.id) == office.dora.id


def test_assign_new_outside_a_write_transaction_is_a_programming_error(office):
    office.use("round_robin")
    lead = office.lead()
    lead.assigned_agent = None
    db.session.commit()
    with pytest.raises(RuntimeError):
        assignment.assign_new(office.manager, lead)


def test_area_keys_fold_case_accents_and_spaces():
    assert assignment.area_key("  Chamberí ") == assignment.area_key("CHAMBERI") == "chamberi"
    assert assignment.area_key("Peñagrande") == "penagrande"
