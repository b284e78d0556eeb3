"""Request ids and the process's log lines (plain text, or JSON with ``LOG_FORMAT = "json"``).

Every request gets an id: the caller's ``X-Request-ID`` when it is sane (1-128 letters,
digits and ``-_.:@``), else a new random one. It is sent back in the ``X-Request-ID``
header and is on every log line written while the request runs (``request_id``; ``-``
outside a request), so a proxy's, the app's and the database's lines can be matched up.
Each request also writes one access line (logger ``realty_crm.access``).
"""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid
from typing import IO

from flask import Flask, Response, g, has_request_context, request

HEADER = "X-Request-ID"
SANE_ID = re.compile(r"[A-Za-z0-9._:@-]{1,128}")
TEXT_FORMAT = "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s"
FORMATS = ("text", "json")
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

access_log = logging.getLogger("realty_crm.access")


def request_id() -> str | None:
    """The current request's id (None outside a request)."""
    return g.get("request_id") if has_request_context() else None


class RequestIdFilter(logging.Filter):
    """Puts the current request's id (or ``-``) on every record as ``request_id``."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id() or "-"
        return True


def _formatter(log_format: str) -> logging.Formatter:
    if log_format == "json":
        from pythonjsonlogger.json import JsonFormatter

        return JsonFormatter(
            JSON_FIELDS,
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )
    return logging.Formatter(TEXT_FORMAT)


def configure_logging(log_format: str = "text", level: str | int = "INFO",
                      stream: IO[str] | None = None) -> logging.Handler:
    """Send every logger's records to ``stream`` (stderr) in ``log_format`` with the request id.

    Replaces the handler an earlier call installed (safe to call once per app); returns it.
    """
    if log_format not in FORMATS:
        raise ValueError(f"LOG_FORMAT must be one of {', '.join(FORMATS)}, not {log_format!r}.")
    if isinstance(level, str) and level.upper() not in LEVELS:
        raise ValueError(f"LOG_LEVEL must be one of {', '.join(LEVELS)}, not {level!r}.")
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "realty_crm", False)]:
        root.removeHandler(old)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.realty_crm = True  # type: ignore[attr-defined]
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(_formatter(log_format))
    root.addHandler(handler)
    root.setLevel(level if isinstance(level, int) else level.upper())
    return handler


def _start() -> None:
    incoming = request.headers.get(HEADER, "")
    g.request_id = incoming if SANE_ID.fullmatch(incoming) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _finish(response: Response) -> Response:
    rid = g.get("request_id")
    if rid is not None:
        response.headers[HEADER] = rid
        elapsed = (time.perf_counter() - g.get("request_started", time.perf_counter())) * 1000
        access_log.info(
            "%s %s %s %.1fms", request.method, request.path, response.status_code, elapsed,
            extra={"method": request.method, "path": request.path,
                   "status": response.status_code, "duration_ms": round(elapsed, 1)},
        )
    return response


def init_app(app: Flask) -> None:
    """Give each request an id, answer it in ``X-Request-ID`` and log one access line.

    Outside tests, also installs the log handler (``LOG_FORMAT``: ``text`` or ``json``;
    ``LOG_LEVEL``: ``INFO`` by default)."""
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.after_request(_finish)
    if not app.testing:
        configure_logging(str(app.config.get("LOG_FORMAT", "text")).lower(),
                          str(app.config.get("LOG_LEVEL", "INFO")))
