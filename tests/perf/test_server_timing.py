"""The Server-Timing header the benchmarks read: present when switched on, absent by default."""

from __future__ import annotations

import re


def test_no_server_timing_header_by_default(client):
    assert "Server-Timing" not in client.get("/login").headers


def test_server_timing_header_gives_the_app_time_in_milliseconds(app_factory):
    app = app_factory(SERVER_TIMING=True)
    response = app.test_client().get("/login")
    assert re.fullmatch(r"app;dur=\d+\.\d\d", response.headers["Server-Timing"])
