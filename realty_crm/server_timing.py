"""``Server-Timing`` headers: how long the app took to answer, for the benchmarks of SPEC §7.

Off unless ``SERVER_TIMING`` is set (``REALTY_CRM_SERVER_TIMING=true``): the figure is the
time from the request entering the app to its status and headers being ready, which is the
"server time" the speed targets are about (a streamed body's rows are not in it).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class ServerTiming:
    """WSGI middleware adding ``Server-Timing: app;dur=<milliseconds>`` to every response."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        started = time.perf_counter()

        def timed_start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            elapsed = (time.perf_counter() - started) * 1000
            headers.append(("Server-Timing", f"app;dur={elapsed:.2f}"))
            return start_response(status, headers, exc_info)

        return self.app(environ, timed_start_response)
