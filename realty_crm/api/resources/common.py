"""Pieces every API resource uses: the caller, list queries, query types and the response shapes."""

from __future__ import annotations

import re
from typing import Annotated, Any

from flask import Response, g, jsonify, url_for
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from sqlalchemy import Select

from ...models import User
from ...schemas.common import Instant, text
from ...services.search import MAX_PER_PAGE, Results


def caller() -> User:
    """The user the request's bearer token acts as."""
    return g.api_user


class ListQuery(BaseModel):
    """``page`` and ``per_page`` of every list (``per_page`` above 200 is capped at 200).

    A parameter sent empty (``?status=``) counts as not sent; unknown parameters are ignored.
    """

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    page: int = Field(default=1, ge=1, le=1_000_000, description="Page number, from 1")
    per_page: int = Field(default=50, ge=1, description="Items per page (at most 200)")

    @model_validator(mode="before")
    @classmethod
    def _blank_means_absent(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if not (isinstance(v, str) and not v.strip())}
        return data

    @property
    def capped_per_page(self) -> int:
        return min(self.per_page, MAX_PER_PAGE)


def _restore_plus(value: Any) -> Any:
    # an unencoded "+02:00" in a query string arrives as " 02:00"
    if isinstance(value, str):
        return re.sub(r" (\d{2}(?::?\d{2})?)$", r"+\1", value.strip())
    return value


QueryText = text(200)
QueryTime = Annotated[Instant, BeforeValidator(_restore_plus)]


def dump(schema: type[BaseModel], obj: Any) -> dict[str, Any]:
    """One record as JSON-ready data through its response schema."""
    return schema.model_validate(obj).model_dump(mode="json")


def page_json(schema: type[BaseModel], results: Results) -> Any:
    """The list shape of SPEC §4."""
    return jsonify(
        items=[dump(schema, item) for item in results.items],
        page=results.page,
        per_page=results.per_page,
        total=results.total,
    )


def created(schema: type[BaseModel], obj: Any, endpoint: str, **values: Any) -> Response:
    """A 201 answer with the new record and its address in ``Location``."""
    response = jsonify(dump(schema, obj))
    response.status_code = 201
    response.headers["Location"] = url_for(endpoint, **values)
    return response


def no_content() -> Response:
    """The empty 204 answer of a delete."""
    return Response(status=204)


def where_equal(stmt: Select, model: Any, query: BaseModel, fields: tuple[str, ...]) -> Select:
    """Narrow ``stmt`` to rows whose ``fields`` equal the values the query gives."""
    for name in fields:
        value = getattr(query, name)
        if value is not None:
            stmt = stmt.where(getattr(model, name) == value)
    return stmt
