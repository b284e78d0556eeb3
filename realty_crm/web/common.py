"""Helpers every web blueprint uses: the acting user, guards, the page argument."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app
from flask_login import current_user

from ..models import User
from ..policy import Action, require

PER_PAGE = 25
PAGE_LIMIT = 100_000


def actor() -> User:
    """The signed-in user as the real ORM object (services and relationships need it, not a proxy)."""
    return current_user._get_current_object()  # type: ignore[attr-defined]


def guard(blueprint: Blueprint, action: Action | str | None = None) -> None:
    """Make every page of ``blueprint`` need a signed-in user (and, when given, the right to ``action``)."""

    @blueprint.before_request
    def _guard() -> Any:
        if not current_user.is_authenticated:
            return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
        if action is not None:
            require(actor(), action)
        return None


def page_arg(raw: str | None) -> int:
    """The ``page`` query argument as a positive int (junk means the first page)."""
    try:
        return min(max(1, int(raw or 1)), PAGE_LIMIT)
    except ValueError:
        return 1
