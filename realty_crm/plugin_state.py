"""What a plugin reads of its own standing: enabled in an agency or not, its settings there,
the base class of its settings model, and the mark of a blueprint of public pages."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from pydantic import BaseModel, ConfigDict

from .models import Agency
from .plugin_host import PUBLIC, get_host


class PluginSettings(BaseModel):
    """The base of a plugin's settings model: unknown keys are refused, every field needs a default."""

    model_config = ConfigDict(extra="forbid")


def plugin_enabled(agency: Agency, name: str) -> bool:
    """Whether plugin ``name`` is enabled in ``agency`` (a public page finds its agency itself)."""
    return get_host().is_enabled(agency, name)


def plugin_settings(agency: Agency, name: str) -> Any:
    """Plugin ``name``'s settings in ``agency``: an instance of its settings model, with the
    defaults for what the admin never set."""
    return get_host().settings(agency, name)


def public_blueprint(blueprint: Blueprint) -> Blueprint:
    """Mark ``blueprint``'s pages public (a form, a feed): they are served whoever the visitor is
    signed in as, and find their agency, and check the plugin is enabled there, themselves."""
    setattr(blueprint, PUBLIC, True)
    return blueprint
