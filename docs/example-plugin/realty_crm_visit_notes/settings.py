"""The plugin's name and its per-agency settings.

realty-crm validates what an admin enters (Settings → Plugins, or ``configure`` in code)
against this model and stores the result per agency; a field error is shown next to the
field. Every field has a default, so the plugin works the moment it is enabled.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from pydantic import Field
from realty_crm.plugin_api import PluginSettings

# the entry-point name in pyproject.toml: the key of the plugin's state in each agency
NAME = "visit_notes"


class Settings(PluginSettings):
    """What an agency's admin can tune."""

    min_feedback_chars: int = Field(
        20, ge=1, le=1000, title=_l("Shortest useful feedback"),
        description=_l("Feedback shorter than this many characters does not count as a debrief."),
    )
    overdue_after_hours: int = Field(
        24, ge=1, le=24 * 30, title=_l("Overdue after (hours)"),
        description=_l("A debrief still owed this long after the visit is shown as overdue."),
    )
    expire_after_days: int = Field(
        30, ge=1, le=365, title=_l("Give up after (days)"),
        description=_l("A debrief still owed this many days after the visit is closed by the nightly job."),
    )
    calls_count_as_debrief: bool = Field(
        True, title=_l("An answered call settles it"),
        description=_l("An answered call with the prospect after the visit counts as the debrief."),
    )
