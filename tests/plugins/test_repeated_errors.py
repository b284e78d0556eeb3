"""A per-agency query hook that keeps failing is recorded once per period for each plugin,
hook and agency, its repeats counted; pages keep rendering without its part, and a page view
in which nothing fails reads no error record."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from realty_crm import plugin_host, tenancy
from realty_crm.extensions import db
from realty_crm.models import Agency, PluginError, User, utcnow

HOOK = "crm_dashboard_widgets"


def _records(hook: str = HOOK) -> list[PluginError]:
    db.session.rollback()
    return list(db.session.scalars(
        select(PluginError).where(PluginError.hook == hook).order_by(PluginError.id)
        .execution_options(**tenancy.unscoped())
    ))


@pytest.fixture
def error_reads(app) -> Iterator[list[str]]:
    """The SQL statements that read the plugin error records, as they run."""
    seen: list[str] = []

    def note(conn, cursor, statement, parameters, context, executemany) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "plugin_errors" in statement:
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    yield seen
    event.remove(db.engine, "before_cursor_execute", note)


def test_a_failing_widget_is_recorded_once_in_twenty_dashboard_views(team, enable, login, error_reads):
    enable(team.agency, "boom", "showcase")
    client = login(team.admin)

    pages = [client.get("/") for _ in range(20)]

    # the first failure of each hook (the widget, the top bar) asks the database; then the
    # process remembers
    assert len(error_reads) == 2
    assert all(p.status_code == 200 and "Showcase figures" in p.get_data(as_text=True) for p in pages)
    [record] = _records()
    assert (record.agency_id, record.plugin, record.message) == (
        team.agency.id, "boom", "RuntimeError: no widget today"
    )


def test_after_the_period_the_next_failure_is_recorded_with_the_repeats(team, enable, login, monkeypatch):
    enable(team.agency, "boom")
    client = login(team.admin)
    for _ in range(20):
        client.get("/")

    later = utcnow() + timedelta(seconds=plugin_host.ERROR_INTERVAL_SECONDS + 1)
    monkeypatch.setattr(plugin_host, "utcnow", lambda: later)
    assert client.get("/").status_code == 200

    first, second = _records()
    assert second.occurred_at > first.occurred_at + timedelta(seconds=plugin_host.ERROR_INTERVAL_SECONDS)
    assert second.details.startswith("Failed 19 more times since the previous record.")
    assert "more times" not in first.details


def test_each_agency_gets_its_own_record(team, enable, login):
    enable(team.agency, "boom")
    enable(team.other_agency, "boom")

    for user in (team.admin, team.agent, team.outsider, team.other_agent):
        login(user).get("/")

    assert sorted(r.agency_id for r in _records()) == sorted([team.agency.id, team.other_agency.id])


def test_another_process_does_not_record_it_again_within_the_period(team, enable, login, app_factory,
                                                                      plugin_config):
    enable(team.agency, "boom")
    login(team.admin).get("/")
    other = app_factory(**plugin_config)  # a second worker on the same database

    with other.app_context():
        agency, agent = db.session.get(Agency, team.agency.id), db.session.get(User, team.agent.id)
        for _ in range(3):
            assert other.extensions["plugin_host"].call(agency, HOOK, user=agent) == []
        db.session.remove()

    assert len(_records()) == 1


def test_a_configured_interval_is_used(app_factory, plugin_config):
    app = app_factory(**plugin_config, PLUGIN_ERROR_INTERVAL_SECONDS=60)

    assert app.extensions["plugin_host"].error_interval == timedelta(seconds=60)


def test_a_page_view_where_nothing_fails_reads_no_error_record(team, make, enable, login, error_reads):
    prospect = make.prospect(team.admin)
    enable(team.agency, "showcase")
    client = login(team.admin)

    assert client.get("/").status_code == 200
    assert client.get(f"/prospects/{prospect.id}").status_code == 200

    assert error_reads == []


def test_event_failures_are_still_recorded_every_time(team, make, enable):
    enable(team.agency, "boom")

    make.prospect(team.admin)
    make.prospect(team.admin)

    assert len(_records("crm_prospect_created")) == 2
