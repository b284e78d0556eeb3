"""The plugin's page: the debriefs owed, each with a box to write it.

A new blueprint per app (``create_blueprint``): realty-crm adds a guard to it that answers 404
to users of agencies where the plugin is disabled, and a Flask blueprint cannot be changed
once an app has registered it.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from realty_crm.plugin_api import ValidationFailed, actor, db, guard, page_arg

from . import debriefs
from .settings import NAME


def _render(
    status: int = 200, errors: dict[int, str] | None = None, drafts: dict[int, str] | None = None
) -> tuple[str, int]:
    user = actor()
    settings = debriefs.settings_for(user.agency)
    results = debriefs.owed_debriefs(user, page=page_arg(request.args.get("page")))
    html = render_template(
        f"{NAME}/page.html",
        results=results,
        settings=settings,
        overdue_before=debriefs.overdue_before(settings),
        errors=errors or {},
        drafts=drafts or {},
    )
    return html, status


def page() -> Any:
    """The debriefs the user may see that are still owed (an agent: their own)."""
    return _render()


def write(visit_id: int) -> Any:
    """Save the debrief of one visit, then back to the list; a refusal shows next to the box."""
    feedback = request.form.get("feedback", "")
    try:
        debriefs.write_debrief(actor(), visit_id, feedback)
    except ValidationFailed as exc:
        db.session.rollback()
        error = str(exc.details.get("feedback", exc.message))
        return _render(422, errors={visit_id: error}, drafts={visit_id: feedback})
    flash(_("Debrief saved."), "success")
    return redirect(url_for(f"{NAME}.page"))


def create_blueprint() -> Blueprint:
    """The plugin's blueprint under ``/visit-notes``, with its templates and static files."""
    blueprint = Blueprint(
        NAME,
        __name__,
        url_prefix="/visit-notes",
        template_folder="templates",
        static_folder="static",
        static_url_path="/static",
    )
    guard(blueprint)  # signed-in users only
    blueprint.add_url_rule("/", "page", page, methods=["GET"])
    blueprint.add_url_rule("/<int:visit_id>", "write", write, methods=["POST"])
    return blueprint

