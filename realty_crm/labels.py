"""The translated words users see for stored values: enum members, language codes."""

from __future__ import annotations

from typing import Any

from babel import Locale, UnknownLocaleError
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp

from .models import (
    ActivityKind,
    CallDirection,
    CallOutcome,
    ListingOperation,
    Operation,
    PropertyStatus,
    PropertyType,
    ProspectSource,
    ProspectStatus,
    Role,
    VisitStatus,
)

# the words users see for each enum value, translated
LABELS: dict[str, Any] = {
    ProspectStatus.NEW: _l("New"),
    ProspectStatus.CONTACTED: _l("Contacted"),
    ProspectStatus.QUALIFIED: _l("Qualified"),
    ProspectStatus.VISITING: _l("Visiting"),
    ProspectStatus.OFFER: _l("Offer"),
    ProspectStatus.WON: _l("Won"),
    ProspectStatus.LOST: _l("Lost"),
    ProspectSource.WEB_FORM: _l("Web form"),
    ProspectSource.PHONE: _l("Phone"),
    ProspectSource.WALK_IN: _l("Walk-in"),
    ProspectSource.PORTAL: _l("Portal"),
    ProspectSource.REFERRAL: _l("Referral"),
    ProspectSource.EMAIL: _l("E-mail"),
    ProspectSource.OTHER: _l("Other"),
    Operation.BUY: _l("Buy"),
    ListingOperation.SALE: _l("Sale"),
    ListingOperation.RENT: _l("Rent"),
    PropertyType.FLAT: _l("Flat"),
    PropertyType.HOUSE: _l("House"),
    PropertyType.STUDIO: _l("Studio"),
    PropertyType.DUPLEX: _l("Duplex"),
    PropertyType.PENTHOUSE: _l("Penthouse"),
    PropertyType.COMMERCIAL: _l("Commercial"),
    PropertyType.OFFICE: _l("Office"),
    PropertyType.LAND: _l("Land"),
    PropertyType.GARAGE: _l("Garage"),
    PropertyStatus.DRAFT: _l("Draft"),
    PropertyStatus.AVAILABLE: _l("Available"),
    PropertyStatus.RESERVED: _l("Reserved"),
    PropertyStatus.SOLD: _l("Sold"),
    PropertyStatus.RENTED: _l("Rented"),
    PropertyStatus.WITHDRAWN: _l("Withdrawn"),
    VisitStatus.SCHEDULED: _l("Scheduled"),
    VisitStatus.CONFIRMED: _l("Confirmed"),
    VisitStatus.DONE: _lp("visit status", "Done"),  # "Hecha" in Spanish: a visit is feminine
    VisitStatus.CANCELLED: _l("Cancelled"),
    VisitStatus.NO_SHOW: _l("No-show"),
    CallDirection.INBOUND: _l("Inbound"),
    CallDirection.OUTBOUND: _l("Outbound"),
    CallOutcome.ANSWERED: _l("Answered"),
    CallOutcome.NO_ANSWER: _l("No answer"),
    CallOutcome.VOICEMAIL: _l("Voicemail"),
    CallOutcome.BUSY: _l("Busy"),
    CallOutcome.WRONG_NUMBER: _l("Wrong number"),
    Role.ADMIN: _l("Admin"),
    Role.MANAGER: _l("Manager"),
    Role.AGENT: _l("Agent"),
    ActivityKind.CREATED: _l("Created"),
    ActivityKind.UPDATED: _l("Updated"),
    ActivityKind.ASSIGNED: _l("Assigned"),
    ActivityKind.STATUS_CHANGED: _l("Status"),
    ActivityKind.CALL: _l("Call"),
    ActivityKind.VISIT: _l("Visit"),
    ActivityKind.EMAIL_SENT: _l("E-mail"),
    ActivityKind.FORM_ENQUIRY: _l("Enquiry"),
    ActivityKind.NOTE: _l("Note"),
    ActivityKind.FOLLOW_UP: _l("Follow-up"),
    ActivityKind.DELETED: _l("Deleted"),
    ActivityKind.RESTORED: _l("Restored"),
    ActivityKind.MERGED: _l("Merged"),
    ActivityKind.ERASED: _l("Erased"),
    ActivityKind.PRICE_CHANGED: _l("Price"),
}
# "rent" is both an Operation and a ListingOperation with the same word
LABELS[Operation.RENT] = LABELS[ListingOperation.RENT]


def label(value: Any) -> str:
    """The translated word for an enum value (or the value itself)."""
    if value is None:
        return ""
    return str(LABELS.get(value, getattr(value, "value", value)))


def language_name(code: str) -> str:
    """The name of the language ``code`` (``es``, ``pt-BR``) in the reader's language, else the code."""
    try:
        language = Locale.parse(code.replace("-", "_"))
    except (ValueError, TypeError, UnknownLocaleError):
        return code
    return language.get_display_name(get_locale() or Locale("en")) or code
