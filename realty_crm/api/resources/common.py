"""Pieces every API resource uses: the caller, list queries and the list shape."""

from __future__ import annotations

from typing import Any

from flask import g, jsonify
from pydantic import BaseModel, ConfigDict, Field

from ...models import User
from ...services.search import MAX_PER_PAGE, Results


def caller() -> User:
    """The user the request's bearer token acts as."""
    return g.api_user


class ListQuery(BaseModel):
    """``page`` and ``per_page`` of every list (``per_page`` above 200 is capped at 200)."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    page: int = Field(default=1, ge=1, le=1_000_000)
    per_page: int = Field(default=50, ge=1)

    @property
    def capped_per_page(self) -> int:
        return min(self.per_page, MAX_PER_PAGE)


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
