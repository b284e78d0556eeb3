"""A small agency whose report figures are worked out by hand (the numbers are in the tests).

Agency "Pisos Sol" (Europe/Madrid): admin Ana, manager Marta, agents Alba and Bruno.
Every prospect below is created 10 days ago unless said otherwise; calls are logged now.

| prospect | source   | agent | what happens                                             | status now |
| -------- | -------- | ----- | -------------------------------------------------------- | ---------- |
| p1       | web_form | Alba  | answered call; done visit of the flat (rating 4);        | won        |
|          |          |       | a visit of the house tomorrow, cancelled; won            |            |
| p2       | web_form | Alba  | answered call (contacted); qualified; lost               | lost       |
| p3       | portal   | Alba  | unanswered call; flat visit booked for tomorrow          | visiting   |
| p4       | portal   | Alba  | lost straight from new                                   | lost       |
| p5       | referral | Bruno | answered call; done visit of the house (rating 2);       | offer      |
|          |          |       | offer; penthouse visit booked for tomorrow               |            |
| p6       | referral | Bruno | unanswered call                                          | new        |
| p7       | web_form | Bruno | won straight from new                                    | won        |
| p8       | walk_in  | —     | nothing                                                  | new        |
| p9       | web_form | Alba  | answered call, done studio visit (rating 5), then deleted | contacted |
| p10      | portal   | Alba  | created won, 200 days ago at 23:30 UTC                   | won        |

First contact after creation (speed to lead): p1 1 h, p2 3 h, p3 10 min, p4 500 s *before*
creation (counts as 0), p5 30 min, p7 2.5 h; p6 and p8 never contacted.

Agency "Casas Luna" has a won web-form prospect of its own with a call and a done visit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from realty_crm import tenancy
from realty_crm.extensions import db
from realty_crm.models import Agency, Property, Prospect, Role, User, utcnow
from realty_crm.services import prospects, visits
from realty_crm.testing.factories import Factory

MADRID = ZoneInfo("Europe/Madrid")


@dataclass
class Data:
    agency: Agency
    admin: User
    manager: User
    alba: User
    bruno: User
    other_agency: Agency
    outsider: User
    outsider_agent: User
    flat: Property
    house: Property
    p: dict[int, Prospect]
    today: date
    old_day: date

    @property
    def window(self) -> dict[str, str]:
        """A period around today that takes in everything except p10."""
        return {"from": (self.today - timedelta(days=30)).isoformat(),
                "to": (self.today + timedelta(days=30)).isoformat()}

    @property
    def page_window(self) -> dict[str, str]:
        """The same period as the report page's filter form names it."""
        return {"date_from": self.window["from"], "date_to": self.window["to"]}


def _book(actor: User, prop: Property, prospect: Prospect, starts_at: datetime, **fields: Any) -> Any:
    data = {"property_id": prop.id, "prospect_id": prospect.id, "starts_at": starts_at.isoformat(),
            "duration_minutes": 60, **fields}
    with tenancy.scope(actor.agency_id):
        return visits.schedule_visit(actor, data)


def _set(prospect: Prospect, **values: Any) -> None:
    """Write columns straight to the table (times the services would set to 'now')."""
    db.session.execute(Prospect.__table__.update().where(Prospect.id == prospect.id).values(**values))
    db.session.commit()


@pytest.fixture
def data(make: Factory) -> Data:
    agency = make.agency("Pisos Sol")
    admin = make.user(agency, Role.ADMIN, name="Ana Admin")
    manager = make.user(agency, Role.MANAGER, name="Marta Manager")
    alba = make.user(agency, Role.AGENT, name="Alba Agent")
    bruno = make.user(agency, Role.AGENT, name="Bruno Agent")
    flat = make.property(manager, reference="MAD-1", title="Flat in Chamberí")
    house = make.property(manager, reference="MAD-2", title="House in Pozuelo", property_type="house")
    studio = make.property(manager, reference="MAD-3", title="Studio in Lavapiés", property_type="studio")
    penthouse = make.property(manager, reference="MAD-4", title="Penthouse in Salamanca",
                              property_type="penthouse")

    def prospect(n: int, source: str, agent: User | None, **fields: Any) -> Prospect:
        return make.prospect(manager, first_name=f"P{n}", source=source,
                             assigned_agent_id=agent.id if agent else None, **fields)

    p = {
        1: prospect(1, "web_form", alba), 2: prospect(2, "web_form", alba),
        3: prospect(3, "portal", alba), 4: prospect(4, "portal", alba),
        5: prospect(5, "referral", bruno), 6: prospect(6, "referral", bruno),
        7: prospect(7, "web_form", bruno), 8: prospect(8, "walk_in", None),
        9: prospect(9, "web_form", alba), 10: prospect(10, "portal", alba, status="won"),
    }
    now = utcnow()
    tomorrow = (now + timedelta(days=1)).astimezone(MADRID).date()

    def at(hour: int) -> datetime:
        return datetime.combine(tomorrow, time(hour), tzinfo=MADRID)

    for n, outcome in ((1, "answered"), (2, "answered"), (3, "no_answer"), (9, "answered")):
        make.call(alba, p[n], outcome=outcome)
    for n, outcome in ((5, "answered"), (6, "no_answer")):
        make.call(bruno, p[n], outcome=outcome)

    _book(alba, flat, p[1], now - timedelta(days=2), status="done", rating=4)
    cancelled = _book(alba, house, p[1], at(12))
    with tenancy.scope(agency.id):
        visits.update_visit(alba, cancelled, {"status": "cancelled", "cancel_reason": "Bought elsewhere"})
    _book(alba, flat, p[3], at(10))
    _book(bruno, house, p[5], now - timedelta(days=2), status="done", rating=2)
    _book(alba, studio, p[9], now - timedelta(days=3), status="done", rating=5)

    with tenancy.scope(agency.id):
        prospects.update_prospect(manager, p[1], {"status": "won"})
        prospects.update_prospect(manager, p[2], {"status": "qualified"})
        prospects.update_prospect(manager, p[2], {"status": "lost", "lost_reason": "Too expensive"})
        prospects.update_prospect(manager, p[4], {"status": "lost", "lost_reason": "Not reachable"})
        prospects.update_prospect(manager, p[5], {"status": "offer"})
        prospects.update_prospect(manager, p[7], {"status": "won"})
        prospects.delete_prospect(manager, p[9])
    _book(bruno, penthouse, p[5], at(10))

    created = now - timedelta(days=10)
    first_contact = {1: 3600, 2: 10800, 3: 600, 4: -500, 5: 1800, 7: 9000, 9: 60}
    for n in range(1, 10):
        seconds = first_contact.get(n)
        _set(p[n], created_at=created,
             first_contacted_at=None if seconds is None else created + timedelta(seconds=seconds))
    old_day = (now - timedelta(days=200)).date()
    _set(p[10], created_at=datetime.combine(old_day, time(23, 30), tzinfo=ZoneInfo("UTC")))

    other = make.agency("Casas Luna")
    outsider = make.user(other, Role.MANAGER, name="Otto Outsider")
    outsider_agent = make.user(other, Role.AGENT, name="Olga Outsider")
    theirs = make.prospect(outsider, first_name="Foreign", source="web_form",
                           assigned_agent_id=outsider_agent.id)
    their_flat = make.property(outsider, reference="LUNA-1")
    make.call(outsider_agent, theirs)
    _book(outsider_agent, their_flat, theirs, now - timedelta(days=1), status="done", rating=5)
    with tenancy.scope(other.id):
        prospects.update_prospect(outsider, theirs, {"status": "won"})

    tenancy.enter(agency.id)
    return Data(agency=agency, admin=admin, manager=manager, alba=alba, bruno=bruno, other_agency=other,
                outsider=outsider, outsider_agent=outsider_agent, flat=flat, house=house, p=p,
                today=now.astimezone(MADRID).date(), old_day=old_day)
