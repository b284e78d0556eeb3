"""Fixtures for the example plugin's tests (docs/example-plugin, installed as a package).

``sol`` (plugin enabled) and ``luna`` (installed but off) come from realty-crm's plugin test
fixtures; this suite adds the visits and calls its hooks react to, and the debriefs they write.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from realty_crm_visit_notes.models import VisitDebrief
from sqlalchemy import select

from realty_crm.plugin_api import Agency, Call, User, Visit, db, tenancy, utcnow, visits
from realty_crm.testing.plugin_fixtures import AgencyStaff, PluginAgency

PLUGIN = "visit_notes"


class Branch(PluginAgency):
    """An agency of the example's tests, with the visits and calls the plugin reacts to."""

    def visit_done_days_ago(self, days: int = 1, agent: User | None = None, **fields: Any) -> Visit:
        """A 30-minute visit logged after it happened (booked as done): fires ``crm_visit_scheduled``."""
        return self.visit(-days, agent, duration_minutes=30, **fields)

    def visit_just_done(self, feedback: str | None = None) -> Visit:
        """A visit that began a few minutes ago, then marked done: fires ``crm_visit_completed``."""
        start = (utcnow() - timedelta(minutes=10)).replace(microsecond=0)
        data = {
            "property_id": self.flat.id,
            "prospect_id": self.prospect.id,
            "starts_at": start.isoformat(),
            "duration_minutes": 30,
        }
        change: dict[str, Any] = {"status": "done"}
        if feedback is not None:
            change["feedback"] = feedback
        with self.scope():
            visit = visits.schedule_visit(self.agent, data)
            return visits.update_visit(self.agent, visit, change)

    def call(self, outcome: str = "answered", occurred_at: datetime | None = None) -> Call:
        """A call of the agent with the prospect (now, unless ``occurred_at``)."""
        fields: dict[str, Any] = {"outcome": outcome}
        if occurred_at is not None:
            fields["occurred_at"] = occurred_at.isoformat()
        return self.make.call(self.agent, self.prospect, **fields)


@pytest.fixture
def plugin_name() -> str:
    """The plugin under test."""
    return PLUGIN


@pytest.fixture
def agency_kind() -> type[AgencyStaff]:
    """``sol`` and ``luna`` carry this suite's helpers."""
    return Branch


@pytest.fixture
def debriefs() -> Callable[..., list[VisitDebrief]]:
    """``debriefs(agency=None)``: the debrief rows in the database (of one agency, or all)."""

    def rows(agency: Agency | None = None) -> list[VisitDebrief]:
        db.session.expire_all()
        stmt = select(VisitDebrief).order_by(VisitDebrief.id).execution_options(**tenancy.unscoped())
        if agency is not None:
            stmt = stmt.where(VisitDebrief.agency_id == agency.id)
        return list(db.session.scalars(stmt))

    return rows
