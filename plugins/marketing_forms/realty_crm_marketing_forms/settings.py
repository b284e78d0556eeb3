"""The plugin's name and its per-agency settings (every field has a default)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from pydantic import Field
from realty_crm.plugin_api import PluginSettings

# the entry-point name in pyproject.toml
NAME = "marketing_forms"


class Settings(PluginSettings):
    """What an agency's admin can tune about its public enquiry forms' spam defences."""

    min_fill_seconds: int = Field(
        3, ge=0, le=600, title=_l("Minimum fill time (seconds)"),
        description=_l("A form sent sooner than this after it was opened is taken for a robot and refused."),
    )
    submissions_per_address_per_hour: int = Field(
        20, ge=1, le=1_000_000, title=_l("Submissions per address per hour"),
        description=_l("More enquiries than this from one internet address within an hour are refused."),
    )
