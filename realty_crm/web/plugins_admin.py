"""Settings → Plugins: the installed plugins, enabled and configured per agency (admins).

The configure form is generated from the plugin's pydantic settings model
(``PluginInfo.settings``), so a plugin declares its settings once and gets the form,
its validation and its defaults from that one declaration:

* ``bool`` → checkbox; ``int``, ``float``, ``Decimal`` → number (``ge``/``le`` become
  ``min``/``max``); an ``Enum`` or ``Literal`` → select; a list of those → checkboxes;
* ``str`` → text, or a text area when ``max_length`` is over 200 or the field says
  ``json_schema_extra={"widget": "textarea"}``; ``list[str]`` (or of numbers) →
  comma-separated text; ``time`` and ``date`` → their pickers;
* anything else (a nested model, a dict) → a text area holding JSON.

Labels come from the field's ``title`` (else its name), hints from its ``description``
plus the default. What the browser sends is handed as is to ``services.plugins.configure``,
which validates it against the model: each message lands next to its field and nothing
is saved unless every field is valid.
"""

from __future__ import annotations

import json
import types
from dataclasses import dataclass, field
from datetime import date, time
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import annotated_types
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined
from sqlalchemy import func, select
from werkzeug.wrappers import Response
from wtforms import BooleanField, Field, SelectField, StringField, TextAreaField, widgets
from wtforms.fields.core import UnboundField

from ..errors import ValidationFailed
from ..extensions import db
from ..models import AgencyPlugin, PluginError
from ..plugin_host import PluginInfo, get_host
from ..policy import Action
from ..schemas.common import error_details
from ..services import plugins
from .common import actor, guard
from .forms import CheckboxListField, choices, split_list

blueprint = Blueprint("plugins_admin", __name__, url_prefix="/settings/plugins")
guard(blueprint, Action.MANAGE_PLUGINS)

ERROR_LIMIT = 25
LONG_TEXT = 200


# --- the settings model as form fields -------------------------------------------------


@dataclass
class SettingField:
    """One setting of a plugin's model and how it is edited."""

    name: str
    kind: str  # bool, number, select, multi, text, textarea, list, time, date, json
    label: str
    hint: str
    optional: bool
    render_kw: dict[str, Any] = field(default_factory=dict)
    # submitted text → the value handed to the model (enum members, literal values)
    options: dict[str, Any] = field(default_factory=dict)


def _unwrap(annotation: Any) -> tuple[Any, bool, list[Any]]:
    """The annotation without ``None`` and ``Annotated``: (type, optional, constraints)."""
    optional = False
    metadata: list[Any] = []
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation, *extra = get_args(annotation)
            for item in extra:
                metadata.extend(item.metadata if isinstance(item, FieldInfo) else [item])
        elif origin in (Union, types.UnionType):
            args = [a for a in get_args(annotation) if a is not type(None)]
            optional = optional or len(args) < len(get_args(annotation))
            if len(args) != 1:
                return annotation, optional, metadata
            annotation = args[0]
        else:
            return annotation, optional, metadata


def _choices_of(annotation: Any) -> dict[str, Any] | None:
    """``{submitted text: value}`` of an enum or a ``Literal``, else None."""
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return {str(member.value): member for member in annotation}
    if get_origin(annotation) is Literal:
        return {str(value): value for value in get_args(annotation)}
    return None


def _bounds(metadata: list[Any]) -> dict[str, Any]:
    attrs: dict[str, Any] = {}
    for item in metadata:
        # only the inclusive bounds: the browser's min/max are inclusive (the model checks the rest)
        if isinstance(item, annotated_types.Ge):
            attrs["min"] = item.ge
        elif isinstance(item, annotated_types.Le):
            attrs["max"] = item.le
        elif isinstance(item, annotated_types.MaxLen):
            attrs["maxlength"] = item.max_length
    return attrs


def _kind(annotation: Any, metadata: list[Any], info: FieldInfo) -> tuple[str, dict[str, Any]]:
    """How a field of type ``annotation`` is edited, and its choices when it has some."""
    options = _choices_of(annotation)
    if options is not None:
        return "select", options
    origin = get_origin(annotation)
    if origin in (list, set, frozenset, tuple):
        args = [a for a in get_args(annotation) if a is not Ellipsis]
        item = _unwrap(args[0])[0] if args else str
        item_options = _choices_of(item)
        if item_options is not None:
            return "multi", item_options
        if item in (str, int, float, Decimal):
            return "list", {}
        return "json", {}
    if annotation is bool:
        return "bool", {}
    if annotation in (int, float, Decimal):
        return "number", {}
    if annotation is time:
        return "time", {}
    if annotation is date:
        return "date", {}
    if (isinstance(annotation, type) and issubclass(annotation, BaseModel)) or dict in (origin, annotation):
        return "json", {}
    if annotation is str:
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        max_length = _bounds(metadata).get("maxlength")
        if extra.get("widget") == "textarea" or (max_length is not None and max_length > LONG_TEXT):
            return "textarea", {}
    return "text", {}


def _shown(kind: str, value: Any) -> Any:
    """A JSON-mode setting value as its input shows it."""
    if kind == "bool":
        return bool(value)
    if kind == "multi":
        return [str(v) for v in value or []]
    if value is None:
        return ""
    if kind == "list":
        return ", ".join(str(v) for v in value)
    if kind == "json":
        return json.dumps(value, indent=2, ensure_ascii=False)
    if kind == "time":
        return str(value).removesuffix(":00") if len(str(value)) == 8 else str(value)
    return str(value)


def _default_hint(kind: str, info: FieldInfo) -> str:
    if info.default is PydanticUndefined and info.default_factory is None:
        return _("Required.")
    default = info.get_default(call_default_factory=True)
    if default is None or default == "" or default == []:
        return ""
    if kind == "bool":
        return _("Default: on.") if default else _("Default: off.")
    if isinstance(default, Enum):
        default = default.value
    elif isinstance(default, time):
        default = _shown("time", default.isoformat())
    if kind in ("list", "multi"):
        default = ", ".join(str(getattr(v, "value", v)) for v in default)
    elif kind == "json":
        default = json.dumps(_json_value(info, default), ensure_ascii=False)
    return _("Default: %(value)s.", value=default)


def _json_value(info: FieldInfo, value: Any) -> Any:
    return TypeAdapter(info.annotation).dump_python(value, mode="json")


def setting_fields(model: type[BaseModel]) -> list[SettingField]:
    """The editable fields of a settings model, in declaration order."""
    result = []
    for name, info in model.model_fields.items():
        annotation, optional, metadata = _unwrap(info.annotation)
        metadata = [*info.metadata, *metadata]
        kind, options = _kind(annotation, metadata, info)
        render_kw = _bounds(metadata)
        if kind == "number":
            render_kw["step"] = 1 if annotation is int else "any"
            render_kw.pop("maxlength", None)
        elif kind not in ("text", "textarea"):
            render_kw.pop("maxlength", None)
        if kind != "number":
            render_kw.pop("min", None)
            render_kw.pop("max", None)
        if kind in ("textarea", "json"):
            render_kw["rows"] = 6
        # a plugin may declare its title and description lazily translated (``lazy_gettext``)
        hint = " ".join(filter(None, [str(info.description or ""), _default_hint(kind, info)]))
        label = str(info.title or name.replace("_", " ").capitalize())
        result.append(SettingField(name, kind, label, hint, optional, render_kw, options))
    return result


def _unbound(spec: SettingField) -> UnboundField:
    common: dict[str, Any] = {
        "name": spec.name,
        "description": spec.hint,
        "render_kw": spec.render_kw or None,
    }
    if spec.kind == "bool":
        return BooleanField(spec.label, **common)
    if spec.kind == "select":
        blank = "" if spec.optional else None
        return SelectField(
            spec.label,
            choices=choices(((k, k) for k in spec.options), blank),
            validate_choice=False,
            **common,
        )
    if spec.kind == "multi":
        return CheckboxListField(
            spec.label, choices=choices((k, k) for k in spec.options), validate_choice=False, **common
        )
    if spec.kind in ("textarea", "json"):
        return TextAreaField(spec.label, **common)
    widget = {"number": widgets.NumberInput(), "time": widgets.TimeInput(), "date": widgets.DateInput()}
    return StringField(spec.label, widget=widget.get(spec.kind, widgets.TextInput()), **common)


class SettingsForm(FlaskForm):
    """A plugin's settings form; its fields are added per plugin by ``settings_form``."""

    specs: list[SettingField]

    def setting(self, name: str) -> Field | None:
        """The bound field of setting ``name``."""
        return self._fields.get(f"setting_{name}")

    def settings_fields(self) -> list[tuple[SettingField, Field]]:
        return [(spec, self._fields[f"setting_{spec.name}"]) for spec in self.specs]

    def to_data(self) -> dict[str, Any]:
        """What was sent, as the plain values the settings model validates."""
        data: dict[str, Any] = {}
        for spec, bound in self.settings_fields():
            data[spec.name] = _submitted(spec, bound.data)
        return data

    def show_errors(self, details: dict[str, Any]) -> None:
        """Put each message of a validation on its field (the rest on the form)."""
        for key, message in details.items():
            bound = self.setting(str(key).split(".", 1)[0])
            if bound is not None:
                bound.errors = [*bound.errors, str(message)]
            else:
                self.form_errors.append(str(message))


def _submitted(spec: SettingField, raw: Any) -> Any:
    """One submitted value as the model reads it (the model says whether it is valid)."""
    if spec.kind == "bool":
        return bool(raw)
    if spec.kind == "multi":
        return [spec.options.get(item, item) for item in raw or []]
    text = (raw or "").replace("\r\n", "\n")
    if spec.kind != "textarea":
        text = text.strip()
    if text == "" and spec.optional:
        return None
    if spec.kind == "select":
        return spec.options.get(text, text)
    if spec.kind == "list":
        return split_list(text)
    if spec.kind == "json":
        try:
            return json.loads(text)
        except ValueError:
            return text  # the model refuses it with its own words
    return text


def settings_form(model: type[BaseModel], values: dict[str, Any] | None) -> SettingsForm:
    """A form for ``model``: from the request when submitted, else showing ``values``."""
    specs = setting_fields(model)
    attrs: dict[str, Any] = {f"setting_{spec.name}": _unbound(spec) for spec in specs}
    form_class = type(f"{model.__name__}Form", (SettingsForm,), attrs)
    initial = None
    if values is not None:
        initial = {f"setting_{spec.name}": _shown(spec.kind, values.get(spec.name)) for spec in specs}
    form = form_class(data=initial) if initial is not None else form_class()
    form.specs = specs
    return form


def _current_values(info: PluginInfo, stored: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The settings to show (stored over defaults) and what no longer validates in them."""
    model = info.settings
    assert model is not None
    try:
        return model.model_validate(stored).model_dump(mode="json"), {}
    except ValidationError as exc:
        # e.g. a plugin upgrade changed a field: show what is stored and say what is wrong
        defaults: dict[str, Any] = {}
        for name, field_info in model.model_fields.items():
            if not field_info.is_required():
                defaults[name] = _json_value(field_info, field_info.get_default(call_default_factory=True))
        return {**defaults, **stored}, error_details(exc)


# --- reading the agency's plugin state ---------------------------------------------------


@dataclass
class PluginRow:
    """An installed plugin as the list shows it for the admin's agency."""

    info: PluginInfo
    enabled: bool
    error_count: int
    last_error_at: Any


def _stored_settings(agency_id: int, name: str) -> dict[str, Any]:
    row = db.session.scalars(
        select(AgencyPlugin).where(AgencyPlugin.agency_id == agency_id, AgencyPlugin.name == name)
    ).first()
    return dict(row.settings or {}) if row is not None else {}


def _error_summary(agency_id: int) -> dict[str, tuple[int, Any]]:
    stmt = (
        select(PluginError.plugin, func.count(), func.max(PluginError.occurred_at))
        .where(PluginError.agency_id == agency_id)
        .group_by(PluginError.plugin)
    )
    return {plugin: (count, last) for plugin, count, last in db.session.execute(stmt)}


def _recent_errors(agency_id: int, name: str) -> list[PluginError]:
    stmt = (
        select(PluginError)
        .where(PluginError.agency_id == agency_id, PluginError.plugin == name)
        .order_by(PluginError.occurred_at.desc(), PluginError.id.desc())
        .limit(ERROR_LIMIT)
    )
    return list(db.session.scalars(stmt))


def _info(name: str) -> PluginInfo:
    info = get_host().infos.get(name)
    if info is None:
        abort(404)
    return info


# --- pages -------------------------------------------------------------------------------


@blueprint.get("")
def index() -> str:
    """Every installed plugin, whether it is on in the admin's agency, and its recent errors;
    and the plugins that failed to start (off in every agency until the server restarts)."""
    user = actor()
    host = get_host()
    enabled = host.enabled(user.agency)
    errors = _error_summary(user.agency_id)
    rows = [PluginRow(host.infos[name], name in enabled, *errors.get(name, (0, None))) for name in host.names]
    failures = [host.failures[name] for name in sorted(host.failures)]
    return render_template("plugins_admin/index.html", rows=rows, failures=failures)


def _render_detail(
    info: PluginInfo, form: SettingsForm | None, status: int = 200, stale: bool = False
) -> tuple[str, int]:
    user = actor()
    return (
        render_template(
            "plugins_admin/detail.html",
            info=info,
            enabled=get_host().is_enabled(user.agency, info.name),
            form=form,
            stale=stale,
            errors=_recent_errors(user.agency_id, info.name),
            error_limit=ERROR_LIMIT,
        ),
        status,
    )


@blueprint.route("/<name>", methods=["GET", "POST"])
def detail(name: str) -> Response | tuple[str, int]:
    """A plugin's settings form (generated from its settings model) and its recent errors."""
    info = _info(name)
    user = actor()
    if info.settings is None:
        if request.method == "POST":
            return redirect(url_for(".detail", name=name))
        return _render_detail(info, None)
    if request.method == "GET":
        values, problems = _current_values(info, _stored_settings(user.agency_id, name))
        form = settings_form(info.settings, values)
        form.show_errors(problems)
        return _render_detail(info, form, stale=bool(problems))
    form = settings_form(info.settings, None)
    if form.validate_on_submit():
        try:
            plugins.configure(user, user.agency, name, form.to_data())
        except ValidationFailed as exc:
            db.session.rollback()
            form.show_errors(exc.details)
        else:
            flash(_("The settings of %(title)s were saved.", title=info.title), "success")
            return redirect(url_for(".detail", name=name))
    return _render_detail(info, form, 422)


def _switch(name: str, enabled: bool) -> Response:
    info = _info(name)
    user = actor()
    plugins.set_enabled(user, user.agency, name, enabled)
    if enabled:
        flash(_("%(title)s is now on for your agency.", title=info.title), "success")
    else:
        flash(_("%(title)s is now off for your agency.", title=info.title), "success")
    if request.form.get("back") == "detail":
        return redirect(url_for(".detail", name=name))
    return redirect(url_for(".index"))


@blueprint.post("/<name>/enable")
def enable(name: str) -> Response:
    """Turn a plugin on for the admin's agency."""
    return _switch(name, True)


@blueprint.post("/<name>/disable")
def disable(name: str) -> Response:
    """Turn a plugin off for the admin's agency (its settings are kept)."""
    return _switch(name, False)
