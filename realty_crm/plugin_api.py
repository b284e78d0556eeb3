"""Everything a plugin may use of realty-crm, and the promise that goes with it.

A plugin imports realty-crm only from here (its tests also from ``realty_crm.testing``).
The names in ``__all__`` are the supported surface: they keep their meaning from one
version to the next, and a change to one is announced. Anything else in the
``realty_crm`` package is internal and may change without notice.

``__all__`` is grouped under ``# --- title ---`` comments; docs/plugin_api_reference.py
lists it in docs/plugins.md, each name with its ``#:`` comment here when it has one (an
object without a docstring of its own, such as an instance, needs one), else the first
paragraph of its docstring.
"""

from __future__ import annotations

from . import hookimpl, tenancy
from .database import begin_write, hold
from .errors import Conflict, Forbidden, NotFound, PluginFailed, ServiceError, ValidationFailed, invalid
from .extensions import csrf, db, limiter
from .languages import user_language
from .models import (
    ActivityKind,
    Agency,
    Call,
    CallOutcome,
    Operation,
    Property,
    PropertyType,
    Prospect,
    ProspectSource,
    ProspectStatus,
    Role,
    User,
    Visit,
    VisitStatus,
    utcnow,
)
from .models.base import TenantMixin, TimestampMixin
from .models.types import UTCDateTime, str_enum
from .plugin_host import PluginInfo, TimelineItem, Widget
from .plugin_state import PluginSettings, plugin_enabled, plugin_settings, public_blueprint
from .policy import (
    Action,
    can,
    is_staff,
    require,
    visible_calls,
    visible_follow_ups,
    visible_prospects,
    visible_visits,
)
from .scheduler import JobSpec
from .schemas.common import text, validate
from .schemas.prospect import ProspectCreate
from .services import prospects, visits
from .services.reports import ReportFilters
from .services.search import Results
from .services.transaction import commit, savepoint
from .web.common import actor, guard, page_arg
from .web.forms import attempt
from .web.reports import ReportFilterForm, page_filters

__all__ = [
    # --- the plugin itself ---
    "hookimpl",  #: Marks a function of the plugin as the implementation of the hook of the same name.
    "PluginInfo",
    "PluginSettings",
    "plugin_enabled",
    "plugin_settings",
    "Widget",
    "TimelineItem",
    # --- records: the CRM's models, and what a plugin's own tables are made of ---
    "db",  #: Flask-SQLAlchemy: ``db.Model`` is the base of a plugin's tables, ``db.session`` its session.
    "Agency",
    "User",
    "Role",  #: A user's role in their agency: admin, manager or agent.
    "Prospect",
    "ProspectSource",  #: How a prospect came: web form, phone, walk-in, portal, referral, email or other.
    "ProspectStatus",  #: Where a prospect stands: new, contacted, qualified, visiting, offer, won or lost.
    "Property",
    "PropertyType",  #: The kind of a property: flat, house, studio, office, land, garage and so on.
    "Operation",
    "Visit",
    "VisitStatus",  #: Where a visit stands: scheduled, confirmed, done, cancelled or no-show.
    "Call",
    "CallOutcome",  #: How a call went: answered, no answer, voicemail, busy or wrong number.
    "ActivityKind",
    "TenantMixin",
    "TimestampMixin",
    "UTCDateTime",
    "str_enum",
    "utcnow",
    # --- errors a service refuses with ---
    "ServiceError",
    "ValidationFailed",
    "invalid",
    "Forbidden",
    "NotFound",
    "Conflict",
    "PluginFailed",
    # --- services: changing the CRM's records, and checking input ---
    "prospects",
    "visits",
    "Results",
    "ReportFilters",
    "validate",
    "text",
    "ProspectCreate",  #: The validated input of a new prospect (``validate(ProspectCreate, data)``).
    # --- transactions ---
    "begin_write",
    "hold",
    "commit",
    "savepoint",
    # --- scheduled jobs ---
    "JobSpec",
    # --- roles and agencies ---
    "Action",
    "can",
    "require",
    "is_staff",
    "visible_prospects",
    "visible_visits",
    "visible_calls",
    "visible_follow_ups",
    "tenancy",  #: The agency in scope: ``tenancy.get_or_404(Model, id)``, ``scope(id)``, ``unscoped()``.
    # --- pages ---
    "guard",
    "actor",
    "page_arg",
    "attempt",
    "ReportFilterForm",
    "page_filters",
    "user_language",
    "public_blueprint",
    "csrf",  #: Flask-WTF's CSRF protection: ``csrf.exempt(view)`` for a public form posted without a session.
    "limiter",  #: Flask-Limiter: ``limiter.limit("5/minute")(view)`` caps how often one address calls a view.
]
