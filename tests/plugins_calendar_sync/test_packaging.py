"""calendar_sync is found through its entry point, and `realty-crm init` creates its table
through the plugin's own Alembic branch on a fresh database."""

from __future__ import annotations

from importlib.metadata import entry_points
from pathlib import Path

import realty_crm_calendar_sync
from alembic.script import ScriptDirectory
from flask import Flask
from realty_crm_calendar_sync.settings import Settings
from sqlalchemy import inspect, text

from realty_crm.plugin_api import db
from realty_crm.testing.plugin_tools import ENTRY_POINT_GROUP, plugin_info, registered_plugin

PLUGIN = "calendar_sync"
REVISION = "calendar_sync_0001"
HEAD = "calendar_sync_0002"


def test_the_package_declares_the_plugin_under_the_entry_point_group(app):
    [entry] = [ep for ep in entry_points(group=ENTRY_POINT_GROUP) if ep.name == PLUGIN]

    assert entry.value == "realty_crm_calendar_sync"
    assert entry.dist is not None and entry.dist.name == "realty-crm-calendar-sync"
    info = plugin_info(PLUGIN)
    assert registered_plugin(PLUGIN) is realty_crm_calendar_sync
    assert (info.title, info.version, info.settings) == ("Calendar sync", "0.1.0", Settings)
    assert Settings().days_back == 60 and Settings().days_ahead == 365


def test_the_revision_is_a_branch_of_its_own_inside_the_package(migration_script: ScriptDirectory):
    revision = migration_script.get_revision(REVISION)

    assert revision.branch_labels == {PLUGIN}
    assert revision.down_revision is None and revision.dependencies == "0001_core"
    assert Path(revision.path).is_relative_to(Path(realty_crm_calendar_sync.__file__).parent)


def test_init_creates_the_feed_table_on_a_fresh_database(fresh_app: Flask):
    result = fresh_app.test_cli_runner().invoke(args=["init"])

    assert result.exit_code == 0, result.output
    with fresh_app.app_context():
        inspector = inspect(db.engine)
        assert "calendar_feed_tokens" in inspector.get_table_names()
        columns = {c["name"] for c in inspector.get_columns("calendar_feed_tokens")}
        with db.engine.connect() as conn:
            versions = set(conn.scalars(text("SELECT version_num FROM alembic_version")))
    assert columns == {"id", "agency_id", "user_id", "kind", "token_hash", "created_at", "revoked_at"}
    assert HEAD in versions
