"""The plugin's pages: the signed-in user's feeds (``/calendar-sync/``) and the public feed
itself (``/calendar/<secret>.ics``), each on a new blueprint per app."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from realty_crm.plugin_api import User, ValidationFailed, actor, db, guard, public_blueprint

from . import feeds
from .models import KIND_AGENT, KIND_TEAM
from .settings import NAME

FEED_ENDPOINT = f"{NAME}_feed.feed"


def _render(
    user: User, status: int = 200, new_url: str | None = None, new_kind: str | None = None,
    error: str | None = None,
) -> tuple[str, int]:
    html = render_template(
        f"{NAME}/page.html",
        feeds=feeds.live_feeds(user),
        may_team=feeds.may_create(user, KIND_TEAM),
        new_url=new_url,
        new_kind=new_kind,
        error=error,
        KIND_AGENT=KIND_AGENT,
        KIND_TEAM=KIND_TEAM,
    )
    return html, status


def page() -> Any:
    """The user's live feeds, with buttons to create or revoke them."""
    return _render(actor())


def create() -> Any:
    """Create a feed and show its URL, this once (never stored, so never in a redirect)."""
    user = actor()
    kind = request.form.get("kind", "")
    try:
        _feed, secret = feeds.create_feed(user, kind)
    except ValidationFailed as exc:
        db.session.rollback()
        return _render(user, 422, error=str(exc.details.get("kind", exc.message)))
    url = url_for(FEED_ENDPOINT, token_secret=secret, _external=True)
    return _render(user, 201, new_url=url, new_kind=kind)


def revoke(kind: str) -> Any:
    """Revoke the user's feed of ``kind``: calendars subscribed to it stop receiving visits."""
    feeds.revoke_feed(actor(), kind)
    flash(_("The feed is revoked: calendars subscribed to it no longer receive your visits."), "success")
    return redirect(url_for(f"{NAME}.page"))


def feed(token_secret: str) -> Any:
    """The public iCalendar feed: no session, the secret in the URL is the credential."""
    found = feeds.resolve(token_secret)
    if found is None:
        abort(404)
    body = feeds.build_calendar(*found)
    response = Response(body, content_type="text/calendar; charset=utf-8")
    response.headers["Content-Disposition"] = 'inline; filename="visits.ics"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def create_blueprint() -> Blueprint:
    """The signed-in page under ``/calendar-sync``."""
    blueprint = Blueprint(NAME, __name__, url_prefix="/calendar-sync", template_folder="templates")
    guard(blueprint)  # signed-in users only
    blueprint.add_url_rule("/", "page", page, methods=["GET"])
    blueprint.add_url_rule("/feeds", "create", create, methods=["POST"])
    blueprint.add_url_rule("/feeds/<kind>/revoke", "revoke", revoke, methods=["POST"])
    return blueprint


def create_feed_blueprint() -> Blueprint:
    """The public feed ``/calendar/<secret>.ics``; it checks the plugin is on in the feed's agency."""
    blueprint = Blueprint(f"{NAME}_feed", __name__)
    public_blueprint(blueprint)  # the secret is the credential
    blueprint.add_url_rule("/calendar/<token_secret>.ics", "feed", feed, methods=["GET"])
    return blueprint
