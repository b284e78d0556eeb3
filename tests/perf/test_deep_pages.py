"""Deep pages find their ids first and then load their rows: the same rows, in the same order,
as a plain OFFSET, for every sort and filter, and never another agency's."""

from __future__ import annotations

import pytest

from realty_crm import tenancy
from realty_crm.models import Role
from realty_crm.services import search


@pytest.fixture
def crowded(make):
    """An agency of 30 prospects (some sharing names, one deleted) beside another agency's 10."""
    agency = make.agency("Pisos Sol")
    manager = make.user(agency, Role.MANAGER)
    agent = make.user(agency, Role.AGENT)
    for n in range(30):
        make.prospect(manager, first_name=f"Ana{n % 4}", last_name=f"Ruiz{n % 3}",
                      status="qualified" if n % 2 else "new",
                      assigned_agent_id=agent.id if n % 3 else None)
    other = make.agency("Casas Luna")
    outsider = make.user(other, Role.MANAGER)
    for _n in range(10):
        make.prospect(outsider)
    return manager


@pytest.mark.parametrize("sort", sorted(search.PROSPECT_SORTS))
@pytest.mark.parametrize("filters", [{}, {"q": "ana1"}, {"status": "qualified"}, {"unassigned": True}])
def test_a_deferred_page_holds_what_a_plain_offset_page_holds(app, crowded, monkeypatch, sort, filters):
    with tenancy.scope(crowded.agency_id):
        def pages() -> list[list[int]]:
            query = search.ProspectFilters(sort=sort, **filters)
            return [
                [p.id for p in search.list_prospects(crowded, query, page, 7).items] for page in range(1, 6)
            ]

        monkeypatch.setattr(search, "DEFERRED_JOIN_OFFSET", 10**9)
        plain = pages()
        monkeypatch.setattr(search, "DEFERRED_JOIN_OFFSET", 0)
        assert pages() == plain
        assert any(plain)
