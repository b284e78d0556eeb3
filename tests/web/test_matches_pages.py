"""Matching on the pages: a prospect's matching properties and a property's matching prospects,
best first with score, reasons and near misses, each one click from booking a visit; and the
follow-up facts of the prospect page."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

from realty_crm.models import utcnow

WISH = {
    "operation": "buy",
    "property_types": ["flat"],
    "max_price": "300000",
    "min_bedrooms": 2,
    "areas": ["Chamberí"],
}


def _section(page: str, section_id: str) -> str:
    return page.split(f'id="{section_id}"')[1].split("</section>")[0]


def _matches(section: str) -> list[str]:
    """Each match's item, in page order."""
    return re.findall(r'<li class="match[^"]*">.*?</li>\s*(?=<li class="match|</ol>)', section, re.S)


def test_prospect_page_lists_matching_properties_best_first(team, make, login):
    prospect = make.prospect(team.agent, first_name="Lucía", requirements=WISH)
    best = make.property(team.manager, reference="FIT-1", price="280000", bedrooms=3, area="Chamberí")
    near = make.property(team.manager, reference="NEAR-1", price="315000", bedrooms=2, area="Chamberí")
    make.property(team.manager, reference="FAR-1", price="900000", bedrooms=2, area="Chamberí")
    make.property(team.manager, reference="RENT-1", operation="rent", price="1500")
    section = _section(login(team.agent).get(f"/prospects/{prospect.id}").get_data(as_text=True), "matches")
    items = _matches(section)
    assert [re.search(r"(FIT-1|NEAR-1)", item).group(1) for item in items] == ["FIT-1", "NEAR-1"]
    assert "FAR-1" not in section and "RENT-1" not in section
    assert "100% match" in items[0] and "within budget" in items[0] and "near miss" not in items[0]
    assert 'class="match near-miss"' in items[1] and "near miss" in items[1]
    assert "price 5% over budget" in items[1]
    assert f'href="/visits/new?prospect_id={prospect.id}&amp;property_id={best.id}"' in items[0]
    assert f'href="/properties/{near.id}"' in items[1]


def test_booking_from_a_match_prefills_both(team, make, login, post, at):
    prospect = make.prospect(team.agent, first_name="Lucía", requirements=WISH)
    flat = make.property(team.manager, reference="FIT-1", price="280000", bedrooms=3, area="Chamberí")
    client = login(team.agent)
    section = _section(client.get(f"/prospects/{prospect.id}").get_data(as_text=True), "matches")
    link = unescape(re.search(r'<a class="button small book" href="([^"]+)"', section).group(1))
    form = client.get(link).get_data(as_text=True)
    # the prospect's matches come first in the property picker, with their score
    assert re.search(rf'<optgroup label="Matches for Lucía Test"><option selected value="{flat.id}">'
                     r"FIT-1 · [^<]* · 100% match</option>", form)
    day = at(10).date().isoformat()
    response = post(client, link, {"day": day, "start": "10:00", "duration_minutes": "45",
                                   "property_id": flat.id, "prospect_id": prospect.id})
    assert response.status_code == 302


def test_prospect_without_requirements_is_told_how_to_get_matches(team, make, login):
    prospect = make.prospect(team.manager, assigned_agent_id=team.agent.id)
    make.property(team.manager)
    section = _section(login(team.agent).get(f"/prospects/{prospect.id}").get_data(as_text=True), "matches")
    assert "Record what they want to buy or rent" in section and "<ol" not in section


def test_property_page_lists_matching_prospects_best_first(team, make, login):
    flat = make.property(team.manager, reference="FIT-1", price="310000", bedrooms=2, area="Chamberí")
    exact = make.prospect(team.manager, first_name="Exact", requirements={**WISH, "max_price": "320000"})
    over = make.prospect(team.manager, first_name="Stretch", requirements=WISH)
    make.prospect(team.manager, first_name="Renter", requirements={**WISH, "operation": "rent"})
    make.prospect(team.manager, first_name="Gone", requirements=WISH, status="lost", lost_reason="Bought")
    section = _section(login(team.manager).get(f"/properties/{flat.id}").get_data(as_text=True), "matches")
    items = _matches(section)
    assert len(items) == 2
    assert "Exact Test" in items[0] and "near miss" not in items[0]
    assert "Stretch Test" in items[1] and "near miss" in items[1] and "over budget" in items[1]
    assert "Renter" not in section and "Gone" not in section
    assert f'href="/visits/new?property_id={flat.id}&amp;prospect_id={exact.id}"' in items[0]
    assert f'href="/prospects/{over.id}"' in items[1]


def test_agent_sees_only_their_prospects_among_the_matches(team, make, login):
    flat = make.property(team.manager, reference="FIT-1", price="280000", bedrooms=2, area="Chamberí")
    make.prospect(team.manager, first_name="Mine", requirements=WISH, assigned_agent_id=team.agent.id)
    make.prospect(team.manager, first_name="Theirs", requirements=WISH, assigned_agent_id=team.colleague.id)
    make.prospect(team.outsider, first_name="Foreign", requirements=WISH)
    section = _section(login(team.agent).get(f"/properties/{flat.id}").get_data(as_text=True), "matches")
    assert "Mine Test" in section and "Theirs" not in section and "Foreign" not in section


def test_an_off_market_property_shows_matches_without_booking_links(team, make, login):
    sold = make.property(team.manager, reference="SOLD-1", price="280000", area="Chamberí", status="sold")
    make.prospect(team.manager, first_name="Keen", requirements=WISH)
    page = login(team.manager).get(f"/properties/{sold.id}").get_data(as_text=True)
    assert "/visits/new" not in page


def test_property_page_lists_its_visits(team, listing, login, book, at):
    book(team.agent, listing.flat, listing.carla, at(10))
    book(team.colleague, listing.flat, listing.dan, at(12))
    path = f"/properties/{listing.flat.id}"
    agent_view = _section(login(team.agent).get(path).get_data(as_text=True), "visits")
    assert "Carla Cruz" in agent_view and "Dan Diaz" not in agent_view
    staff_view = _section(login(team.manager).get(path).get_data(as_text=True), "visits")
    assert "Carla Cruz" in staff_view and "Dan Diaz" in staff_view
    assert f'href="/visits?property_id={listing.flat.id}"' in staff_view


def test_prospect_page_lists_its_visits(team, listing, login, book, at):
    visit = book(team.agent, listing.flat, listing.carla, at(10))
    page = login(team.agent).get(f"/prospects/{listing.carla.id}").get_data(as_text=True)
    section = _section(page, "visits")
    assert f'href="/visits/{visit.id}"' in section and "MAD-001" in section and "Scheduled" in section


def test_match_names_are_escaped(team, make, login):
    flat = make.property(team.manager, price="280000", bedrooms=2, area="Chamberí")
    make.prospect(team.manager, first_name="<img src=x>", requirements=WISH)
    page = login(team.manager).get(f"/properties/{flat.id}").get_data(as_text=True)
    assert "<img src=x>" not in page and "&lt;img src=x&gt;" in page


def test_an_overdue_next_follow_up_stands_out_on_the_prospect_page(team, make, login):
    late = make.prospect(team.manager, first_name="Late", assigned_agent_id=team.agent.id)
    make.follow_up(team.agent, late, due_at=(utcnow() - timedelta(days=2)).isoformat(), title="Chase")
    soon = make.prospect(team.manager, first_name="Soon", assigned_agent_id=team.agent.id)
    make.follow_up(team.agent, soon, due_at=(utcnow() + timedelta(days=2)).isoformat(), title="Check")
    client = login(team.agent)
    late_facts = client.get(f"/prospects/{late.id}").get_data(as_text=True)
    fact = late_facts.split('<dd class="next-follow-up">')[1].split("</dd>")[0]
    assert 'class="overdue"' in fact and 'class="badge overdue">overdue' in fact
    soon_facts = client.get(f"/prospects/{soon.id}").get_data(as_text=True)
    fact = soon_facts.split('<dd class="next-follow-up">')[1].split("</dd>")[0]
    assert "<time" in fact and "overdue" not in fact


def test_no_follow_up_shows_a_dash(team, make, login):
    prospect = make.prospect(team.manager, assigned_agent_id=team.agent.id)
    page = login(team.agent).get(f"/prospects/{prospect.id}").get_data(as_text=True)
    assert page.split('<dd class="next-follow-up">')[1].split("</dd>")[0].strip() == "—"
