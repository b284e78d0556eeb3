"""Matching properties to prospects and prospects to properties, with reasons."""

from __future__ import annotations

from realty_crm import tenancy
from realty_crm.models import Role
from realty_crm.services import matching


def _setup(make):
    agency = make.agency()
    manager = make.user(agency, Role.MANAGER)
    prospect = make.prospect(
        manager,
        first_name="Lucía",
        requirements={
            "operation": "buy",
            "property_types": ["flat", "penthouse"],
            "max_price": "300000",
            "min_bedrooms": 2,
            "min_area_m2": 70,
            "areas": ["Chamberí", "Salamanca"],
        },
    )
    return agency, manager, prospect


def test_a_perfect_fit_scores_100_and_says_why(make):
    _agency, manager, prospect = _setup(make)
    flat = make.property(manager, price="280000", bedrooms=3, area_m2=90, area="Chamberí")
    with tenancy.scope(manager.agency_id):
        found = matching.properties_for(prospect)
    assert [m.record.id for m in found] == [flat.id]
    assert found[0].score == 100
    assert not found[0].near_miss
    assert "within budget" in found[0].reasons


def test_a_flat_slightly_over_budget_is_a_marked_near_miss(make):
    _agency, manager, prospect = _setup(make)
    fit = make.property(manager, price="290000", area="Salamanca", bedrooms=2, area_m2=75)
    over = make.property(manager, price="315000", area="Chamberí", bedrooms=2, area_m2=75)
    with tenancy.scope(manager.agency_id):
        found = matching.properties_for(prospect)
    assert [m.record.id for m in found] == [fit.id, over.id]
    assert found[1].near_miss
    assert "price 5% over budget" in found[1].reasons


def test_wrong_operation_unavailable_and_far_over_budget_are_left_out(make):
    _agency, manager, prospect = _setup(make)
    make.property(manager, operation="rent", price="1500")
    make.property(manager, price="250000", status="reserved")
    make.property(manager, price="400000")
    with tenancy.scope(manager.agency_id):
        assert matching.properties_for(prospect) == []


def test_a_property_finds_its_prospects_best_first(make):
    _agency, manager, lucia = _setup(make)
    close = make.prospect(manager, first_name="Pablo", requirements={
        "operation": "buy", "max_price": "270000", "areas": ["Chamberí"]})
    renter = make.prospect(manager, first_name="Renter", requirements={"operation": "rent"})
    flat = make.property(manager, price="280000", bedrooms=3, area_m2=90, area="Chamberí")
    with tenancy.scope(manager.agency_id):
        found = matching.prospects_for(manager, flat)
    ids = [m.record.id for m in found]
    assert ids[0] == lucia.id
    assert close.id in ids
    assert renter.id not in ids
    pablo = next(m for m in found if m.record.id == close.id)
    assert pablo.near_miss and "price 4% over budget" in pablo.reasons


def test_an_agent_is_matched_only_against_their_own_prospects(make):
    agency, manager, lucia = _setup(make)
    agent = make.user(agency, Role.AGENT)
    mine = make.prospect(manager, first_name="Mine", assigned_agent_id=agent.id,
                         requirements={"operation": "buy"})
    flat = make.property(manager, price="280000", bedrooms=3, area_m2=90, area="Chamberí")
    with tenancy.scope(agency.id):
        found = matching.prospects_for(agent, flat)
    assert [m.record.id for m in found] == [mine.id]


def test_lost_and_won_prospects_are_not_matched(make):
    _agency, manager, lucia = _setup(make)
    from realty_crm.services import prospects

    with tenancy.scope(manager.agency_id):
        prospects.update_prospect(manager, lucia, {"status": "lost", "lost_reason": "Bought elsewhere"})
    flat = make.property(manager, price="280000", bedrooms=3, area_m2=90, area="Chamberí")
    with tenancy.scope(manager.agency_id):
        assert matching.prospects_for(manager, flat) == []


def test_a_prospect_in_the_trash_is_not_matched_until_restored(make):
    _agency, manager, lucia = _setup(make)
    from realty_crm.services import prospects

    flat = make.property(manager, price="280000", bedrooms=3, area_m2=90, area="Chamberí")
    with tenancy.scope(manager.agency_id):
        prospects.delete_prospect(manager, lucia)
        assert matching.prospects_for(manager, flat) == []
        prospects.restore_prospect(manager, lucia)
        assert [m.record.id for m in matching.prospects_for(manager, flat)] == [lucia.id]
        prospects.erase_prospect(make.user(manager.agency, Role.ADMIN), lucia)
        assert matching.prospects_for(manager, flat) == []


def test_changed_wishes_are_what_the_ranking_reads(make):
    _agency, manager, lucia = _setup(make)
    from realty_crm.services import prospects

    penthouse = make.property(manager, price="280000", bedrooms=3, area_m2=90, area="Chamberí",
                              property_type="penthouse")
    studio = make.property(manager, price="280000", bedrooms=3, area_m2=90, area="Chamberí",
                           property_type="studio")
    with tenancy.scope(manager.agency_id):
        assert [m.record.id for m in matching.prospects_for(manager, penthouse)] == [lucia.id]
        assert matching.prospects_for(manager, studio) == []
        prospects.update_prospect(manager, lucia, {"requirements": {"property_types": ["studio"],
                                                                    "min_bedrooms": 4}})
        assert matching.prospects_for(manager, penthouse) == []
        [match] = matching.prospects_for(manager, studio)
        assert match.record.id == lucia.id and match.score < 100  # 3 bedrooms for a wish of 4


def test_another_agencys_properties_never_match(make):
    _agency, manager, prospect = _setup(make)
    other = make.user(make.agency(), Role.ADMIN)
    make.property(other, price="280000", bedrooms=3, area_m2=90, area="Chamberí")
    with tenancy.scope(manager.agency_id):
        assert matching.properties_for(prospect) == []


def test_with_many_candidates_the_best_fits_still_come_first(make):
    agency = make.agency()
    manager = make.user(agency, Role.MANAGER)
    budgets = [200_000, 210_000, 240_000, 250_000, 255_000, 260_000, 262_000, 265_000, 268_000, 300_000]
    by_budget = {
        budget: make.prospect(manager, first_name=f"B{budget}", requirements={
            "operation": "buy", "max_price": str(budget), "areas": ["Chamberí"]})
        for budget in budgets
    }
    flat = make.property(manager, price="265000", bedrooms=2, area_m2=80, area="Chamberí")
    with tenancy.scope(agency.id):
        found = matching.prospects_for(manager, flat, limit=2)
    # the SQL pre-ranking keeps only a few candidates; full fits must survive it, ahead of near misses
    full_fits = {by_budget[b].id for b in (265_000, 268_000, 300_000)}
    assert len(found) == 2
    assert {m.record.id for m in found} <= full_fits
    assert all(m.score == 100 and not m.near_miss for m in found)
