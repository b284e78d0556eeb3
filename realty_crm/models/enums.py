"""The closed vocabularies of SPEC §1, as string enums (their values are the JSON values)."""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    ADMIN = "admin"
    MANAGER = "manager"
    AGENT = "agent"


class ProspectSource(enum.StrEnum):
    WEB_FORM = "web_form"
    PHONE = "phone"
    WALK_IN = "walk_in"
    PORTAL = "portal"
    REFERRAL = "referral"
    EMAIL = "email"
    OTHER = "other"


class ProspectStatus(enum.StrEnum):
    NEW = "new"
    CONTACTED = "contacted"
    QUALIFIED = "qualified"
    VISITING = "visiting"
    OFFER = "offer"
    WON = "won"
    LOST = "lost"


class Operation(enum.StrEnum):
    """What a prospect wants to do."""

    BUY = "buy"
    RENT = "rent"


class ListingOperation(enum.StrEnum):
    """How a property is offered."""

    SALE = "sale"
    RENT = "rent"


class PropertyType(enum.StrEnum):
    FLAT = "flat"
    HOUSE = "house"
    STUDIO = "studio"
    DUPLEX = "duplex"
    PENTHOUSE = "penthouse"
    COMMERCIAL = "commercial"
    OFFICE = "office"
    LAND = "land"
    GARAGE = "garage"
    OTHER = "other"


class PropertyStatus(enum.StrEnum):
    DRAFT = "draft"
    AVAILABLE = "available"
    RESERVED = "reserved"
    SOLD = "sold"
    RENTED = "rented"
    WITHDRAWN = "withdrawn"


class VisitStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    CONFIRMED = "confirmed"
    DONE = "done"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"


class CallDirection(enum.StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class CallOutcome(enum.StrEnum):
    ANSWERED = "answered"
    NO_ANSWER = "no_answer"
    VOICEMAIL = "voicemail"
    BUSY = "busy"
    WRONG_NUMBER = "wrong_number"


class AssignmentRule(enum.StrEnum):
    MANUAL = "manual"
    ROUND_ROBIN = "round_robin"
    LEAST_LOADED = "least_loaded"
    BY_AREA = "by_area"


class ActivityKind(enum.StrEnum):
    """What a timeline entry records."""

    CREATED = "created"
    UPDATED = "updated"
    ASSIGNED = "assigned"
    STATUS_CHANGED = "status_changed"
    CALL = "call"
    VISIT = "visit"
    EMAIL_SENT = "email_sent"
    FORM_ENQUIRY = "form_enquiry"
    NOTE = "note"
    FOLLOW_UP = "follow_up"
    DELETED = "deleted"
    RESTORED = "restored"
    MERGED = "merged"
    ERASED = "erased"
    PRICE_CHANGED = "price_changed"
