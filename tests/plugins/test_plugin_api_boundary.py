"""Plugins use realty-crm through ``realty_crm.plugin_api`` alone, and their test suites (a
``tests`` folder of the plugin, or ``tests/plugins_<name>`` here) also through
``realty_crm.testing``; the plugin API stands on its own, every name of it documented."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from realty_crm import PROJECT_ROOT, plugin_api

API = "realty_crm.plugin_api"
TESTING = "realty_crm.testing"
# every folder of plugin code held to the rule, and every plugin's test suite in this repository
PLUGIN_FOLDERS = (
    "plugins",
    "docs/example-plugin",
    *sorted(f"tests/{suite.name}" for suite in (PROJECT_ROOT / "tests").glob("plugins_*")),
)


def imported_modules(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """``(line, module)`` for each module an ``import`` or ``from ... import`` names
    (``from realty_crm import x`` counts as ``realty_crm.x``: it may be a module)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "realty_crm":
                for alias in node.names:
                    yield node.lineno, f"realty_crm.{alias.name}"
            else:
                yield node.lineno, node.module


def allowed(module: str, path: Path) -> bool:
    """Whether plugin code at ``path`` may import ``module``."""
    if module != "realty_crm" and not module.startswith("realty_crm."):
        return True
    in_tests = "tests" in path.parts
    return any(module == m or module.startswith(f"{m}.") for m in (API, *((TESTING,) if in_tests else ())))


def violations(folders: tuple[str, ...]) -> list[str]:
    """``file:line module`` for every import of realty-crm outside the plugin API under ``folders``."""
    found = []
    for folder in folders:
        for path in sorted((PROJECT_ROOT / folder).rglob("*.py")):
            relative = path.relative_to(PROJECT_ROOT)
            for line, module in imported_modules(ast.parse(path.read_text(encoding="utf-8"))):
                if not allowed(module, relative):
                    found.append(f"{relative}:{line} imports {module}")
    return found


def test_plugins_import_realty_crm_only_through_the_plugin_api():
    assert violations(PLUGIN_FOLDERS) == [], f"import these names from {API} instead"


@pytest.mark.parametrize("source, module", [
    ("from realty_crm.extensions import db", "realty_crm.extensions"),
    ("from realty_crm import tenancy", "realty_crm.tenancy"),
    ("import realty_crm.models", "realty_crm.models"),
    ("def f():\n    from realty_crm.web.common import actor", "realty_crm.web.common"),
])
def test_the_rule_sees_an_internal_import_wherever_it_is_written(tmp_path, monkeypatch, source, module):
    plugin = tmp_path / "plugins" / "leaky" / "leaky.py"
    plugin.parent.mkdir(parents=True)
    plugin.write_text(f"{source}\n", encoding="utf-8")
    monkeypatch.setattr(sys.modules[__name__], "PROJECT_ROOT", tmp_path)

    line = source.count("\n") + 1
    assert violations(("plugins",)) == [f"plugins/leaky/leaky.py:{line} imports {module}"]


def test_a_plugins_tests_may_also_use_the_testing_fixtures(tmp_path, monkeypatch):
    code = "from realty_crm.plugin_api import db\nfrom realty_crm.testing.factories import Factory\n"
    for folder in ("tests", "src"):
        (tmp_path / "plugins" / "p" / folder).mkdir(parents=True)
        (tmp_path / "plugins" / "p" / folder / "test_p.py").write_text(code, encoding="utf-8")
    monkeypatch.setattr(sys.modules[__name__], "PROJECT_ROOT", tmp_path)

    assert violations(("plugins",)) == ["plugins/p/src/test_p.py:2 imports realty_crm.testing.factories"]


def test_every_name_of_the_plugin_api_exists():
    missing = [name for name in plugin_api.__all__ if not hasattr(plugin_api, name)]

    assert missing == []
    assert len(set(plugin_api.__all__)) == len(plugin_api.__all__), "a name is listed twice"


def test_the_plugin_api_imports_on_its_own():
    # a fresh interpreter: no app created, no plugin loaded, nothing imported before it
    result = subprocess.run(
        [sys.executable, "-c", f"import {API} as api; print(len(api.__all__))"],
        capture_output=True, text=True, timeout=60, check=False,
    )

    assert result.returncode == 0, result.stderr
    assert int(result.stdout) == len(plugin_api.__all__)


def test_the_plugins_mark_their_hooks_with_the_plugin_apis_marker():
    for module in ("realty_crm_calendar_sync", "realty_crm_marketing_forms", "realty_crm_visit_notes"):
        assert importlib.import_module(module).hookimpl is plugin_api.hookimpl
