"""``realty-crm plugins list|enable|disable``, and a change made by the CLI reaching a server
that is already running (another app on the same database) on its next request."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from click.testing import Result
from flask import Flask
from sqlalchemy import select

from realty_crm import tenancy
from realty_crm.extensions import db
from realty_crm.models import Agency, AgencyPlugin

Cli = Callable[..., Result]


@pytest.fixture
def cli(app: Flask) -> Cli:
    """``cli("plugins", "list")``: run a ``realty-crm`` command on the test app."""
    runner = app.test_cli_runner()

    def invoke(*args: str) -> Result:
        result = runner.invoke(args=list(args))
        db.session.rollback()  # see what the command committed
        return result

    return invoke


def _enabled(agency_id: int) -> set[str]:
    db.session.expire_all()
    return set(
        db.session.scalars(
            select(AgencyPlugin.name)
            .where(AgencyPlugin.agency_id == agency_id, AgencyPlugin.enabled.is_(True))
            .execution_options(**tenancy.unscoped())
        )
    )


def test_list_shows_every_installed_plugin_with_title_and_version(cli, team):
    result = cli("plugins", "list")

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["NAME", "VERSION", "TITLE"]
    showcase = next(line for line in lines if line.startswith("showcase"))
    assert showcase.split(None, 2) == ["showcase", "2.0", "Showcase ✨"]
    assert {line.split()[0] for line in lines[1:]} == {
        "bare",
        "boom",
        "busy",
        "probe",
        "recorder",
        "showcase",
        "slow",
        "snoop",
    }


def test_list_with_an_agency_says_whether_each_is_enabled_there(cli, team, enable):
    enable(team.agency, "recorder")
    enable(team.other_agency, "showcase")

    result = cli("plugins", "list", "--agency", "sol")

    assert result.exit_code == 0, result.output
    assert "ENABLED IN sol" in result.output.splitlines()[0]
    rows = {line.split()[0]: line.split()[2] for line in result.output.splitlines()[1:]}
    assert rows["recorder"] == "yes" and rows["showcase"] == "no" and rows["boom"] == "no"


def test_enable_and_disable_switch_a_plugin_in_one_agency(cli, team):
    enabled = cli("plugins", "enable", "recorder", "--agency", "sol")

    assert enabled.exit_code == 0, enabled.output
    assert "recorder is enabled in sol" in enabled.output
    assert _enabled(team.agency.id) == {"recorder"} and _enabled(team.other_agency.id) == set()

    disabled = cli("plugins", "disable", "recorder", "--agency", "sol")

    assert disabled.exit_code == 0, disabled.output
    assert _enabled(team.agency.id) == set()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["enable", "nope", "--agency", "sol"], "No plugin called nope is installed."),
        (["disable", "Recorder", "--agency", "sol"], "No plugin called Recorder is installed."),
        (["enable", "recorder", "--agency", "atlantis"], "No agency with slug 'atlantis'."),
        (["enable", "🧩", "--agency", "sol"], "No plugin called 🧩 is installed."),
        (["list", "--agency", ""], "No agency with slug ''."),
    ],
)
def test_unknown_plugin_or_agency_is_a_clear_error(cli, team, args, message):
    result = cli("plugins", *args)

    assert result.exit_code == 1
    assert message in result.output
    assert _enabled(team.agency.id) == set()


@pytest.mark.parametrize("args", [["enable", "recorder"], ["disable"], ["enable", "--agency", "sol"]])
def test_missing_arguments_are_usage_errors(cli, team, args):
    result = cli("plugins", *args)

    assert result.exit_code == 2
    assert _enabled(team.agency.id) == set()


def test_list_says_when_no_plugin_is_installed(app_factory):
    bare_app = app_factory(PLUGINS_AUTOLOAD=False)

    result = bare_app.test_cli_runner().invoke(args=["plugins", "list"])

    assert result.exit_code == 0 and "No plugins are installed." in result.output


def test_enabling_from_the_cli_reaches_a_running_server_on_its_next_request(
    app_factory, plugin_config: dict[str, Any], team, login
):
    server = login(team.agent)  # the running app (the test's)
    assert "Lead board" not in server.get("/").get_data(as_text=True)  # its plugin state is now cached
    command_line = app_factory(**plugin_config)  # another process: the realty-crm command

    result = command_line.test_cli_runner().invoke(args=["plugins", "enable", "showcase", "--agency", "sol"])

    assert result.exit_code == 0, result.output
    assert "Lead board" in server.get("/").get_data(as_text=True)
    assert "Lead board" not in login(team.other_agent).get("/").get_data(as_text=True)

    result = command_line.test_cli_runner().invoke(args=["plugins", "disable", "showcase", "--agency", "sol"])

    assert result.exit_code == 0, result.output
    assert "Lead board" not in server.get("/").get_data(as_text=True)
    db.session.rollback()
    assert (
        db.session.scalars(
            select(Agency.plugins_version)
            .where(Agency.id == team.agency.id)
            .execution_options(**tenancy.unscoped())
        ).one()
        == 2
    )
