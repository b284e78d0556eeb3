"""``crm_prospect_erasing``: a GDPR erasure reaches every installed plugin inside its own
transaction, and one plugin failing erases nothing."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from realty_crm import hookimpl, tenancy
from realty_crm.errors import PluginFailed
from realty_crm.extensions import db
from realty_crm.models import Call, PluginError, Prospect
from realty_crm.plugin_host import get_host
from realty_crm.services import prospects
from realty_crm.testing.factories import form_token

from .conftest import Plugins


class Shredder:
    """Erases what it holds about a person; notes each call (and fails when told to)."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.fail = False

    @hookimpl
    def crm_prospect_erasing(self, prospect: Prospect, agency: Any, actor: Any) -> None:
        self.calls.append({
            "prospect": prospect.id, "email": prospect.email, "agency": agency.id,
            "actor": actor.id, "scope": tenancy.current_agency_id(),
        })
        if self.fail:
            raise RuntimeError("the archive is offline")


@pytest.fixture
def shredder() -> Shredder:
    return Shredder()


@pytest.fixture
def plugin_config(test_plugins: Plugins, shredder: Shredder) -> dict[str, Any]:
    """The test plugins and the shredder, installed and enabled nowhere."""
    return {
        "EXTRA_PLUGINS": [*test_plugins.registrations(), (shredder, "shredder")], "PLUGINS_AUTOLOAD": False,
    }


@pytest.fixture
def person(team, make) -> Prospect:
    prospect = make.prospect(team.agent, first_name="Gdpr", email="gdpr@example.com")
    make.call(team.agent, prospect, summary="secret stuff")
    return prospect


def _stored(prospect: Prospect) -> Prospect:
    db.session.expire_all()
    return db.session.scalars(
        select(Prospect).where(Prospect.id == prospect.id).execution_options(include_deleted=True)
    ).one()


def test_the_erasure_reaches_a_plugin_that_is_not_enabled_in_the_agency(team, person, shredder):
    with tenancy.scope(team.agency.id):
        prospects.erase_prospect(team.admin, person)

    # before the CRM overwrites the person, so a plugin can still find them by address
    assert shredder.calls == [{
        "prospect": person.id, "email": "gdpr@example.com", "agency": team.agency.id,
        "actor": team.admin.id, "scope": team.agency.id,
    }]
    with tenancy.scope(team.agency.id):
        assert _stored(person).erased_at is not None


def test_a_plugin_failing_to_erase_erases_nothing_and_is_recorded(team, person, shredder):
    shredder.fail = True

    with tenancy.scope(team.agency.id), pytest.raises(PluginFailed) as refused:
        prospects.erase_prospect(team.admin, person)

    assert "Nothing was erased" in refused.value.message and "Shredder" in refused.value.message
    with tenancy.scope(team.agency.id):
        kept = _stored(person)
        assert (kept.erased_at, kept.first_name, kept.email) == (None, "Gdpr", "gdpr@example.com")
        assert db.session.scalars(select(Call.summary).where(Call.prospect_id == person.id)).all() == [
            "secret stuff"
        ]
    errors = db.session.scalars(
        select(PluginError).where(PluginError.plugin == "shredder").execution_options(**tenancy.unscoped())
    ).all()
    assert [(e.agency_id, e.hook, e.message) for e in errors] == [
        (team.agency.id, "crm_prospect_erasing", "RuntimeError: the archive is offline")
    ]


def test_the_admin_is_told_the_erasure_failed(team, person, shredder, login):
    shredder.fail = True
    browser = login(team.admin)
    path = f"/prospects/{person.id}/erase"

    answer = browser.post(path, data={"confirm": "y", "csrf_token": form_token(browser, path)})

    assert answer.status_code == 500
    assert "Nothing was erased: the plugin Shredder could not erase" in answer.get_data(as_text=True)
    with tenancy.scope(team.agency.id):
        assert _stored(person).erased_at is None


def test_nothing_is_erased_while_a_plugin_that_failed_to_start_is_off(app, team, person, shredder):
    get_host().fail("shredder", "crm_register_blueprints", RuntimeError("no archive"))

    with tenancy.scope(team.agency.id), pytest.raises(PluginFailed) as refused:
        prospects.erase_prospect(team.admin, person)

    assert "Nothing was erased: the plugin Shredder did not start" in refused.value.message
    assert shredder.calls == []
    with tenancy.scope(team.agency.id):
        kept = _stored(person)
        assert (kept.erased_at, kept.first_name, kept.email) == (None, "Gdpr", "gdpr@example.com")
