"""Search-as-you-type pickers: small JSON lists of the prospects and agents a form may name,
and the server-side reading of what was typed when the browser runs no script.

``/pick/prospects?q=`` matches name, e-mail or phone fragments among the prospects the user
may see; ``/pick/agents?q=`` the agency's users (staff only). ``static/app.js`` turns a
``data-picker`` field into a combobox over them; the form posts the chosen id either way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from werkzeug.wrappers import Response

from ..collation import collated
from ..extensions import db
from ..models import Prospect, User
from ..policy import Action, can, is_staff, visible_prospects
from ..services.search import fold, like_pattern, text_filter
from .common import actor, guard
from .forms import record_id

blueprint = Blueprint("pickers", __name__, url_prefix="/pick")
guard(blueprint)

LIMIT = 10
SEARCHED_USER_COLUMNS = (User.name, User.email, User.phone)
MAX_QUERY = 100


@dataclass
class Resolved:
    """What a picker field names: the record, or why it names none (``error``)."""

    record: Any = None
    error: str | None = None


def _query() -> str:
    return request.args.get("q", "")[:MAX_QUERY]


def prospect_hint(prospect: Prospect) -> str:
    """What tells namesakes apart in a picker: the e-mail, else the phone."""
    return prospect.email or prospect.phone or ""


def _prospect_matches(q: str, limit: int) -> list[Prospect]:
    if not fold(q).strip():
        return []
    stmt = text_filter(visible_prospects(select(Prospect), actor()), Prospect.search_text, q)
    order = (collated(Prospect.first_name), collated(Prospect.last_name), Prospect.id)
    return list(db.session.scalars(stmt.order_by(*order).limit(limit)))


@blueprint.get("/prospects")
def prospects() -> Response:
    """The prospects the user may see whose name, e-mail or phone holds every word of ``q``."""
    found = _prospect_matches(_query(), LIMIT)
    return jsonify(items=[{"id": p.id, "label": p.full_name, "hint": prospect_hint(p)} for p in found])


@blueprint.get("/agents")
def agents() -> Response | tuple[Response, int]:
    """The agency's users whose name, e-mail or phone holds ``q`` (staff only: agents pick nobody)."""
    if not is_staff(actor()):
        return jsonify(items=[]), 403
    q = _query().strip()
    if not q:
        return jsonify(items=[])
    like = like_pattern(fold(q))
    stmt = (
        select(User)
        .where(or_(*(func.lower(column).like(like, escape="\\") for column in SEARCHED_USER_COLUMNS)))
        .order_by(collated(User.name), User.id)
        .limit(LIMIT)
    )
    items = [
        {"id": u.id, "label": u.name if u.active else _("%(name)s (inactive)", name=u.name), "hint": u.email}
        for u in db.session.scalars(stmt)
    ]
    return jsonify(items=items)


def optional_id(value: Any) -> int | None:
    """A picker's hidden id as an int (the forms' ``record_id`` rule); anything else (blank,
    junk) as None: the typed text then decides."""
    try:
        return record_id(str(value or "").strip())
    except ValueError:
        return None


def resolve_prospect(ident: int | None, typed: str | None, keep: Prospect | None = None) -> Resolved:
    """The prospect a picker names: its id when that agrees with the typed text (the script
    fills both), else the one prospect the text (a name, an e-mail, a phone, "#123") matches.
    ``keep`` is the prospect the record already names: kept as it is even when the user may
    not open it."""
    typed = (typed or "").strip()[:MAX_QUERY]
    if not typed:
        return Resolved()
    if keep is not None and ident == keep.id and typed == keep.full_name:
        return Resolved(keep)
    user = actor()
    if ident is not None:
        chosen = db.session.scalars(select(Prospect).where(Prospect.id == ident)).first()
        if chosen is not None and can(user, Action.VIEW, chosen) and chosen.full_name == typed:
            return Resolved(chosen)
    if typed.startswith("#") and (number := optional_id(typed[1:])) is not None:
        by_number = db.session.scalars(select(Prospect).where(Prospect.id == number)).first()
        if by_number is not None and can(user, Action.VIEW, by_number):
            return Resolved(by_number)
        return Resolved(error=_("No prospect matches “%(text)s”.", text=typed))
    found = _prospect_matches(typed, LIMIT + 1)
    exact = [p for p in found if typed.casefold() in {p.full_name.casefold(), (p.email or "").casefold()}]
    if len(exact) == 1 or len(found) == 1:
        return Resolved(exact[0] if len(exact) == 1 else found[0])
    if not found:
        return Resolved(error=_("No prospect matches “%(text)s”.", text=typed))
    return Resolved(error=_("Several prospects match “%(text)s”: type more of the name, or the e-mail.",
                            text=typed))
