"""Write "The plugin API" of docs/plugins.md from realty_crm/plugin_api.py (``make docs``).

``python docs/plugin_api_reference.py`` rewrites the part of docs/plugins.md between the two
markers below: every name of ``plugin_api.__all__``, under the ``# --- title ---``
comments that group it, with its ``#:`` comment in ``__all__`` if it has one (an object
without a docstring of its own must), else the first paragraph of its own docstring.
With ``--check`` it changes nothing and exits 1 when that part is out of date;
tests/test_docs.py runs the same check.
"""

from __future__ import annotations

import inspect
import re
import sys
from types import FunctionType, ModuleType
from typing import NamedTuple

import generated_section  # beside this script: docs/ is on the path when it runs

from realty_crm import plugin_api

START = "<!-- plugin-api:start: generated from realty_crm/plugin_api.py by `make docs` -->"
END = "<!-- plugin-api:end -->"
SECTION = re.compile(r"^\s*# --- (?P<title>.+?) ---$")
NAME = re.compile(r'^\s*"(?P<name>\w+)",(?:\s*#:\s*(?P<comment>.+))?$')


class Entry(NamedTuple):
    """One name of the plugin API, where ``__all__`` groups it, and what it is for."""

    section: str
    name: str
    description: str


def own_docstring(value: object) -> str:
    """The docstring ``value`` itself declares (not one it inherits from a class); "" if none."""
    if isinstance(value, ModuleType | FunctionType):
        doc = value.__doc__
    elif inspect.isclass(value):
        doc = vars(value).get("__doc__")
        if doc and doc.startswith(f"{value.__name__}("):
            doc = None  # the signature a dataclass writes for itself, not a description
    else:
        doc = None  # an instance: its class's docstring says what the class is, not this object
    return inspect.cleandoc(doc) if doc else ""


def first_paragraph(doc: str) -> str:
    """The first paragraph of ``doc``, on one line."""
    return " ".join(doc.split("\n\n", 1)[0].split())


def entries() -> list[Entry]:
    """Every name of ``plugin_api.__all__``, in its order, with its section and description."""
    source = inspect.getsource(plugin_api).split("__all__ = [", 1)[1].split("\n]", 1)[0]
    result: list[Entry] = []
    section = "other names"
    for line in source.splitlines():
        if match := SECTION.match(line):
            section = match["title"]
        elif match := NAME.match(line):
            name = match["name"]
            description = match["comment"] or first_paragraph(own_docstring(getattr(plugin_api, name)))
            result.append(Entry(section, name, description))
    return result


def render() -> str:
    """The Markdown of the list: a heading per group, a line per name."""
    parts: list[str] = []
    current = None
    for entry in entries():
        if entry.section != current:
            current = entry.section
            parts.append(f"\n### {current[0].upper()}{current[1:]}\n")
        parts.append(f"- `{entry.name}`: {entry.description}")
    return "\n".join(parts).lstrip("\n") + "\n"


def current(text: str) -> str:
    """What docs/plugins.md holds between this script's markers."""
    return generated_section.current(text, START, END)


def main(argv: list[str]) -> int:
    return generated_section.refresh(START, END, render(), argv, "the plugin API list")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
