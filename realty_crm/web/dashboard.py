"""The signed-in user's home page."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import login_required

blueprint = Blueprint("dashboard", __name__)


@blueprint.get("/")
@login_required
def index() -> str:
    """The dashboard."""
    return render_template("dashboard/index.html")
