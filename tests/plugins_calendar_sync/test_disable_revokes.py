"""Turning calendar_sync off in an agency revokes every feed URL issued there, so turning it on
again revives none of them: the old URLs stay 404 and users create new ones."""

from __future__ import annotations

import importlib.util
from datetime import timedelta

from alembic.migration import MigrationContext
from alembic.operations import Operations
from realty_crm_calendar_sync import crm_migrations_directory, feeds
from realty_crm_calendar_sync.models import CalendarFeedToken
from sqlalchemy import select, update

from realty_crm.plugin_api import db, tenancy, utcnow
from realty_crm.testing.factories import form_token, store_plugin_enabled_unchecked
from realty_crm.testing.plugin_tools import enable_plugin

PLUGIN = "calendar_sync"


def _live(agency_id: int) -> list[CalendarFeedToken]:
    db.session.expire_all()
    return list(db.session.scalars(
        select(CalendarFeedToken)
        .where(CalendarFeedToken.agency_id == agency_id, CalendarFeedToken.revoked_at.is_(None))
        .execution_options(**tenancy.unscoped())
    ))


def test_feeds_issued_before_the_plugin_was_off_stay_dead_when_it_is_on_again(sol, luna, fetch):
    sol.visit(days=1)
    mine, team = sol.feed(), sol.feed(sol.manager, kind="team")
    enable_plugin(luna.agency, PLUGIN)
    neighbour = luna.feed()

    enable_plugin(sol.agency, PLUGIN, False)
    enable_plugin(sol.agency, PLUGIN)

    assert fetch(mine).status_code == 404 and fetch(team).status_code == 404
    assert _live(sol.agency.id) == []
    assert fetch(neighbour).status_code == 200, "another agency's feeds are left alone"
    fresh = sol.feed()
    assert fetch(fresh).status_code == 200


def test_an_admin_turning_it_off_on_the_plugins_page_revokes_the_feeds(sol, fetch, login, secret_in):
    agent_page = login(sol.agent)
    token = form_token(agent_page, "/calendar-sync/")
    created = agent_page.post("/calendar-sync/feeds", data={"kind": "agent", "csrf_token": token})
    secret = secret_in(created.get_data(as_text=True))
    admin = login(sol.admin)
    token = form_token(admin, "/settings/plugins")

    assert admin.post(f"/settings/plugins/{PLUGIN}/disable", data={"csrf_token": token}).status_code == 302
    assert admin.post(f"/settings/plugins/{PLUGIN}/enable", data={"csrf_token": token}).status_code == 302

    assert fetch(secret).status_code == 404
    page = agent_page.get("/calendar-sync/").get_data(as_text=True)
    assert f"/calendar/{secret}.ics" not in page


def test_the_upgrade_revokes_feeds_left_live_by_an_earlier_disabling(sol, luna, fetch):
    kept = sol.feed()
    enable_plugin(luna.agency, PLUGIN)
    left_over = luna.feed()
    # as the plugin left things before this fix: off in Luna, its feed still live
    db.session.execute(update(CalendarFeedToken).values(revoked_at=None))
    store_plugin_enabled_unchecked(luna.agency, PLUGIN, False)
    assert len(_live(luna.agency.id)) == 1

    path = crm_migrations_directory() / "calendar_sync_0002_revoke_disabled.py"
    spec = importlib.util.spec_from_file_location("calendar_sync_0002", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    with Operations.context(MigrationContext.configure(db.session.connection())):
        migration.upgrade()
    db.session.commit()

    assert _live(luna.agency.id) == []
    revoked_at = db.session.scalars(select(CalendarFeedToken.revoked_at).where(
        CalendarFeedToken.agency_id == luna.agency.id).execution_options(**tenancy.unscoped())).one()
    assert abs(revoked_at - utcnow()) < timedelta(minutes=1)
    assert fetch(kept).status_code == 200
    enable_plugin(luna.agency, PLUGIN)
    assert fetch(left_over).status_code == 404
    assert feeds.live_feeds(sol.agent)
