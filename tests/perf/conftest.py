"""The benchmark scripts, loaded from ``bench/`` for the tests that pin what keeps them honest."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture(scope="session")
def bench_load() -> ModuleType:
    """``bench/load.py`` as a module (it puts ``bench/`` on the path for its siblings: taken
    off again once they are loaded)."""
    path = list(sys.path)
    spec = importlib.util.spec_from_file_location("bench_load", BENCH / "load.py")
    module = sys.modules["bench_load"] = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path[:] = path
    return module
