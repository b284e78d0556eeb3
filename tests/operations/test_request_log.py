"""Request ids: answered in ``X-Request-ID`` and on every log line of the request; JSON lines
with ``LOG_FORMAT = "json"``."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask

from realty_crm.request_log import configure_logging
from realty_crm.testing.fixtures import TEST_DB_ENV

pytestmark = pytest.mark.skipif(
    bool(os.environ.get(TEST_DB_ENV)), reason="request ids and logs do not depend on the database"
)

GENERATED = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def log_output() -> Iterator[Callable[[str], io.StringIO]]:
    """``log_output("text" | "json")``: the process's log lines, captured in a buffer."""
    root = logging.getLogger()
    level = root.level

    def capture(log_format: str) -> io.StringIO:
        buffer = io.StringIO()
        configure_logging(log_format, "INFO", stream=buffer)
        return buffer

    yield capture
    for handler in [h for h in root.handlers if getattr(h, "realty_crm", False)]:
        root.removeHandler(handler)
    root.setLevel(level)


@pytest.fixture
def noisy_app(app: Flask) -> Flask:
    """The test app with a page that logs a line and then fails (answered 500, as in production)."""

    def fail() -> str:
        logging.getLogger("realty_crm.test").warning("about to fail")
        raise RuntimeError("boom")

    app.add_url_rule("/test-failing-page", view_func=fail)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app


def test_each_request_gets_a_new_id_in_the_response(app: Flask) -> None:
    client = app.test_client()

    ids = [client.get("/login").headers.get("X-Request-ID") for _ in range(3)]

    assert all(GENERATED.fullmatch(i or "") for i in ids), ids
    assert len(set(ids)) == 3


def test_a_sane_incoming_request_id_is_kept(app: Flask) -> None:
    sent = "lb-7f3a:2026-12-07T10.00@edge_1"

    response = app.test_client().get("/healthz", headers={"X-Request-ID": sent})

    assert response.headers["X-Request-ID"] == sent


@pytest.mark.parametrize("sent", [
    "", " ", "a b", "<script>alert(1)</script>", "x" * 129, "id\x00nul", "ünïcode", "a;b", "a\tb",
    "../../etc/passwd", "%0d%0aSet-Cookie:x=1",
])
def test_an_insane_incoming_request_id_is_replaced(app: Flask, sent: str) -> None:
    response = app.test_client().get("/healthz", headers={"X-Request-ID": sent})

    assert response.status_code == 200
    assert GENERATED.fullmatch(response.headers["X-Request-ID"])


def test_every_log_line_of_a_request_carries_its_id(
    noisy_app: Flask, log_output: Callable[[str], io.StringIO]
) -> None:
    buffer = log_output("text")
    client = noisy_app.test_client()

    failed = client.get("/test-failing-page", headers={"X-Request-ID": "req-failing"})
    client.get("/healthz", headers={"X-Request-ID": "req-healthy"})

    assert failed.status_code == 500
    lines = [line for line in buffer.getvalue().splitlines() if line.startswith("20")]
    failing = [line for line in lines if "[req-failing]" in line]
    assert any("realty_crm.test: about to fail" in line for line in failing)
    assert any("unhandled error on GET /test-failing-page" in line for line in failing)
    assert any("realty_crm.access: GET /test-failing-page 500" in line for line in failing)
    assert any("[req-healthy] realty_crm.access: GET /healthz 200" in line for line in lines)
    assert all("[req-failing]" in line or "[req-healthy]" in line for line in lines), lines


def test_json_log_lines_carry_the_request_id(
    noisy_app: Flask, log_output: Callable[[str], io.StringIO]
) -> None:
    buffer = log_output("json")

    noisy_app.test_client().get("/test-failing-page", headers={"X-Request-ID": "req-json"})

    records = [json.loads(line) for line in buffer.getvalue().splitlines() if line.startswith("{")]
    assert records, buffer.getvalue()
    assert {r["request_id"] for r in records} == {"req-json"}
    warning = next(r for r in records if r["logger"] == "realty_crm.test")
    assert warning["message"] == "about to fail"
    assert warning["level"] == "WARNING"
    assert "time" in warning
    error = next(r for r in records if r["message"].startswith("unhandled error on"))
    assert "RuntimeError: boom" in error["exc_info"]
    access = next(r for r in records if r["logger"] == "realty_crm.access")
    assert (access["method"], access["path"], access["status"]) == ("GET", "/test-failing-page", 500)


def test_an_unknown_log_format_or_level_is_refused_clearly() -> None:
    handlers = list(logging.getLogger().handlers)

    with pytest.raises(ValueError, match="LOG_FORMAT must be one of text, json, not 'xml'"):
        configure_logging("xml")
    with pytest.raises(ValueError, match="LOG_LEVEL must be one of DEBUG, INFO, WARNING"):
        configure_logging("json", "LOUD")

    assert logging.getLogger().handlers == handlers


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_served_app_writes_json_lines_with_the_request_id(tmp_path: Path) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "REALTY_CRM_INSTANCE_PATH": str(tmp_path),
        "REALTY_CRM_SECRET_KEY": "a-test-key-long-enough-for-any-check-0123456789",
        "REALTY_CRM_LOG_FORMAT": "json",
    }
    command = [str(Path(sys.executable).parent / "realty-crm"), "serve", "--port", str(port)]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                request = urllib.request.Request(f"http://127.0.0.1:{port}/healthz",
                                                 headers={"X-Request-ID": "probe-42"})
                with urllib.request.urlopen(request, timeout=5) as response:
                    assert response.headers["X-Request-ID"] == "probe-42"
                    break
            except OSError:
                assert time.monotonic() < deadline, "the server did not start in 30 s"
                assert server.poll() is None, "the server stopped"
                time.sleep(0.2)
    finally:
        server.terminate()
        _out, errors = server.communicate(timeout=10)

    records = [json.loads(line) for line in errors.splitlines() if line.startswith("{")]
    access = [r for r in records if r.get("logger") == "realty_crm.access"]
    assert access and access[-1]["request_id"] == "probe-42", errors
    assert access[-1]["path"] == "/healthz"
