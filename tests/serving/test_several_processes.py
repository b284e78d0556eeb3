"""Two servers (waitress, and gunicorn with two workers) on one PostgreSQL database and one
Redis act as one: a login limit holds across them, and one slot is booked only once."""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime, timedelta

import pytest

from realty_crm.models import Role
from realty_crm.testing.factories import PASSWORD
from realty_crm.testing.fixtures import TEST_DB_ENV
from realty_crm.testing.servers import ServerProcess, WebClient

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        not os.environ.get(TEST_DB_ENV, "").startswith("postgresql"), reason="needs PostgreSQL"
    ),
]

BEHIND_A_PROXY = {"TRUSTED_PROXIES": "1", "TRUSTED_PROXY_ADDRESS": "127.0.0.1"}


@pytest.fixture(scope="module")
def servers(start) -> list[ServerProcess]:
    # one key prefix: the deployment's shared Redis
    return [
        start("web1", prefix="shared", **BEHIND_A_PROXY),
        start("web2", "--workers", "2", prefix="shared", **BEHIND_A_PROXY),
    ]


def _login(server: ServerProcess, email: str, password: str, address: str) -> int:
    form = {"email": email, "password": password}
    return WebClient(server.url).post_form("/login", form, {"X-Forwarded-For": address}).status


def test_wrong_passwords_spread_over_both_servers_add_up(servers, make):
    user = make.user()
    for attempt in range(5):
        assert _login(servers[attempt % 2], user.email, "wrong", "198.51.100.10") == 401
    for server in servers:
        assert _login(server, user.email, PASSWORD, "198.51.100.10") == 429
    assert _login(servers[0], user.email, PASSWORD, "198.51.100.11") == 302


def test_the_per_address_limit_holds_across_both_servers(servers, make):
    agency = make.agency()
    users = [make.user(agency) for _ in range(21)]
    for n, user in enumerate(users[:20]):
        assert _login(servers[n % 2], user.email, "wrong", "198.51.100.20") == 401
    for server in servers:
        assert _login(server, users[20].email, PASSWORD, "198.51.100.20") == 429
    assert _login(servers[1], users[20].email, PASSWORD, "198.51.100.21") == 302


@pytest.mark.parametrize("clash", ["agent", "property"])
def test_one_slot_sent_to_both_servers_at_once_is_booked_once(servers, make, clash):
    agency = make.agency()
    manager = make.user(agency, Role.MANAGER)
    agents = [make.user(agency, Role.AGENT) for _ in range(6)]
    prospect = make.prospect(manager)
    flat = make.property(manager)
    token = make.token(manager)
    start = (datetime.now(UTC) + timedelta(days=3)).replace(hour=9, minute=0, second=0, microsecond=0)
    bodies = [
        {
            "prospect_id": prospect.id,
            "starts_at": (start + timedelta(minutes=n)).isoformat(),
            "duration_minutes": 60,
            # one agent on several properties, or one property shown by several agents
            "agent_id": agents[0].id if clash == "agent" else agent.id,
            "property_id": make.property(manager).id if clash == "agent" else flat.id,
        }
        for n, agent in enumerate(agents)
    ]
    barrier = threading.Barrier(len(bodies), timeout=30)
    statuses: list[int] = []
    lock = threading.Lock()

    def book(server: ServerProcess, body: dict) -> None:
        client = WebClient(server.url)
        barrier.wait()
        answer = client.post_json("/api/v1/visits", body, {"Authorization": f"Bearer {token}"})
        with lock:
            statuses.append(answer.status)

    threads = [
        threading.Thread(target=book, args=(servers[n % 2], body)) for n, body in enumerate(bodies)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [201] + [409] * (len(bodies) - 1), statuses
    listed = WebClient(servers[0].url).get("/api/v1/visits", {"Authorization": f"Bearer {token}"})
    assert listed.json()["total"] == 1
