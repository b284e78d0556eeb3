"""Marketing forms, a first-party realty-crm plugin: public enquiry forms that bring leads in.

Managers build forms in the UI (which fields, consent text, thank-you message or page) and
embed them on the agency's own site; each is served at ``/f/<agency slug>/<form slug>``.
A submission becomes a prospect (source ``web_form``, the form and its campaign on the
timeline), or is merged into the one with the same e-mail or phone, and is assigned by the
agency's rule. ``pyproject.toml`` registers this module under the ``realty_crm.plugins``
entry point as ``marketing_forms``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from realty_crm.plugin_api import ActivityKind, JobSpec, PluginInfo, Prospect, Role, User, can, hookimpl

from . import models  # noqa: F401 - the tables are known once the plugin is loaded
from .editor import SLUG_TAKEN
from .erasure import erase_submissions_of
from .permissions import ACTIONS, MANAGE
from .processing import enquiry_text, process_pending_job
from .public import create_public_blueprint
from .settings import NAME, Settings
from .views import create_blueprint

__version__ = "0.1.0"


@hookimpl
def crm_plugin_info() -> PluginInfo:
    """Who the plugin is, and its settings model."""
    return PluginInfo(
        name=NAME,
        title=_l("Marketing forms"),
        description=_l(
            "Enquiry forms for the agency's website: each submission becomes a prospect (or joins "
            "the existing one), assigned by the agency's rule, with figures per form and campaign."
        ),
        version=__version__,
        settings=Settings,
    )


@hookimpl
def crm_register_blueprints() -> list[Any]:
    """The forms pages under /marketing-forms and the public forms under /f."""
    return [create_blueprint(), create_public_blueprint()]


@hookimpl
def crm_register_jobs() -> list[JobSpec]:
    """Processing of the submissions the web workers left pending, every few seconds."""
    return [
        JobSpec(
            id="process_pending_submissions",
            func=process_pending_job,
            trigger="interval",
            trigger_args={"seconds": 5},
            per_agency=True,
            description="Turn enquiries still pending into prospects",
        )
    ]


@hookimpl
def crm_timeline_texts() -> dict[str, Any]:
    """The words of the enquiries the plugin puts on prospects' timelines."""
    return {ActivityKind.FORM_ENQUIRY.value: enquiry_text}


@hookimpl
def crm_migrations_directory() -> Path:
    """The plugin's own Alembic branch, labelled ``marketing_forms``."""
    return Path(__file__).resolve().parent / "migrations" / "versions"


@hookimpl
def crm_policy_actions() -> dict[str, set[Role]]:
    """Managing forms (``marketing_forms.manage``): managers and admins."""
    return ACTIONS


@hookimpl
def crm_constraint_messages() -> dict[str, tuple[str, Any]]:
    """Two forms created at once with the same address: the same answer as one after the other."""
    return {"uq_marketing_forms_agency_slug": ("slug", SLUG_TAKEN)}


@hookimpl
def crm_prospect_erasing(prospect: Prospect) -> None:
    """A person erased (GDPR): what they sent through the agency's forms goes too."""
    erase_submissions_of(prospect)


@hookimpl
def crm_nav_items(user: User) -> list[tuple[str, str]]:
    """A "Forms" entry in the top bar, for managers and admins."""
    if not can(user, MANAGE):
        return []
    return [(_("Forms"), url_for(f"{NAME}.index"))]
