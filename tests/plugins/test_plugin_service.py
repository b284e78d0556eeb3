"""``services.plugins``: enabling and configuring per agency, validated by the plugin's model;
and the host refusing plugins whose hook names match no specification."""

from __future__ import annotations

from typing import Any

import pluggy
import pytest
from sqlalchemy import select

from realty_crm import hookimpl, tenancy
from realty_crm.errors import Forbidden, NotFound, ValidationFailed
from realty_crm.extensions import db
from realty_crm.models import AgencyPlugin
from realty_crm.plugin_host import PluginHost, get_host
from realty_crm.services import plugins

from .conftest import ShowcaseSettings, Tone


def _stored(agency_id: int, name: str) -> dict[str, Any] | None:
    db.session.expire_all()
    row = db.session.scalars(
        select(AgencyPlugin)
        .where(AgencyPlugin.agency_id == agency_id, AgencyPlugin.name == name)
        .execution_options(**tenancy.unscoped())
    ).first()
    return row.settings if row else None


def test_settings_are_the_models_defaults_when_nothing_is_stored(team):
    values = get_host().settings(team.agency, "showcase")

    assert values == ShowcaseSettings()
    assert values.reminder_hours == 24 and values.tone is Tone.FORMAL and values.weekdays == ["mon", "fri"]


def test_configure_stores_validated_settings_for_that_agency_only(team):
    with tenancy.scope(team.agency.id):
        values = plugins.configure(
            team.admin, team.agency, "showcase", {"reminder_hours": "6", "tone": "friendly"}
        )

    assert values.reminder_hours == 6 and values.tone is Tone.FRIENDLY
    assert _stored(team.agency.id, "showcase")["reminder_hours"] == 6
    assert get_host().settings(team.agency, "showcase").reminder_hours == 6
    assert get_host().settings(team.other_agency, "showcase").reminder_hours == 24
    assert not get_host().is_enabled(team.agency, "showcase")  # configuring does not switch it on


@pytest.mark.parametrize(
    ("data", "fields"),
    [
        ({"reminder_hours": "many"}, {"reminder_hours"}),
        ({"reminder_hours": 0, "discount": "-3"}, {"reminder_hours", "discount"}),
        ({"send_copies": "perhaps"}, {"send_copies"}),
        ({"tone": "rude"}, {"tone"}),
        ({"cc_addresses": "not-a-list"}, {"cc_addresses"}),
        ({"weekdays": ["mon", "funday"]}, {"weekdays.1"}),
        ({"sender_name": "ש" * 81}, {"sender_name"}),
        ({"unknown": 1}, {"unknown"}),
    ],
)
def test_configure_refuses_bad_values_with_field_details_and_stores_nothing(team, data, fields):
    with tenancy.scope(team.agency.id), pytest.raises(ValidationFailed) as refused:
        plugins.configure(team.admin, team.agency, "showcase", data)
    db.session.rollback()

    assert set(refused.value.details) == fields
    assert _stored(team.agency.id, "showcase") is None


def test_configure_refuses_a_body_that_is_not_an_object(team):
    with tenancy.scope(team.agency.id), pytest.raises(ValidationFailed):
        plugins.configure(team.admin, team.agency, "showcase", ["reminder_hours", 3])  # type: ignore[arg-type]


@pytest.mark.parametrize("role", ["manager", "agent"])
def test_only_admins_may_enable_or_configure(team, role):
    user = getattr(team, role)
    with tenancy.scope(team.agency.id):
        with pytest.raises(Forbidden):
            plugins.set_enabled(user, team.agency, "showcase", True)
        with pytest.raises(Forbidden):
            plugins.configure(user, team.agency, "showcase", {})
    db.session.rollback()

    assert _stored(team.agency.id, "showcase") is None


def test_an_admin_cannot_touch_another_agencys_plugins(team):
    with tenancy.scope(team.agency.id), pytest.raises(Forbidden):
        plugins.set_enabled(team.admin, team.other_agency, "showcase", True)
    db.session.rollback()

    assert _stored(team.other_agency.id, "showcase") is None


def test_unknown_plugin_is_not_found(team):
    with tenancy.scope(team.agency.id):
        with pytest.raises(NotFound):
            plugins.set_enabled(None, team.agency, "does_not_exist", True)
        with pytest.raises(NotFound):
            plugins.configure(None, team.agency, "does_not_exist", {})


def test_enabling_twice_changes_nothing_the_second_time(team):
    with tenancy.scope(team.agency.id):
        plugins.set_enabled(None, team.agency, "showcase", True)
        version = team.agency.plugins_version
        plugins.set_enabled(None, team.agency, "showcase", True)

    assert team.agency.plugins_version == version
    assert get_host().enabled(team.agency) == {"showcase"}


# --- registration -------------------------------------------------------------------------


class Misspelt:
    @hookimpl
    def crm_prospect_creatd(self, prospect: Any) -> None:  # the "e" is missing
        raise AssertionError("never called")


class WrongArgument:
    @hookimpl
    def crm_call_logged(self, call: Any, telephone: Any) -> None:
        raise AssertionError("never called")


@pytest.mark.parametrize("plugin", [Misspelt(), WrongArgument()])
def test_a_plugin_with_a_hook_that_matches_no_specification_is_refused_at_registration(plugin):
    host = PluginHost()

    with pytest.raises(pluggy.PluginValidationError):
        host.register(plugin, "typo")

    assert not host.pm.has_plugin("typo") and "typo" not in host.infos


def test_the_app_refuses_to_start_with_a_misspelt_plugin(app_factory):
    with pytest.raises(pluggy.PluginValidationError):
        app_factory(EXTRA_PLUGINS=[(Misspelt(), "typo")], PLUGINS_AUTOLOAD=False)
