"""realty-crm's plugin test fixtures reach an outside plugin's suite through the installed package."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def _pytest(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """pytest run in ``folder``, outside this repository's tests, as a plugin's own suite is."""
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args, str(folder)],
        cwd=folder, capture_output=True, text=True, timeout=300, check=False,
    )


def test_a_suite_that_does_not_name_its_plugin_is_told_how(tmp_path: Path):
    (tmp_path / "test_outside.py").write_text("def test_it(plugin_name):\n    pass\n")

    result = _pytest(tmp_path, "-q")

    assert result.returncode == 1, result.stdout
    assert "define a `plugin_name` fixture in your conftest.py" in result.stdout


def test_an_installed_realty_crm_offers_the_plugin_fixtures(tmp_path: Path):
    result = _pytest(tmp_path, "--fixtures")

    listed = {line.split()[0] for line in result.stdout.splitlines() if line and not line[0].isspace()}
    offered = {"sol", "luna", "plugin_name", "agency_kind", "plugin_agency", "fresh_app", "migration_script"}
    assert offered <= listed, result.stdout
