"""What the plugin erases when the CRM erases a person (GDPR): what they sent through forms."""

from __future__ import annotations

from realty_crm.plugin_api import Prospect, db
from sqlalchemy import update

from .models import FormSubmission


def erase_submissions_of(prospect: Prospect) -> None:
    """Overwrite what the visitor typed in the submissions that became (or joined) ``prospect``:
    their answers, message, the property they asked about and any processing error quoting them.

    The rows stay, with their form, dates, campaign and outcome, so the forms' figures still
    count them."""
    db.session.execute(
        update(FormSubmission)
        .where(FormSubmission.agency_id == prospect.agency_id, FormSubmission.prospect_id == prospect.id)
        .values(prospect_data={}, message="", property_reference="", error="")
    )
