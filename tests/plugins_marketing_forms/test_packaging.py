"""marketing_forms is found through its entry point like any third-party plugin, and brings
its tables in its own Alembic branch (the migrations-match-models test checks their shape)."""

from __future__ import annotations

from importlib.metadata import entry_points
from pathlib import Path

import realty_crm_marketing_forms
from alembic.script import ScriptDirectory
from realty_crm_marketing_forms.settings import Settings
from sqlalchemy import inspect

from realty_crm.plugin_api import db
from realty_crm.testing.plugin_tools import ENTRY_POINT_GROUP, plugin_info, registered_plugin

PLUGIN = "marketing_forms"
REVISION = "marketing_forms_0001"


def test_the_package_declares_the_plugin_under_the_entry_point_group(app):
    [entry] = [ep for ep in entry_points(group=ENTRY_POINT_GROUP) if ep.name == PLUGIN]

    assert entry.value == "realty_crm_marketing_forms"
    assert entry.dist is not None and entry.dist.name == "realty-crm-marketing-forms"
    info = plugin_info(PLUGIN)
    assert registered_plugin(PLUGIN) is realty_crm_marketing_forms
    assert (info.title, info.settings) == ("Marketing forms", Settings)
    assert (Settings().min_fill_seconds, Settings().submissions_per_address_per_hour) == (3, 20)


def test_the_revision_is_a_branch_of_its_own_inside_the_package(migration_script: ScriptDirectory):
    revision = migration_script.get_revision(REVISION)

    assert revision.branch_labels == {PLUGIN}
    assert revision.down_revision is None and revision.dependencies == "0001_core"
    assert Path(revision.path).is_relative_to(Path(realty_crm_marketing_forms.__file__).parent)


def test_the_tables_exist_after_init(app):
    tables = set(inspect(db.engine).get_table_names())

    assert {"marketing_forms", "marketing_form_submissions"} <= tables
