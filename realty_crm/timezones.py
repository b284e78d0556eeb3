"""The time zones the app offers and accepts: the canonical IANA Area/Location zones.

They come from the tz database's ``zone.tab`` (shipped by the ``tzdata`` package): one
zone per country region, so no ``Factory``, ``localtime``, ``W-SU`` or other legacy links.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from zoneinfo import available_timezones


@cache
def canonical_zones() -> tuple[str, ...]:
    """``UTC``, then the canonical Area/Location zone names, sorted."""
    table = files("tzdata.zoneinfo").joinpath("zone.tab").read_text(encoding="utf-8")
    listed = {
        line.split("\t")[2] for line in table.splitlines() if line.strip() and not line.startswith("#")
    }
    return ("UTC", *sorted(listed & available_timezones()))


def is_canonical(name: str) -> bool:
    """Whether ``name`` is one of the zones the app offers."""
    return name in _offered()


@cache
def _offered() -> frozenset[str]:
    return frozenset(canonical_zones())
