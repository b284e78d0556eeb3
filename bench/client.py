"""A small keep-alive HTTP client for the benchmark: one connection, a cookie jar, timings.

The standard library's ``http.client`` keeps the client's own overhead tiny and constant,
so the figures are the server's. Each answer carries the app's ``Server-Timing`` figure.
"""

from __future__ import annotations

import http.client
import re
import time
from dataclasses import dataclass
from http.cookies import SimpleCookie
from urllib.parse import urlencode

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
SERVER_TIMING = re.compile(r"app;dur=([\d.]+)")


@dataclass
class Answer:
    status: int
    body: bytes
    client_ms: float
    server_ms: float | None
    location: str | None = None


class Client:
    """One user's connection to the server under test (web session cookie or API token)."""

    def __init__(self, host: str, port: int, token: str | None = None) -> None:
        self.host, self.port = host, port
        self.token = token
        self.cookies: dict[str, str] = {}
        self.conn = http.client.HTTPConnection(host, port, timeout=120)

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None, read_chunk: int | None = None) -> Answer:
        """Send one request and read the whole answer (``read_chunk`` reads it piece by piece)."""
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        started = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        except (ConnectionError, http.client.HTTPException):
            self.conn.close()  # the server closed an idle connection: open a new one once
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        if read_chunk:
            size = 0
            while chunk := response.read(read_chunk):
                size += len(chunk)
            data = str(size).encode()
        else:
            data = response.read()
        client_ms = (time.perf_counter() - started) * 1000
        for header in response.msg.get_all("Set-Cookie") or []:
            cookie = SimpleCookie(header)
            for key, morsel in cookie.items():
                self.cookies[key] = morsel.value
        timing = SERVER_TIMING.search(response.getheader("Server-Timing") or "")
        return Answer(
            response.status, data, client_ms, float(timing.group(1)) if timing else None,
            response.getheader("Location"),
        )

    def get(self, path: str) -> Answer:
        return self.request("GET", path)

    def post_form(self, path: str, fields: dict[str, str]) -> Answer:
        return self.request(
            "POST", path, urlencode(fields).encode(), {"Content-Type": "application/x-www-form-urlencoded"}
        )

    def login(self, email: str, password: str) -> None:
        """Sign in through the login form, as a browser would."""
        page = self.get("/login")
        match = CSRF.search(page.body.decode())
        if match is None:
            raise RuntimeError("no CSRF token on /login")
        fields = {"csrf_token": match.group(1), "email": email, "password": password}
        answer = self.post_form("/login", fields)
        if answer.status != 302:
            raise RuntimeError(f"login of {email} failed: HTTP {answer.status}")

    def close(self) -> None:
        self.conn.close()
