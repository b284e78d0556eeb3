"""After signing in, ``next=`` leads only to a path on this site, whatever a browser would make of it."""

from __future__ import annotations

import os

import pytest

from realty_crm.testing.factories import PASSWORD, form_token
from realty_crm.testing.fixtures import TEST_DB_ENV

pytestmark = pytest.mark.skipif(bool(os.environ.get(TEST_DB_ENV)), reason="no database rules: SQLite run")

OFF_SITE = [
    "/\\evil.example.com",
    "/\\/evil.example.com",
    "\\\\evil.example.com",
    "\\/evil.example.com",
    "//evil.example.com",
    "///evil.example.com",
    "/%5Cevil.example.com",
    "/%5cevil.example.com",
    "/%2F/evil.example.com",
    "/%09/evil.example.com",
    "/\t/evil.example.com",
    "/\n/evil.example.com",
    "/\r\n/evil.example.com",
    "/ /evil.example.com",
    "/\x7f/evil.example.com",
    "https://evil.example.com/",
    "HTTPS:evil.example.com",
    "javascript:alert(1)",
    "data:text/html,hi",
    "evil.example.com",
    "/\uff3cevil.example.com",
    "",
]


def _sign_in(client, user, target):
    token = form_token(client, "/login")
    return client.post(
        "/login",
        query_string={"next": target},
        data={"email": user.email, "password": PASSWORD, "csrf_token": token},
    )


@pytest.mark.parametrize("target", OFF_SITE)
def test_an_off_site_or_garbled_next_leads_to_the_dashboard(make, client, target):
    response = _sign_in(client, make.user(), target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", ["/prospects", "/prospects/12?tab=calls", "/prospects?q=Jos%C3%A9&page=2"])
def test_a_path_on_this_site_is_followed(make, client, target):
    response = _sign_in(client, make.user(), target)
    assert response.status_code == 302
    assert response.headers["Location"] == target
