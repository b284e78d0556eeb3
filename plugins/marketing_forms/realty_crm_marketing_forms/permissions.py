"""The plugin's own permission, declared to the CRM's policy (``crm_policy_actions``)."""

from __future__ import annotations

from realty_crm.plugin_api import Role

from .settings import NAME

# build the agency's forms, see their submissions and figures, retry failed ones
MANAGE = f"{NAME}.manage"

ACTIONS = {MANAGE: {Role.ADMIN, Role.MANAGER}}
