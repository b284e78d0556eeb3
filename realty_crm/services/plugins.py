"""Enabling, disabling and configuring plugins per agency."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from pydantic import BaseModel
from sqlalchemy import func, select

from ..database import begin_write
from ..errors import NotFound
from ..extensions import db
from ..models import Agency, AgencyPlugin, User
from ..plugin_host import PluginInfo, get_host
from ..policy import Action, require
from ..schemas.common import validate
from .transaction import commit


def plugin_info(name: str) -> PluginInfo:
    """The installed plugin called ``name``, or ``NotFound``."""
    info = get_host().infos.get(name)
    if info is None:
        raise NotFound(_("No plugin called %(name)s is installed.", name=name))
    return info


def _row(agency: Agency, name: str) -> AgencyPlugin:
    row = db.session.scalars(
        select(AgencyPlugin).where(AgencyPlugin.agency_id == agency.id, AgencyPlugin.name == name)
    ).first()
    if row is None:
        row = AgencyPlugin(agency_id=agency.id, name=name, enabled=False, settings={})
        db.session.add(row)
    return row


def _changed(agency: Agency) -> None:
    # every process re-reads the agency's plugins when this number moves: raised by the
    # database, so two changes at once raise it twice
    agency.plugins_version = func.coalesce(Agency.plugins_version, 0) + 1


def set_enabled(actor: User | None, agency: Agency, name: str, enabled: bool) -> AgencyPlugin:
    """Enable or disable plugin ``name`` in ``agency`` (``actor`` None: the command line).

    Disabling asks the plugin to end what it issued (``crm_plugin_disabled``), in the same
    transaction: enabling it again later revives none of it."""
    if actor is not None:
        require(actor, Action.MANAGE_PLUGINS, agency)
    plugin_info(name)
    begin_write()  # its row is looked up, then made if missing
    row = _row(agency, name)
    if row.enabled != enabled:
        row.enabled = enabled
        _changed(agency)
        if not enabled:  # the plugin ends its secret URLs and tokens in the same transaction
            get_host().disabling(agency, name)
    commit()
    return row


def configure(actor: User | None, agency: Agency, name: str, data: dict[str, Any]) -> BaseModel:
    """Validate ``data`` against the plugin's settings model and store it for ``agency``."""
    if actor is not None:
        require(actor, Action.MANAGE_PLUGINS, agency)
    info = plugin_info(name)
    if info.settings is None:
        return BaseModel()
    values = validate(info.settings, data)
    begin_write()
    row = _row(agency, name)
    row.settings = values.model_dump(mode="json")
    _changed(agency)
    commit()
    return values
