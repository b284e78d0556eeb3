"""The operations of SPEC §7, each with the requests that sample it and, for lists and
searches, the same SQL the app sends (its "floor": what the database alone takes).

Samples are drawn from the seeded agency (see ``Sample``) so searches hit real names,
e-mails and phones, and detail pages real records.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from sqlalchemy import Select, func, select

from realty_crm.models import Property, Prospect, User
from realty_crm.services import search

WEB_PER_PAGE = 25
API_PER_PAGE = 50


@dataclass
class Sample:
    """What the operations draw from: one agency of the seeded set, read once before the run."""

    agency_id: int
    manager: User
    agent: User
    prospect_ids: list[int]
    property_ids: list[int]
    names: list[str]
    emails: list[str]
    phones: list[str]
    areas: list[str]
    prospect_total: int
    ics_path: str | None


@dataclass
class Case:
    """One request of an operation, and the statements of its floor (page query and count)."""

    path: str
    floor: list[Select] = field(default_factory=list)


@dataclass
class Operation:
    """A named operation: who sends it and how to draw a case."""

    name: str
    who: str  # "manager" / "agent" (web session), "manager_api" (token), "public"
    draw: Callable[[random.Random], Case]
    target_ms: float | None = 50.0  # SPEC §7's p95 target; None where SPEC sets none


def _page_floor(stmt: Select, agency_id: int, model: type, page: int, per_page: int) -> list[Select]:
    """The page query and the count query of a list, with the agency and soft-delete filters
    the app's tenancy hook adds."""
    stmt = stmt.where(model.agency_id == agency_id, model.deleted_at.is_(None))  # type: ignore[attr-defined]
    count = select(func.count()).select_from(stmt.order_by(None).subquery())
    return [stmt.limit(per_page).offset((page - 1) * per_page), count]


def _fragment(rng: random.Random, values: list[str], size: int) -> str:
    """A piece of a real value, as a user types it: ``size`` characters from a random start."""
    value = rng.choice(values)
    start = rng.randrange(0, max(1, len(value) - size))
    return value[start:start + size]


def operations(s: Sample) -> list[Operation]:
    """Every operation the benchmark measures, in the order of the report."""

    def prospects(path: str, filters: search.ProspectFilters, page: int = 1, api: bool = False) -> Case:
        per_page = API_PER_PAGE if api else WEB_PER_PAGE
        query = {k: v for k, v in {"q": filters.q, "status": filters.status, "source": filters.source,
                                   "page": page if page > 1 else None,
                                   "per_page": per_page if api else None}.items() if v}
        stmt = search.prospect_query(s.manager, filters)
        return Case(f"{path}?{urlencode(query)}" if query else path,
                    _page_floor(stmt, s.agency_id, Prospect, page, per_page))

    def properties(path: str, filters: search.PropertyFilters, query: dict[str, object]) -> Case:
        stmt = search.property_query(filters)
        return Case(f"{path}?{urlencode(query)}", _page_floor(stmt, s.agency_id, Property, 1, WEB_PER_PAGE))

    last_web_page = max(1, -(-s.prospect_total // WEB_PER_PAGE))
    last_api_page = max(1, -(-s.prospect_total // API_PER_PAGE))

    def name_search(rng: random.Random) -> Case:
        return prospects("/prospects", search.ProspectFilters(q=_fragment(rng, s.names, 5)))

    def email_search(rng: random.Random) -> Case:
        return prospects("/prospects", search.ProspectFilters(q=_fragment(rng, s.emails, 7)))

    def phone_search(rng: random.Random) -> Case:
        return prospects("/prospects", search.ProspectFilters(q=_fragment(rng, s.phones, 6)))

    def filtered(rng: random.Random) -> Case:
        filters = search.ProspectFilters(
            status=rng.choice(["new", "contacted", "qualified", "visiting"]),
            source=rng.choice(["portal", "web_form", "phone", "referral"]),
        )
        return prospects("/prospects", filters)

    def property_search(rng: random.Random) -> Case:
        low = rng.choice([100_000, 150_000, 200_000, 300_000])
        area = rng.choice(s.areas)
        filters = search.PropertyFilters(operation="sale", area=area, min_price=low, max_price=low * 2)
        query = {"operation": "sale", "area": area, "min_price": low, "max_price": low * 2}
        return properties("/properties", filters, query)

    def property_text(rng: random.Random) -> Case:
        q = rng.choice(s.areas)
        return properties("/properties", search.PropertyFilters(q=q), {"q": q})

    def api_search(rng: random.Random) -> Case:
        return prospects("/api/v1/prospects", search.ProspectFilters(q=_fragment(rng, s.names, 5)), api=True)

    ops = [
        Operation("prospect list, page 1", "manager",
                  lambda rng: prospects("/prospects", search.ProspectFilters())),
        Operation("prospect list, last page", "manager",
                  lambda rng: prospects("/prospects", search.ProspectFilters(), page=last_web_page)),
        Operation("prospect search: name", "manager", name_search),
        Operation("prospect search: e-mail", "manager", email_search),
        Operation("prospect search: phone", "manager", phone_search),
        Operation("prospect filters: status + source", "manager", filtered),
        Operation("prospect detail + timeline", "manager",
                  lambda rng: Case(f"/prospects/{rng.choice(s.prospect_ids)}")),
        Operation("property search: filters", "manager", property_search),
        Operation("property search: text", "manager", property_text),
        Operation("API prospects, page 1", "manager_api",
                  lambda rng: prospects("/api/v1/prospects", search.ProspectFilters(), api=True)),
        Operation("API prospects, last page", "manager_api",
                  lambda rng: prospects("/api/v1/prospects", search.ProspectFilters(), page=last_api_page,
                                        api=True)),
        Operation("API prospect search: name", "manager_api", api_search),
        Operation("matches: property → prospects", "manager_api",
                  lambda rng: Case(f"/api/v1/properties/{rng.choice(s.property_ids)}/matches"), 100.0),
        Operation("matches: prospect → properties", "manager_api",
                  lambda rng: Case(f"/api/v1/prospects/{rng.choice(s.prospect_ids)}/matches"), 100.0),
        Operation("agent agenda (dashboard)", "agent", lambda rng: Case("/")),
        Operation("agent calendar, week", "agent", lambda rng: Case("/calendar?view=week")),
        Operation("manager dashboard", "manager", lambda rng: Case("/")),
        Operation("unassigned leads", "manager", lambda rng: Case("/distribution"), None),
        Operation("agent workload", "manager", lambda rng: Case("/distribution/workload"), None),
        Operation("reports (last 90 days)", "manager", lambda rng: Case("/reports"), None),
        Operation("agent's own reports", "agent", lambda rng: Case("/reports"), None),
    ]
    if s.ics_path:
        ops.append(Operation("agent ICS feed", "public", lambda rng: Case(s.ics_path), 100.0))
    return ops

