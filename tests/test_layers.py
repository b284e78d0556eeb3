"""The core's layers point one way (the import contracts in .importlinter).

The app and the CLI sit over the web pages and the API, which sit over the services, over
policy and schemas, over the records: nothing below imports what is above it, the pages and
the API do not import each other, and the services import one another without cycles. The
services hand back data; the HTTP answers (downloads, redirects, aborts) are built above them.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from realty_crm import PROJECT_ROOT

SERVICES = PROJECT_ROOT / "realty_crm" / "services"
# what builds or ends an HTTP answer; a service raises a ServiceError instead (realty_crm.errors)
HTTP_ANSWERS = {
    "flask": {"Response", "abort", "jsonify", "make_response", "redirect", "send_file",
              "send_from_directory", "stream_with_context"},
    "werkzeug.exceptions": {"abort"},
    "werkzeug.utils": {"redirect", "send_file", "send_from_directory"},
    "werkzeug.wrappers": {"Response"},
}


def test_import_contracts_hold() -> None:
    command = "from importlinter.cli import lint_imports_command; lint_imports_command()"
    run = subprocess.run(
        [sys.executable, "-c", command, "--config", str(PROJECT_ROOT / ".importlinter"), "--no-cache"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr


def _http_answers_imported(path: Path) -> list[str]:
    """``file:line name`` for each response helper ``path`` imports, at any depth."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module in HTTP_ANSWERS:
            found += [
                f"{path.name}:{node.lineno} {node.module}.{alias.name}"
                for alias in node.names
                if alias.name in HTTP_ANSWERS[node.module]
            ]
        elif isinstance(node, ast.Import):
            found += [
                f"{path.name}:{node.lineno} {alias.name}"
                for alias in node.names
                if alias.name in HTTP_ANSWERS
            ]
    return found


def test_services_build_no_http_answers() -> None:
    found = [hit for path in sorted(SERVICES.glob("*.py")) for hit in _http_answers_imported(path)]
    assert found == []
