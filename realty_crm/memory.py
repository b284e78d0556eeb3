"""Keeping a threaded web worker's memory flat.

glibc gives each new thread a malloc arena of its own, and keeps every arena at its
high-water mark. Eight waitress threads that each once streamed a large export then hold
about 20 MB apiece: the worker's resident memory climbs with every export served by a
thread that had not served one yet (measured: 105 → 172 MB over five exports of 50,000 to
200,000 rows). With two arenas the same exports plateau at about 146 MB.
"""

from __future__ import annotations

import ctypes
import ctypes.util

M_ARENA_MAX = -8  # glibc's mallopt parameter number
WORKER_ARENAS = 2


def limit_malloc_arenas(arenas: int = WORKER_ARENAS) -> bool:
    """Cap the malloc arenas of threads started from now on (glibc only; elsewhere nothing
    happens). Returns whether the cap was set."""
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        mallopt = ctypes.CDLL(name).mallopt
    except (OSError, AttributeError):  # not glibc: musl, macOS
        return False
    return bool(mallopt(M_ARENA_MAX, arenas))
