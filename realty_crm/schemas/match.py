"""Response shapes of the ``matches`` routes: the record's usual JSON plus its score and reasons."""

from __future__ import annotations

from pydantic import BaseModel, Field

from .property import PropertyOut
from .prospect import ProspectOut


class MatchFields(BaseModel):
    """What a match adds to the record it is about."""

    match_score: int = Field(ge=0, le=100, description="How well it fits, 0–100")
    match_reasons: list[str] = Field(description="Short human texts, e.g. 'price 5 % over budget'")
    near_miss: bool = Field(description="Misses a criterion by a little (price, size, a bedroom…)")


class PropertyMatchOut(PropertyOut, MatchFields):
    """A property that matches a prospect."""


class ProspectMatchOut(ProspectOut, MatchFields):
    """A prospect a property matches."""
