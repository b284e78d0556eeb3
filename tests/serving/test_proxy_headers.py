"""Behind a reverse proxy, the real servers (waitress, gunicorn) believe ``X-Forwarded-*`` only
from the trusted proxy: the app then sees the client's address and HTTPS; otherwise the headers
are dropped, so nobody picks the address the login throttle is keyed on."""

from __future__ import annotations

import os

import pytest

from realty_crm.testing.factories import PASSWORD
from realty_crm.testing.fixtures import TEST_DB_ENV
from realty_crm.testing.servers import ServerProcess, WebClient

pytestmark = pytest.mark.skipif(
    bool(os.environ.get(TEST_DB_ENV)), reason="proxy headers do not depend on the database"
)

TRUSTED = {"TRUSTED_PROXIES": "1", "TRUSTED_PROXY_ADDRESS": "127.0.0.1"}
# name: (options of `realty-crm serve`, settings)
SERVERS = {
    "waitress": ((), {}),
    "gunicorn": (("--workers", "2"), {}),
    "waitress behind a proxy": ((), TRUSTED),
    "gunicorn behind a proxy": (("--workers", "2"), TRUSTED),
}
BEHIND_A_PROXY = [name for name, (_, settings) in SERVERS.items() if settings]


@pytest.fixture(scope="module")
def servers(start) -> dict[str, ServerProcess]:
    return {
        name: start(name.replace(" ", "-"), *options, **settings)
        for name, (options, settings) in SERVERS.items()
    }


def _session_cookie(answer) -> str:
    return next(c for c in answer.headers.get_all("Set-Cookie") if c.startswith("session="))


def _fail_five_times(client: WebClient, email: str, forwarded_for: str) -> None:
    for _ in range(5):
        answer = client.post_form(
            "/login", {"email": email, "password": "wrong"}, {"X-Forwarded-For": forwarded_for}
        )
        assert answer.status == 401


def test_serve_workers_runs_that_many_processes_besides_the_master(servers):
    assert len(servers["waitress"].processes()) == 1
    assert len(servers["gunicorn"].processes()) == 3


@pytest.mark.parametrize("name", SERVERS)
def test_https_is_seen_only_through_the_trusted_proxy(servers, name):
    answer = WebClient(servers[name].url).get("/login", {"X-Forwarded-Proto": "https"})
    assert answer.status == 200
    assert ("Secure" in _session_cookie(answer)) == (name in BEHIND_A_PROXY)


@pytest.mark.parametrize("name", SERVERS)
def test_the_login_throttle_is_keyed_on_the_client_address_the_proxy_gives(servers, name, make):
    user = make.user()
    client = WebClient(servers[name].url)
    _fail_five_times(client, user.email, "198.51.100.1")
    again = {"email": user.email, "password": PASSWORD}
    assert client.post_form("/login", again, {"X-Forwarded-For": "198.51.100.1"}).status == 429
    other_address = client.post_form("/login", again, {"X-Forwarded-For": "198.51.100.2"})
    # behind the proxy another client is signed in; without one, a made-up header changes nothing
    assert other_address.status == (302 if name in BEHIND_A_PROXY else 429)


@pytest.mark.parametrize("name", BEHIND_A_PROXY)
def test_forwarded_headers_from_another_peer_than_the_proxy_are_ignored(servers, name, make):
    user = make.user()
    client = WebClient(servers[name].url, source="127.0.0.2")
    assert "Secure" not in _session_cookie(client.get("/login", {"X-Forwarded-Proto": "https"}))
    _fail_five_times(client, user.email, "198.51.100.3")
    spoofed = client.post_form(
        "/login", {"email": user.email, "password": PASSWORD}, {"X-Forwarded-For": "198.51.100.4"}
    )
    assert spoofed.status == 429
