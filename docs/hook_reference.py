"""Write the hook reference of docs/plugins.md from realty_crm/hookspecs.py (``make docs``).

``python docs/hook_reference.py`` rewrites the part of docs/plugins.md between the two
markers below; with ``--check`` it changes nothing and exits 1 when that part is out of
date. tests/test_docs.py runs the same check, so a hook added, renamed or re-documented in
hookspecs.py without ``make docs`` fails the suite.
"""

from __future__ import annotations

import inspect
import re
import sys
from collections.abc import Callable
from typing import Any

import generated_section  # beside this script: docs/ is on the path when it runs

from realty_crm import hookspecs

START = "<!-- hook-reference:start: generated from realty_crm/hookspecs.py by `make docs` -->"
END = "<!-- hook-reference:end -->"
# hookspecs.py groups its hooks under comment lines such as "# --- events: called after ... ---"
SECTION = re.compile(r"^# --- (?P<title>.+?) -+$")
SPEC_MARK = "realty_crm_spec"


def hookspecs_in_order() -> list[tuple[str, Callable[..., Any]]]:
    """``(section title, hook function)`` for every hook spec, in the order of hookspecs.py."""
    lines = inspect.getsource(hookspecs).splitlines()
    functions = [f for f in vars(hookspecs).values() if callable(f) and hasattr(f, SPEC_MARK)]
    result = []
    for function in sorted(functions, key=lambda f: inspect.getsourcelines(f)[1]):
        start = inspect.getsourcelines(function)[1]
        titles = [m["title"] for line in lines[:start] if (m := SECTION.match(line))]
        result.append((titles[-1] if titles else "other hooks", function))
    return result


def signature(function: Callable[..., Any]) -> str:
    """The hook as a plugin implements it: its name and its arguments, in order."""
    return f"{function.__name__}({', '.join(inspect.signature(function).parameters)})"


def render() -> str:
    """The Markdown of the reference: one heading per family, one per hook with its docstring."""
    parts: list[str] = []
    current = None
    for title, function in hookspecs_in_order():
        if title != current:
            current = title
            parts.append(f"### {title[0].upper()}{title[1:]}")
        parts.append(f"#### `{signature(function)}`")
        if getattr(function, SPEC_MARK).get("firstresult"):
            parts.append("*First result wins:* pluggy stops at the first implementation that returns "
                         "something other than None.")
        parts.append(inspect.getdoc(function) or "")
    return "\n\n".join(parts) + "\n"


def current(text: str) -> str:
    """What docs/plugins.md holds between this script's markers."""
    return generated_section.current(text, START, END)


def main(argv: list[str]) -> int:
    return generated_section.refresh(START, END, render(), argv, "the hook reference")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
