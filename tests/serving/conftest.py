"""Real ``realty-crm serve`` processes on the test database and the real Redis."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from realty_crm.testing.servers import ServerProcess, start_server


@pytest.fixture(scope="module")
def start(
    database_url: str, redis_limits: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[..., ServerProcess]]:
    """``start(name, *options, **settings)``: a server process with these ``REALTY_CRM_*``
    settings on the test database and Redis (rate-limit keys under ``prefix`` when given, else
    under the server's name); every one is stopped when the module's tests are done."""
    logs: Path = tmp_path_factory.mktemp("servers")
    secret = secrets.token_hex(32)
    started: list[ServerProcess] = []

    def run(name: str, *options: str, prefix: str | None = None, **settings: str) -> ServerProcess:
        env = {
            "REALTY_CRM_DATABASE_URL": database_url,
            "REALTY_CRM_SECRET_KEY": secret,
            "REALTY_CRM_RATELIMIT_STORAGE_URI": redis_limits["RATELIMIT_STORAGE_URI"],
            "REALTY_CRM_RATELIMIT_KEY_PREFIX": f"{redis_limits['RATELIMIT_KEY_PREFIX']}-{prefix or name}",
            **{f"REALTY_CRM_{key}": value for key, value in settings.items()},
        }
        server = start_server(env, logs / f"{name}.log", options)
        started.append(server)
        return server

    yield run
    for server in started:
        server.stop()
