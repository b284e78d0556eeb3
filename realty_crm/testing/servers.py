"""Real server processes for tests: ``realty-crm serve`` on a free port of 127.0.0.1, and a
small HTTP client with cookies that can also connect from another loopback address."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

REALTY_CRM = str(Path(sys.executable).parent / "realty-crm")


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class ServerProcess:
    """A running ``realty-crm serve`` (its own process group, so its workers stop with it)."""

    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def processes(self) -> list[int]:
        """The ids of the processes of its group (Linux: read from /proc)."""
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:  # ended meanwhile
                continue
            if int(fields[2]) == self.process.pid:  # the process group
                found.append(int(stat.parent.name))
        return found

    def stop(self, timeout: float = 20) -> None:
        """SIGTERM the whole group; SIGKILL what is still there after ``timeout`` seconds."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=timeout)


def start_server(
    env: dict[str, str], log: Path, options: tuple[str, ...] = (), timeout: float = 60
) -> ServerProcess:
    """Start ``realty-crm serve`` with ``REALTY_CRM_*`` settings ``env`` and wait (at most
    ``timeout`` seconds) until it answers ``/login``."""
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [REALTY_CRM, "serve", "--host", "127.0.0.1", "--port", str(port), *options],
            env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    server = ServerProcess(f"http://127.0.0.1:{port}", process, log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server stopped: {log.read_text(errors='replace')}")
        try:
            if WebClient(server.url).get("/login").status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"the server did not answer within {timeout} s: {log.read_text(errors='replace')}")


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: str

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class WebClient:
    """Requests to one server, keeping its cookies; ``source`` is the local address to connect
    from (any 127.x.y.z works on Linux)."""

    base_url: str
    source: str | None = None
    cookies: dict[str, str] = field(default_factory=dict)
    timeout: float = 30

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> Answer:
        parts = urlsplit(self.base_url)
        conn = http.client.HTTPConnection(
            parts.hostname or "127.0.0.1", parts.port, timeout=self.timeout,
            source_address=(self.source, 0) if self.source else None,
        )
        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
        finally:
            conn.close()
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _, value = cookie.split(";", 1)[0].partition("=")
            self.cookies[name.strip()] = value
        return Answer(response.status, response.headers, text)

    def get(self, path: str, headers: dict[str, str] | None = None) -> Answer:
        return self.request("GET", path, headers=headers)

    def post_form(self, path: str, data: dict[str, str], headers: dict[str, str] | None = None) -> Answer:
        """POST the form on ``path`` as a browser does: with the CSRF token it was served."""
        page = self.get(path, headers=headers)
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.body)
        assert match, f"no CSRF token on {path}"
        return self.request(
            "POST", path, body=urlencode({**data, "csrf_token": match.group(1)}).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded", **(headers or {})},
        )

    def post_json(self, path: str, data: Any, headers: dict[str, str] | None = None) -> Answer:
        return self.request(
            "POST", path, body=json.dumps(data).encode(),
            headers={"Content-Type": "application/json", **(headers or {})},
        )
