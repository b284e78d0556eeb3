"""The example plugin's settings: defaults, validation with field details, stored per agency."""

from __future__ import annotations

from typing import Any

import pytest
from realty_crm_visit_notes.settings import Settings

from realty_crm.plugin_api import Forbidden, ValidationFailed, plugin_settings
from realty_crm.testing.plugin_tools import configure_plugin

from .conftest import PLUGIN


def test_an_agency_starts_with_the_defaults(sol):
    settings = plugin_settings(sol.agency, PLUGIN)

    assert settings == Settings()
    assert settings.model_dump() == {
        "min_feedback_chars": 20, "overdue_after_hours": 24, "expire_after_days": 30,
        "calls_count_as_debrief": True,
    }


def test_valid_settings_are_stored_for_that_agency_only(sol, luna):
    configure_plugin(sol.agency, PLUGIN, {"min_feedback_chars": "40", "calls_count_as_debrief": False})

    assert plugin_settings(sol.agency, PLUGIN) == Settings(
        min_feedback_chars=40, overdue_after_hours=24, calls_count_as_debrief=False
    )
    assert plugin_settings(luna.agency, PLUGIN) == Settings()


@pytest.mark.parametrize("data, field", [
    ({"min_feedback_chars": 0}, "min_feedback_chars"),
    ({"min_feedback_chars": 1001}, "min_feedback_chars"),
    ({"min_feedback_chars": "twenty"}, "min_feedback_chars"),
    ({"min_feedback_chars": None}, "min_feedback_chars"),
    ({"min_feedback_chars": 2.5}, "min_feedback_chars"),
    ({"overdue_after_hours": -1}, "overdue_after_hours"),
    ({"overdue_after_hours": 24 * 30 + 1}, "overdue_after_hours"),
    ({"overdue_after_hours": "🕐"}, "overdue_after_hours"),
    ({"expire_after_days": 0}, "expire_after_days"),
    ({"expire_after_days": 366}, "expire_after_days"),
    ({"calls_count_as_debrief": "perhaps"}, "calls_count_as_debrief"),
    ({"colour": "blue"}, "colour"),
])
def test_bad_settings_are_refused_with_the_field_and_nothing_changes(sol, data: dict[str, Any], field: str):
    configure_plugin(sol.agency, PLUGIN, {"overdue_after_hours": 48})

    with pytest.raises(ValidationFailed) as refused:
        configure_plugin(sol.agency, PLUGIN, data)

    assert field in refused.value.details and refused.value.details[field]
    assert plugin_settings(sol.agency, PLUGIN) == Settings(overdue_after_hours=48)


def test_only_an_admin_may_change_the_settings(sol):
    for user in (sol.manager, sol.agent):
        with pytest.raises(Forbidden):
            configure_plugin(sol.agency, PLUGIN, {"min_feedback_chars": 5}, by=user)

    configure_plugin(sol.agency, PLUGIN, {"min_feedback_chars": 5}, by=sol.admin)
    assert plugin_settings(sol.agency, PLUGIN).min_feedback_chars == 5
