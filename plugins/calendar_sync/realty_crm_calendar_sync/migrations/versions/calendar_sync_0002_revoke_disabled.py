"""calendar_sync: revoke the feeds of agencies where the plugin is off

From this revision on, disabling the plugin revokes the agency's feed URLs, so that enabling
it again revives none of them. Feeds left live by an earlier disabling are revoked here, once.

Revision ID: calendar_sync_0002
Revises: calendar_sync_0001
Create Date: 2026-12-07 19:50:00
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "calendar_sync_0002"
down_revision = "calendar_sync_0001"
branch_labels = None
depends_on = "0003_plugin_state"  # agency_plugins, read below


def upgrade() -> None:
    feeds = sa.table(
        "calendar_feed_tokens",
        sa.column("agency_id", sa.Integer()),
        sa.column("revoked_at", sa.DateTime(timezone=True)),
    )
    plugins = sa.table(
        "agency_plugins",
        sa.column("agency_id", sa.Integer()),
        sa.column("name", sa.String()),
        sa.column("enabled", sa.Boolean()),
    )
    enabled_here = sa.select(plugins.c.agency_id).where(
        plugins.c.name == "calendar_sync", plugins.c.enabled.is_(True)
    )
    now = datetime.now(UTC)
    if op.get_bind().dialect.name == "sqlite":
        now = now.replace(tzinfo=None)  # stored as naive UTC text there, as the model does
    op.execute(
        feeds.update()
        .where(feeds.c.revoked_at.is_(None), feeds.c.agency_id.not_in(enabled_here))
        .values(revoked_at=now)
    )


def downgrade() -> None:
    """Revoked feeds stay revoked."""
