"""A registry of API operations, and the OpenAPI 3 document generated from it.

Each route declares its query, body and response pydantic models with
``@operation``; the same declaration parses the request and documents it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import request
from flask_babel import gettext as _
from pydantic import BaseModel
from werkzeug.exceptions import RequestEntityTooLarge

from ..errors import ServiceError, ValidationFailed
from ..schemas.common import ErrorOut, validate


@dataclass
class Operation:
    """What one route takes and answers, for parsing and for the OpenAPI document."""

    rule: str
    method: str
    summary: str
    tag: str
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    response: Any = None
    status: int = 200
    errors: tuple[int, ...] = ()
    content_type: str = "application/json"
    description: str = ""
    public: bool = False
    name: str = ""


REGISTRY: list[Operation] = []

_PARAM = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")


def operation(
    rule: str,
    method: str,
    *,
    summary: str,
    tag: str,
    query: type[BaseModel] | None = None,
    body: type[BaseModel] | None = None,
    response: Any = None,
    status: int = 200,
    errors: tuple[int, ...] = (),
    content_type: str = "application/json",
    public: bool = False,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Document a view and hand it ``query=`` (validated) and ``body=`` (the raw JSON object).

    The body is validated by the service the view calls, so the rules stay in one place;
    the model named here documents it. ``public`` routes need no token.
    """

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        REGISTRY.append(
            Operation(
                rule=rule,
                method=method.upper(),
                summary=summary,
                tag=tag,
                query=query,
                body=body,
                response=response,
                status=status,
                errors=errors,
                content_type=content_type,
                description=(view.__doc__ or "").strip(),
                public=public,
                name=view.__name__,
            )
        )

        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if query is not None:
                kwargs["query"] = validate(query, request.args.to_dict())
            if body is not None:
                kwargs["body"] = json_body()
            return view(*args, **kwargs)

        return wrapper

    return decorate


def json_body() -> dict[str, Any]:
    """The request's JSON object; 413 when too large, 400 when not JSON, 422 when not an object."""
    limit = request.max_content_length
    if limit is not None and (request.content_length or 0) > limit:
        raise RequestEntityTooLarge()
    if not request.is_json:
        raise BadRequest(_("Send a JSON object with 'Content-Type: application/json'."))
    try:
        data = request.get_json(silent=True)
    except RecursionError:
        data = None  # nested deeper than the JSON parser goes
    if data is None:
        raise BadRequest(_("The body is not valid JSON."))
    if not isinstance(data, dict):
        raise ValidationFailed(
            _("The body must be a JSON object."), {"__root__": _("expected an object")}
        )
    try:
        # lone surrogates ("\ud800") parse as JSON but no database can store them
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise BadRequest(_("The body contains text that is not valid Unicode.")) from None
    except RecursionError:
        raise BadRequest(_("The body is not valid JSON.")) from None
    return data


class BadRequest(ServiceError):
    status = 400
    code = "bad_request"


def _schema_ref(model: Any, components: dict[str, Any]) -> dict[str, Any]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}", mode="serialization")
    for name, sub in schema.pop("$defs", {}).items():
        components[name] = sub
    name = getattr(model, "__name__", "Model").replace("[", "_").replace("]", "").replace(",", "_")
    components[name] = schema
    return {"$ref": f"#/components/schemas/{name}"}


def _input_ref(model: type[BaseModel], components: dict[str, Any]) -> dict[str, Any]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}", mode="validation")
    for name, sub in schema.pop("$defs", {}).items():
        components.setdefault(name, sub)
    components[model.__name__] = schema
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _query_params(model: type[BaseModel], components: dict[str, Any]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}", mode="validation")
    for name, sub in schema.pop("$defs", {}).items():
        components.setdefault(name, sub)
    required = set(schema.get("required", ()))
    return [
        {
            "name": name,
            "in": "query",
            "required": name in required,
            "schema": info,
            "description": info.get("description", ""),
        }
        for name, info in schema["properties"].items()
    ]


def path_of(rule: str) -> str:
    """A Flask rule as an OpenAPI path: ``/prospects/<int:prospect_id>`` → ``/prospects/{prospect_id}``."""
    return _PARAM.sub(r"{\1}", rule)


def openapi_document(title: str, version: str, base_path: str = "") -> dict[str, Any]:
    """The OpenAPI 3.1 document of every registered operation, paths under ``base_path``."""
    components: dict[str, Any] = {}
    error_ref = _schema_ref(ErrorOut, components)
    paths: dict[str, Any] = {}
    for op in REGISTRY:
        path = base_path + path_of(op.rule)
        entry: dict[str, Any] = {
            "summary": op.summary,
            "tags": [op.tag],
            "operationId": op.name,
            "responses": {},
        }
        if op.description:
            entry["description"] = op.description
        params = [
            {"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}
            for name in _PARAM.findall(op.rule)
        ]
        if op.query is not None:
            params.extend(_query_params(op.query, components))
        if params:
            entry["parameters"] = params
        if op.body is not None:
            entry["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": _input_ref(op.body, components)}},
            }
        if op.content_type != "application/json":
            # a file (CSV, XLSX...): its media type is the whole description
            entry["responses"][str(op.status)] = {
                "description": "Success.",
                "content": {op.content_type: {"schema": {"type": "string"}}},
            }
        elif op.response is None:
            entry["responses"][str(op.status)] = {"description": "Done."}
        else:
            entry["responses"][str(op.status)] = {
                "description": "Success.",
                "content": {"application/json": {"schema": _schema_ref(op.response, components)}},
            }
        statuses = set(op.errors)
        if not op.public:
            statuses |= {401, 403, 429}
        if params:
            statuses.add(422)
        if _PARAM.search(op.rule):
            statuses.add(404)
        if op.body is not None:
            statuses |= {400, 413, 422}
        if op.public:
            entry["security"] = []
        for status in sorted(statuses):
            entry["responses"][str(status)] = {
                "description": "Error.",
                "content": {"application/json": {"schema": error_ref}},
            }
        paths.setdefault(path, {})[op.method.lower()] = entry
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
    }
