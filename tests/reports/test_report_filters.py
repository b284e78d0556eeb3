"""The filters of every report: period in the agency's days, one agent, and an agent's own figures only."""

from __future__ import annotations

from datetime import timedelta

import pytest

from realty_crm import tenancy
from realty_crm.errors import ValidationFailed
from realty_crm.services import prospects, reports


def _stages(report) -> dict[str, int]:
    return {row.stage.value: row.prospects for row in report.items if row.prospects}


def test_default_period_is_the_last_90_days_up_to_today_in_the_agencys_zone(data):
    filters = reports.parse_filters(data.manager, {})

    assert (filters.date_from, filters.date_to) == (data.today - timedelta(days=89), data.today)
    assert filters.agent_id is None
    assert reports.pipeline(data.manager, filters).totals.prospects == 8


def test_only_from_or_only_to_fills_in_the_other_end(data):
    only_to = reports.parse_filters(data.manager, {"to": "2025-03-31"})
    only_from = reports.parse_filters(data.manager, {"from": data.old_day.isoformat()})

    assert (only_to.date_from.isoformat(), only_to.date_to.isoformat()) == ("2025-01-01", "2025-03-31")
    assert (only_from.date_from, only_from.date_to) == (data.old_day, data.today)
    assert reports.pipeline(data.manager, only_from).totals.prospects == 9


def test_days_are_the_agencys_days_not_utc_days(data):
    # p10 was created at 23:30 UTC: already the next day in Madrid
    next_day = (data.old_day + timedelta(days=1)).isoformat()
    utc_day = data.old_day.isoformat()

    def pipeline(day: str):
        return reports.pipeline(data.manager, reports.parse_filters(data.manager, {"from": day, "to": day}))

    madrid, before = pipeline(next_day), pipeline(utc_day)

    assert _stages(madrid) == {"won": 1}
    assert madrid.totals.prospects == 1
    assert before.totals.prospects == 0


def test_a_period_without_data_has_zero_figures(data):
    filters = reports.parse_filters(data.manager, {"from": "2020-01-01", "to": "2020-01-31"})

    assert [row.reached for row in reports.pipeline(data.manager, filters).items] == [0, 0, 0, 0, 0, 0]
    assert reports.pipeline(data.manager, filters).totals.win_rate is None
    assert reports.sources(data.manager, filters).items == []
    assert reports.properties(data.manager, filters).items == []
    agents = reports.agents(data.manager, filters)
    assert [(row.name, row.calls, row.median_speed_to_lead) for row in agents.items] == [
        ("Alba Agent", 0, None), ("Bruno Agent", 0, None),
    ]
    assert agents.totals.median_speed_to_lead is None


def test_a_deleted_prospect_and_its_calls_and_visits_count_again_once_restored(data):
    filters = reports.parse_filters(data.manager, data.window)
    before = {name: reports.run(data.manager, name, filters) for name in reports.REPORTS}

    prospects.restore_prospect(data.manager, data.p[9])
    after = {name: reports.run(data.manager, name, filters) for name in reports.REPORTS}

    assert (before["pipeline"].totals.prospects, after["pipeline"].totals.prospects) == (8, 9)
    assert [row.calls for row in before["agents"].items] == [3, 2]
    assert [row.calls for row in after["agents"].items] == [4, 2]
    assert "MAD-3" not in [row.reference for row in before["properties"].items]
    assert after["properties"].items[0].reference == "MAD-3"  # rated 5


def test_staff_narrow_every_report_to_one_agent(data):
    filters = reports.parse_filters(data.manager, {**data.window, "agent_id": str(data.bruno.id)})

    assert _stages(reports.pipeline(data.manager, filters)) == {"new": 1, "offer": 1, "won": 1}
    sources = reports.sources(data.manager, filters)
    assert [(row.source.value, row.prospects, row.won) for row in sources.items] == [
        ("referral", 2, 0), ("web_form", 1, 1),
    ]
    assert [(row.name, row.calls, row.visits) for row in reports.agents(data.manager, filters).items] == [
        ("Bruno Agent", 2, 2),
    ]
    assert [row.reference for row in reports.properties(data.manager, filters).items] == ["MAD-2", "MAD-4"]


def test_an_agent_sees_their_own_figures_only(data):
    filters = reports.parse_filters(data.alba, data.window)

    pipeline = reports.pipeline(data.alba, filters)
    assert filters.agent_id == data.alba.id
    # p1 won, p3 visiting, p2 lost after qualifying, p4 lost while new
    assert [(row.stage.value, row.prospects, row.reached, row.conversion, row.lost_after)
            for row in pipeline.items] == [
        ("new", 0, 4, None, 1),
        ("contacted", 0, 3, 75.0, 0),
        ("qualified", 0, 3, 100.0, 1),
        ("visiting", 1, 2, 66.7, 0),
        ("offer", 0, 1, 50.0, 0),
        ("won", 1, 1, 100.0, 0),
    ]
    assert [row.name for row in reports.agents(data.alba, filters).items] == ["Alba Agent"]
    properties = reports.properties(data.alba, filters)
    assert [(row.reference, row.visits) for row in properties.items] == [("MAD-1", 2)]


def test_an_agent_asking_for_a_colleague_still_gets_their_own_figures(data):
    own = reports.parse_filters(data.alba, data.window)
    asked = reports.parse_filters(data.alba, {**data.window, "agent_id": str(data.bruno.id)})

    assert asked.agent_id == data.alba.id
    for name in reports.REPORTS:
        assert reports.run(data.alba, name, asked) == reports.run(data.alba, name, own)
    # even filters made for someone else do not widen an agent's report
    staff_filters = reports.parse_filters(data.manager, {**data.window, "agent_id": str(data.bruno.id)})
    assert reports.agents(data.alba, staff_filters).items[0].name == "Alba Agent"


def test_reports_never_count_another_agencys_records(data):
    with tenancy.scope(data.other_agency.id):
        filters = reports.parse_filters(data.outsider, data.window)
        theirs = {name: reports.run(data.outsider, name, filters) for name in reports.REPORTS}

    assert theirs["pipeline"].totals.model_dump() == {"prospects": 1, "won": 1, "lost": 0, "win_rate": 100.0}
    assert [(row.name, row.calls, row.visits_done, row.wins) for row in theirs["agents"].items] == [
        ("Olga Outsider", 1, 1, 1),
    ]
    assert [row.reference for row in theirs["properties"].items] == ["LUNA-1"]
    ours = reports.sources(data.manager, reports.parse_filters(data.manager, data.window))
    assert ours.totals.prospects == 8


def test_a_user_of_another_agency_is_not_an_agent_to_filter_by(data):
    with pytest.raises(ValidationFailed) as refused:
        reports.parse_filters(data.manager, {"agent_id": str(data.outsider_agent.id)})

    assert set(refused.value.details) == {"agent_id"}


@pytest.mark.parametrize(
    ("data_in", "field"),
    [
        ({"from": "2025-03-10", "to": "2025-03-01"}, "to"),
        ({"from": "yesterday"}, "from"),
        ({"to": "2025-02-30"}, "to"),
        ({"from": "20250301"}, "from"),
        ({"from": "1800-01-01"}, "from"),
        ({"agent_id": "abc"}, "agent_id"),
        ({"agent_id": "0"}, "agent_id"),
        ({"agent_id": "99999999999"}, "agent_id"),
    ],
)
def test_bad_filters_are_refused_naming_the_field(data, data_in, field):
    with pytest.raises(ValidationFailed) as refused:
        reports.parse_filters(data.manager, data_in)

    assert field in refused.value.details


def test_a_start_after_today_with_no_end_is_refused(data):
    with pytest.raises(ValidationFailed) as refused:
        reports.parse_filters(data.manager, {"from": (data.today + timedelta(days=1)).isoformat()})

    assert "from" in refused.value.details
