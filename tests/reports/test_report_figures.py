"""Each report's figures on the hand-computed data set of conftest.py, as a manager sees them."""

from __future__ import annotations

from realty_crm.services import reports


def _figures(report, *fields: str) -> list[tuple]:
    return [tuple(getattr(row, field) for field in fields) for row in report.items]


def test_pipeline_counts_each_stage_and_the_conversion_between_stages(data):
    report = reports.pipeline(data.manager, reports.parse_filters(data.manager, data.window))

    # stage, prospects there now, reached (later stages and lost ones' furthest), conversion, lost after it
    assert _figures(report, "stage", "prospects", "reached", "conversion", "lost_after") == [
        ("new", 2, 8, None, 1),
        ("contacted", 0, 5, 62.5, 0),
        ("qualified", 0, 5, 100.0, 1),
        ("visiting", 1, 4, 80.0, 0),
        ("offer", 1, 3, 75.0, 0),
        ("won", 2, 2, 66.7, 0),
    ]
    assert report.totals.model_dump() == {"prospects": 8, "won": 2, "lost": 2, "win_rate": 25.0}


def test_sources_count_prospects_visits_and_wins_per_source(data):
    report = reports.sources(data.manager, reports.parse_filters(data.manager, data.window))

    assert _figures(report, "source", "prospects", "with_visit", "won", "conversion") == [
        ("web_form", 3, 1, 2, 66.7),
        ("portal", 2, 1, 0, 0.0),
        ("referral", 2, 1, 0, 0.0),
        ("walk_in", 1, 0, 0, 0.0),
    ]
    assert report.totals.model_dump() == {"prospects": 8, "with_visit": 3, "won": 2, "conversion": 25.0}


def test_agents_figures_with_the_median_speed_to_lead(data):
    report = reports.agents(data.manager, reports.parse_filters(data.manager, data.window))

    assert _figures(
        report, "name", "leads", "calls", "visits_done", "visits", "wins", "contacted", "median_speed_to_lead"
    ) == [
        # Alba: first contacts after 0 (logged before creation), 600, 3600 and 10800 s: (600 + 3600) / 2
        ("Alba Agent", 4, 3, 1, 2, 1, 4, 2100),
        # Bruno: 1800 and 9000 s
        ("Bruno Agent", 3, 2, 1, 2, 1, 2, 5400),
    ]
    # all six contacted leads: 0, 600, 1800, 3600, 9000, 10800 s
    assert report.totals.model_dump() == {
        "leads": 7, "calls": 5, "visits_done": 2, "visits": 4, "wins": 2, "contacted": 6,
        "median_speed_to_lead": 2700,
    }


def test_properties_best_rated_first_with_done_and_total_visits(data):
    report = reports.properties(data.manager, reports.parse_filters(data.manager, data.window))

    assert _figures(report, "reference", "visits_done", "visits", "average_rating", "ratings") == [
        ("MAD-1", 1, 2, 4.0, 1),
        ("MAD-2", 1, 1, 2.0, 1),
        ("MAD-4", 0, 1, None, 0),
    ]
    assert report.totals.model_dump() == {
        "properties": 3, "visits_done": 2, "visits": 4, "average_rating": 3.0, "ratings": 2,
    }
