"""The trash: soft-deleted prospects and properties, and restoring them (staff)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from .. import tenancy
from ..extensions import db
from ..models import Property, Prospect, User
from ..policy import Action
from ..services import properties, prospects, search
from .common import PER_PAGE, actor, guard, page_arg

blueprint = Blueprint("trash", __name__, url_prefix="/trash")
guard(blueprint, Action.RESTORE)

KINDS = ("prospects", "properties")


def _deleters(records: list[Any]) -> dict[int, str]:
    """Names of the users who deleted ``records``, in one query."""
    ids = {r.deleted_by_id for r in records if r.deleted_by_id is not None}
    if not ids:
        return {}
    rows = db.session.execute(select(User.id, User.name).where(User.id.in_(ids)))
    return {user_id: name for user_id, name in rows}


@blueprint.get("")
def index() -> str:
    """Deleted prospects (erased ones excepted: they are gone for good) or properties."""
    kind = request.args.get("kind", "prospects")
    if kind not in KINDS:
        kind = "prospects"
    page = page_arg(request.args.get("page"))
    if kind == "prospects":
        stmt = search.prospect_query(actor(), search.ProspectFilters(deleted=True)).where(
            Prospect.erased_at.is_(None)
        )
        results = search.paginate(stmt.order_by(None).order_by(Prospect.deleted_at.desc()), page, PER_PAGE)
    else:
        stmt = search.property_query(search.PropertyFilters(deleted=True))
        results = search.paginate(stmt.order_by(None).order_by(Property.deleted_at.desc()), page, PER_PAGE)
    return render_template(
        "trash/index.html", kind=kind, results=results, deleters=_deleters(results.items)
    )


def _deleted(model: type[Any], record_id: int) -> Any:
    """A record of the agency that is in the trash (404 otherwise)."""
    record = tenancy.get_or_404(model, record_id, include_deleted=True)
    if record.deleted_at is None or getattr(record, "erased_at", None) is not None:
        abort(404)
    return record


@blueprint.post("/prospects/<int:prospect_id>/restore")
def restore_prospect(prospect_id: int) -> Response:
    """Bring a prospect back from the trash."""
    prospect = _deleted(Prospect, prospect_id)
    prospects.restore_prospect(actor(), prospect)
    flash(_("%(name)s was restored.", name=prospect.full_name), "success")
    return redirect(url_for("prospects.detail", prospect_id=prospect.id))


@blueprint.post("/properties/<int:property_id>/restore")
def restore_property(property_id: int) -> Response:
    """Bring a property back from the trash."""
    prop = _deleted(Property, property_id)
    properties.restore_property(actor(), prop)
    flash(_("Property %(ref)s was restored.", ref=prop.reference), "success")
    return redirect(url_for("properties.detail", property_id=prop.id))
