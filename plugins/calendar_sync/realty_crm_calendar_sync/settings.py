"""The plugin's name and its per-agency settings (every field has a default)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from pydantic import Field
from realty_crm.plugin_api import PluginSettings

# the entry-point name in pyproject.toml
NAME = "calendar_sync"


class Settings(PluginSettings):
    """What an agency's admin can tune about the calendar feeds."""

    days_back: int = Field(
        60, ge=0, le=3650, title=_l("Days of past visits"),
        description=_l("The feeds show visits that started up to this many days ago."),
    )
    days_ahead: int = Field(
        365, ge=1, le=3650, title=_l("Days of future visits"),
        description=_l("The feeds show visits starting up to this many days from now."),
    )
