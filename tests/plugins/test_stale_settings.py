"""Stored settings that the plugin's model no longer accepts (an upgrade removed or tightened a
field): the host gives the defaults, never raises, and records the problem once per stored value."""

from __future__ import annotations

from sqlalchemy import select

from realty_crm import tenancy
from realty_crm.extensions import db
from realty_crm.models import Agency, PluginError
from realty_crm.plugin_host import SETTINGS_HOOK, get_host
from realty_crm.testing.factories import store_plugin_settings_unchecked

from .conftest import ShowcaseSettings


def _settings(agency: Agency) -> ShowcaseSettings:
    """The showcase plugin's settings as a request reads them (the agency loaded afresh)."""
    values = get_host().settings(db.session.get(Agency, agency.id), "showcase")
    assert isinstance(values, ShowcaseSettings)
    return values


def _problems() -> list[PluginError]:
    db.session.rollback()
    return list(db.session.scalars(
        select(PluginError).where(PluginError.hook == SETTINGS_HOOK).order_by(PluginError.id)
        .execution_options(**tenancy.unscoped())
    ))


def test_settings_that_no_longer_validate_give_the_defaults_and_one_record(team, enable):
    enable(team.agency, "showcase")
    store_plugin_settings_unchecked(team.agency, "showcase", {"reminder_hours": 500, "removed_field": True})

    readings = [_settings(team.agency) for _ in range(5)]

    assert all(values == ShowcaseSettings() for values in readings)
    [problem] = _problems()
    assert (problem.agency_id, problem.plugin) == (team.agency.id, "showcase")
    assert problem.message.startswith("InvalidSettings: the stored settings no longer validate")
    assert "reminder_hours" in problem.message and "removed_field" in problem.message


def test_another_process_reading_the_same_stored_value_does_not_record_it_again(
    team, enable, app_factory, plugin_config
):
    enable(team.agency, "showcase")
    store_plugin_settings_unchecked(team.agency, "showcase", {"tone": "shouty"})
    _settings(team.agency)
    other = app_factory(**plugin_config)

    with other.app_context():
        agency = db.session.get(Agency, team.agency.id)
        assert other.extensions["plugin_host"].settings(agency, "showcase") == ShowcaseSettings()
        db.session.remove()

    assert len(_problems()) == 1


def test_another_bad_stored_value_is_recorded_too(team, enable):
    enable(team.agency, "showcase")
    store_plugin_settings_unchecked(team.agency, "showcase", {"tone": "shouty"})
    _settings(team.agency)

    store_plugin_settings_unchecked(team.agency, "showcase", {"reminder_hours": "soon"})
    _settings(team.agency)

    assert ["tone" in p.message for p in _problems()] == [True, False]


def test_valid_stored_settings_record_nothing(team, enable):
    enable(team.agency, "showcase")
    store_plugin_settings_unchecked(team.agency, "showcase", {"reminder_hours": 48})

    assert _settings(team.agency).reminder_hours == 48
    assert _problems() == []
