"""What the plugin erases when the CRM erases a person (GDPR): what they sent through forms."""

from __future__ import annotations

from realty_crm.plugin_api import Prospect, db
from sqlalchemy import and_, func, or_, update

from .models import FormSubmission, SubmissionStatus

ERASED = {"prospect_data": {}, "message": "", "property_reference": "", "error": ""}


def erase_submissions_of(prospect: Prospect) -> None:
    """Overwrite what the visitor typed in the submissions that became (or joined) ``prospect``,
    and in those not linked to a prospect yet (pending, or failed) that carry its e-mail or
    phone: their answers, message, the property they asked about and any processing error
    quoting them. An unlinked one is marked failed, so it never becomes a prospect again.

    The rows stay, with their form, dates, campaign and outcome, so the forms' figures still
    count them. Called before the CRM overwrites the prospect, while its e-mail and phone
    can still be read."""
    mine = FormSubmission.agency_id == prospect.agency_id
    db.session.execute(update(FormSubmission).where(mine, FormSubmission.prospect_id == prospect.id)
                       .values(**ERASED))
    sent_by = [
        func.lower(FormSubmission.prospect_data[key].as_string()) == value.strip().lower()
        for key, value in (("email", prospect.email), ("phone", prospect.phone)) if value and value.strip()
    ]
    if sent_by:
        db.session.execute(
            update(FormSubmission)
            .where(and_(mine, FormSubmission.prospect_id.is_(None), or_(*sent_by)))
            .values(**ERASED, status=SubmissionStatus.FAILED)
        )
