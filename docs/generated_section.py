"""A part of docs/plugins.md written by a script (``make docs``): the text between two markers.

Used by hook_reference.py and plugin_api_reference.py, which each render their part.
"""

from __future__ import annotations

import sys
from pathlib import Path

DOC = Path(__file__).resolve().parent / "plugins.md"


def current(text: str, start: str, end: str) -> str:
    """What ``text`` holds between the markers ``start`` and ``end``."""
    try:
        return text.split(start + "\n", 1)[1].split(end, 1)[0].strip("\n") + "\n"
    except IndexError:
        raise SystemExit(f"{DOC}: the markers {start!r} and {end!r} are missing") from None


def refresh(start: str, end: str, fresh: str, argv: list[str], what: str) -> int:
    """Write ``fresh`` between the markers of docs/plugins.md; with ``--check`` in ``argv``,
    change nothing and return 1 when the part is out of date."""
    text = DOC.read_text(encoding="utf-8")
    if current(text, start, end) == fresh:
        return 0
    if "--check" in argv:
        print(f"{DOC} is out of date: run `make docs`", file=sys.stderr)
        return 1
    before, rest = text.split(start + "\n", 1)
    after = rest.split(end, 1)[1]
    DOC.write_text(f"{before}{start}\n\n{fresh}\n{end}{after}", encoding="utf-8")
    print(f"updated {what} in {DOC}")
    return 0
