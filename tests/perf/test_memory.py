"""The web worker caps glibc's malloc arenas (``realty-crm serve`` does it before starting its
threads): without the cap every thread that streams a large export keeps its own ~20 MB
high-water mark (bench/README.md has the figures)."""

from __future__ import annotations

import ctypes.util
import platform

import pytest

from realty_crm.memory import limit_malloc_arenas


@pytest.mark.skipif(
    platform.system() != "Linux" or platform.libc_ver()[0] != "glibc" or not ctypes.util.find_library("c"),
    reason="the cap is glibc's",
)
def test_the_arena_cap_is_accepted_by_glibc():
    assert limit_malloc_arenas() is True
