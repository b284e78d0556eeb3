"""No public default secret: outside debugging and tests the app refuses the built-in development
key, an empty or a short one, so nobody can forge a remember-me cookie with it; ``realty-crm demo``
makes a random key in the instance folder once."""

from __future__ import annotations

import http.client
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask_login.utils import encode_cookie

from realty_crm import create_app
from realty_crm.secret_key import DEV_SECRET_KEY, KEY_FILE, InsecureSecretKey
from realty_crm.testing.factories import PASSWORD, form_token
from realty_crm.testing.fixtures import TEST_DB_ENV

pytestmark = pytest.mark.skipif(bool(os.environ.get(TEST_DB_ENV)), reason="no database rules: SQLite run")

REALTY_CRM = str(Path(sys.executable).with_name("realty-crm"))
GOOD_KEY = secrets.token_urlsafe(48)


@pytest.fixture
def instance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty instance folder for the apps and servers the test starts."""
    folder = tmp_path / "instance"
    folder.mkdir()
    monkeypatch.setenv("REALTY_CRM_INSTANCE_PATH", str(folder))
    monkeypatch.delenv("REALTY_CRM_SECRET_KEY", raising=False)
    return folder


@pytest.mark.parametrize("key", [DEV_SECRET_KEY, "", None, "short", "x" * 31, b"\x00" * 8])
def test_the_app_refuses_a_public_empty_or_short_key_and_says_how_to_set_one(database_url, instance, key):
    config = {"DATABASE_URL": database_url}
    if key is not None:
        config["SECRET_KEY"] = key
    with pytest.raises(InsecureSecretKey) as refused:
        create_app(config)
    assert "REALTY_CRM_SECRET_KEY" in str(refused.value)
    assert str(instance / "config.py") in str(refused.value)


def test_a_long_random_key_debugging_and_tests_are_accepted(database_url, instance):
    assert create_app({"DATABASE_URL": database_url, "SECRET_KEY": GOOD_KEY}).secret_key == GOOD_KEY
    assert create_app({"DATABASE_URL": database_url, "DEBUG": True}).debug
    assert create_app({"DATABASE_URL": database_url, "TESTING": True}).testing


def test_demo_creates_a_random_key_once_and_the_app_uses_it(app, database_url, instance):
    app.instance_path = str(instance)
    runner = app.test_cli_runner()

    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    key = (instance / KEY_FILE).read_text(encoding="utf-8").strip()
    assert len(key) >= 48 and f"secret key for signing sessions in {instance / KEY_FILE}" in first.output
    assert (instance / KEY_FILE).stat().st_mode & 0o077 == 0  # its owner's only

    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0, again.output
    assert (instance / KEY_FILE).read_text(encoding="utf-8").strip() == key
    assert "secret key" not in again.output
    assert create_app({"DATABASE_URL": database_url}).secret_key == key


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def serve(database_url: str, instance: Path) -> Iterator:
    """``serve(key)``: start ``realty-crm serve`` with that secret key (None: none set)."""
    started: list[subprocess.Popen] = []

    def start(key: str | None, command: str = "serve") -> tuple[subprocess.Popen, int]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("REALTY_CRM_")}
        env.update({"REALTY_CRM_DATABASE_URL": database_url, "REALTY_CRM_INSTANCE_PATH": str(instance)})
        if key is not None:
            env["REALTY_CRM_SECRET_KEY"] = key
        port = _free_port()
        process = subprocess.Popen(
            [REALTY_CRM, command, "--port", str(port)], env=env,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        started.append(process)
        return process, port

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=20)
        if process.stdout:
            process.stdout.close()


def _listening(process: subprocess.Popen, port: int, seconds: float = 60) -> bool:
    """Wait until the server listens (True) or exits (False)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.2)
    raise AssertionError("the server neither started nor exited")


def _get(port: int, path: str, cookie: str | None = None) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


@pytest.mark.parametrize("command", ["serve", "run"])
def test_serve_and_the_development_server_refuse_the_development_key(serve, command):
    process, _port = serve(None, command)
    output, _ = process.communicate(timeout=60)
    assert process.returncode != 0
    assert "built-in development key" in output and "REALTY_CRM_SECRET_KEY" in output


def test_a_remember_cookie_forged_with_the_development_key_signs_nobody_in(app, make, serve):
    user = make.user()
    with app.test_request_context():  # the test app signs with a key of its own: forge with the public one
        app.secret_key = DEV_SECRET_KEY
        forged = [encode_cookie(str(user.id)), encode_cookie(user.get_id())]

    for key in (None, GOOD_KEY):  # as installed (no key set), then with a key of its own
        process, port = serve(key)
        if not _listening(process, port):
            assert key is None and process.returncode != 0
            continue
        for cookie in forged:
            response = _get(port, "/", cookie=f"remember_token={cookie}")
            assert response.status == 302 and response.getheader("Location").startswith("/login")
        assert _get(port, "/login").status == 200


def test_a_remember_cookie_of_the_served_key_still_signs_in(app, make, serve):
    user = make.user()
    app.secret_key = GOOD_KEY
    browser = app.test_client()
    token = form_token(browser, "/login")
    form = {"email": user.email, "password": PASSWORD, "csrf_token": token, "remember": "y"}
    assert browser.post("/login", data=form).status_code == 302
    remember = browser.get_cookie("remember_token").value
    process, port = serve(GOOD_KEY)
    assert _listening(process, port)

    assert _get(port, "/", cookie=f"remember_token={remember}").status == 200
