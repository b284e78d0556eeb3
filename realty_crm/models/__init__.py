"""The ORM models, one module per aggregate."""

from .activity import Activity
from .agency import Agency
from .call import Call
from .enums import (
    ActivityKind,
    AssignmentRule,
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
from .follow_up import FollowUp
from .plugin import AgencyPlugin, PluginError
from .property import Property
from .prospect import OPEN_STATUSES, Prospect, ProspectArea, area_keys
from .prospect_import import ImportStatus, ProspectImport
from .scheduler import SCHEDULER_JOBS_TABLE, scheduler_jobs
from .types import utcnow
from .user import ApiToken, User
from .visit import Visit

__all__ = [
    "OPEN_STATUSES",
    "SCHEDULER_JOBS_TABLE",
    "Activity",
    "ActivityKind",
    "Agency",
    "AgencyPlugin",
    "ApiToken",
    "AssignmentRule",
    "Call",
    "CallDirection",
    "CallOutcome",
    "FollowUp",
    "ImportStatus",
    "ListingOperation",
    "PluginError",
    "Operation",
    "Property",
    "PropertyStatus",
    "PropertyType",
    "Prospect",
    "ProspectArea",
    "ProspectImport",
    "ProspectSource",
    "ProspectStatus",
    "Role",
    "User",
    "Visit",
    "VisitStatus",
    "area_keys",
    "scheduler_jobs",
    "utcnow",
]
