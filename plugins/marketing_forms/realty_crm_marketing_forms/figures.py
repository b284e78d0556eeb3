"""What each form brought in a period: submissions, prospects (new ones among them), visits
and wins, per form and, within a form, per campaign (the ``utm_campaign`` its link carried).
A submission counts in the period it was received; its prospect's visits and status are
counted as they stand now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from realty_crm.plugin_api import Prospect, ProspectStatus, Visit, VisitStatus, db
from sqlalchemy import Select, case, exists, func, select

from .models import FormSubmission, SubmissionStatus


@dataclass
class Figures:
    """One row of figures: the prospects counted once each, however often they wrote."""

    submissions: int = 0
    pending: int = 0
    failed: int = 0
    prospects: int = 0
    new_prospects: int = 0
    with_visit: int = 0
    won: int = 0


def _counts(key: Any, where: list[Any]) -> Select[Any]:
    return (
        select(
            key,
            func.count(),
            func.sum(case((FormSubmission.status == SubmissionStatus.PENDING, 1), else_=0)),
            func.sum(case((FormSubmission.status == SubmissionStatus.FAILED, 1), else_=0)),
            func.sum(case((FormSubmission.created_prospect.is_(True), 1), else_=0)),
        )
        .where(*where)
        .group_by(key)
    )


def _outcomes(key: Any, where: list[Any]) -> Select[Any]:
    pairs = (
        select(key.label("key"), FormSubmission.prospect_id)
        .where(FormSubmission.prospect_id.is_not(None), *where)
        .distinct()
        .subquery()
    )
    visited = exists().where(Visit.prospect_id == pairs.c.prospect_id, Visit.status != VisitStatus.CANCELLED)
    return (
        select(
            pairs.c.key,
            func.count(),
            func.sum(case((visited, 1), else_=0)),
            func.sum(case((Prospect.status == ProspectStatus.WON, 1), else_=0)),
        )
        .join(Prospect, Prospect.id == pairs.c.prospect_id)
        .execution_options(include_deleted=True)
        .group_by(pairs.c.key)
    )


def _figures(key: Any, where: list[Any]) -> dict[Any, Figures]:
    result: dict[Any, Figures] = {}
    for value, total, pending, failed, new in db.session.execute(_counts(key, where)):
        result[value] = Figures(total, pending or 0, failed or 0, new_prospects=new or 0)
    for value, prospects, visited, won in db.session.execute(_outcomes(key, where)):
        row = result.setdefault(value, Figures())
        row.prospects, row.with_visit, row.won = prospects, visited or 0, won or 0
    return result


def _received(start: datetime, end: datetime) -> list[Any]:
    return [FormSubmission.received_at >= start, FormSubmission.received_at < end]


def by_form(start: datetime, end: datetime) -> dict[int, Figures]:
    """Figures of every form of the agency in scope for submissions received in
    ``[start, end)``, by form id."""
    return _figures(FormSubmission.form_id, _received(start, end))


def of_form(form_id: int, start: datetime, end: datetime) -> Figures:
    """One form's figures for ``[start, end)``."""
    where = [FormSubmission.form_id == form_id, *_received(start, end)]
    return _figures(FormSubmission.form_id, where).get(form_id, Figures())


def by_campaign(form_id: int, start: datetime, end: datetime) -> dict[str, Figures]:
    """One form's figures for ``[start, end)`` by campaign ("" for enquiries that named
    none), biggest first."""
    rows = _figures(FormSubmission.utm_campaign, [FormSubmission.form_id == form_id, *_received(start, end)])
    return dict(sorted(rows.items(), key=lambda item: (-item[1].submissions, item[0])))
