"""``create-agency``, ``create-user`` and ``create-token``: clear refusals, nothing half-written."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from click.testing import Result
from flask import Flask
from sqlalchemy import select

from realty_crm.extensions import db
from realty_crm.models import Agency, ApiToken, Role, User
from realty_crm.services import accounts
from realty_crm.testing.factories import Factory

Cli = Callable[..., Result]


# --- create-agency -------------------------------------------------------------------------


def test_create_agency_makes_the_slug_from_the_name(cli: Cli) -> None:
    result = cli("create-agency", "Inmobiliaria Ñandú, S.L.", "--timezone", "Atlantic/Canary")

    assert result.exit_code == 0, result.output
    agency = db.session.scalars(select(Agency)).one()
    assert agency.name == "Inmobiliaria Ñandú, S.L."
    assert (agency.slug, agency.timezone) == ("inmobiliaria-nandu-s-l", "Atlantic/Canary")
    assert "inmobiliaria-nandu-s-l" in result.output


def test_create_agency_keeps_given_slug_locale_and_currency(cli: Cli) -> None:
    result = cli("create-agency", "Casas Luna 🏠", "--slug", "luna", "--locale", "es",
                 "--currency", "gbp")

    assert result.exit_code == 0, result.output
    agency = db.session.scalars(select(Agency)).one()
    assert (agency.slug, agency.locale, agency.currency) == ("luna", "es", "GBP")
    assert agency.name == "Casas Luna 🏠"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["Sol", "--slug", "Not A Slug!"], "lower-case letters, digits and dashes"),
        (["Sol", "--slug", "-sol"], "lower-case letters, digits and dashes"),
        (["Sol", "--timezone", "Mars/Olympus_Mons"], "IANA time zone"),
        (["Sol", "--timezone", ""], "IANA time zone"),
        (["   "], "name"),
        (["x" * 201], "name"),
        (["🏠🏠"], "lower-case letters, digits and dashes"),  # no slug can be made from it
    ],
)
def test_create_agency_refuses_bad_input_and_writes_nothing(
    cli: Cli, rows: Callable[..., int], args: list[str], message: str
) -> None:
    result = cli("create-agency", *args)

    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
    assert rows(Agency) == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["Sol", "--currency", "EURO"], "three-letter ISO 4217"),
        (["Sol", "--currency", "€"], "three-letter ISO 4217"),
        (["Sol", "--locale", "fr"], "'fr' is not one of"),
    ],
)
def test_create_agency_refuses_bad_options_before_writing(
    cli: Cli, rows: Callable[..., int], args: list[str], message: str
) -> None:
    result = cli("create-agency", *args)

    assert result.exit_code == 2
    assert message in result.output
    assert rows(Agency) == 0


def test_create_agency_refuses_a_slug_in_use(cli: Cli, rows: Callable[..., int]) -> None:
    assert cli("create-agency", "Inmobiliaria Sol", "--slug", "sol").exit_code == 0

    result = cli("create-agency", "Sol Levante", "--slug", "sol")

    assert result.exit_code == 1
    assert "Another agency already has this slug" in result.output
    assert db.session.scalars(select(Agency.name)).all() == ["Inmobiliaria Sol"]
    assert rows(Agency) == 1


# --- create-user ---------------------------------------------------------------------------


def test_create_user_with_password_option(cli: Cli, make: Factory) -> None:
    make.agency(slug="sol")

    result = cli("create-user", "Ana.Garcia@Sol.example.com", "--agency", "sol", "--role", "manager",
                 "--name", "Ana García", "--password", "long enough secret")

    assert result.exit_code == 0, result.output
    user = db.session.scalars(select(User)).one()
    assert (user.email, user.name, user.role) == ("ana.garcia@sol.example.com", "Ana García", Role.MANAGER)
    assert accounts.authenticate("ana.garcia@sol.example.com", "long enough secret") is not None
    assert "long enough secret" not in result.output


def test_create_user_prompts_for_the_password_twice_and_hides_it(cli: Cli, make: Factory) -> None:
    make.agency(slug="sol")

    result = cli("create-user", "leo@sol.example.com", "--agency", "sol", "--role", "agent",
                 input="prompted secret 1\nprompted secret 1\n")

    assert result.exit_code == 0, result.output
    assert "Password" in result.output and "Repeat for confirmation" in result.output
    assert "prompted secret 1" not in result.output
    user = db.session.scalars(select(User)).one()
    assert user.name == "leo"  # made from the e-mail when not given
    assert accounts.authenticate("leo@sol.example.com", "prompted secret 1") is not None


def test_create_user_gives_up_when_the_prompted_passwords_differ(
    cli: Cli, make: Factory, rows: Callable[..., int]
) -> None:
    make.agency(slug="sol")

    result = cli("create-user", "leo@sol.example.com", "--agency", "sol", "--role", "agent",
                 input="first secret 1\nsecond secret 2\n")

    assert result.exit_code == 1  # click aborts when the input runs out
    assert "do not match" in result.output
    assert rows(User) == 0


PASSWORD = ["--password", "long enough secret"]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--agency", "sol", "--role", "owner", *PASSWORD], 2, "'owner' is not one of 'admin', 'manager'"),
        (["--agency", "nowhere", "--role", "agent", *PASSWORD], 1, "No agency with slug 'nowhere'"),
        (["--agency", "sol", *PASSWORD], 2, "Missing option '--role'"),
        (["--role", "agent", *PASSWORD], 2, "Missing option '--agency'"),
        (["--agency", "sol", "--role", "agent", "--password", "short"], 1, "password"),
        (["--agency", "sol", "--role", "agent", "--name", "x" * 101, *PASSWORD], 1, "name"),
        (["--agency", "sol", "--role", "agent", "--name", "Leo\x00", *PASSWORD], 1, "control characters"),
    ],
)
def test_create_user_refuses_bad_options_and_writes_nothing(
    cli: Cli, make: Factory, rows: Callable[..., int], args: list[str], code: int, message: str
) -> None:
    make.agency(slug="sol")

    result = cli("create-user", "leo@sol.example.com", *args)

    assert result.exit_code == code
    assert message in result.output
    assert "Traceback" not in result.output
    assert rows(User) == 0


@pytest.mark.parametrize("email", ["not-an-email", "", "leo@", "a" * 250 + "@sol.example.com"])
def test_create_user_refuses_an_invalid_email(
    cli: Cli, make: Factory, rows: Callable[..., int], email: str
) -> None:
    make.agency(slug="sol")

    result = cli("create-user", email, "--agency", "sol", "--role", "agent", *PASSWORD)

    assert result.exit_code == 1
    assert "email" in result.output
    assert rows(User) == 0


def test_create_user_refuses_an_email_in_use_even_in_another_agency(
    cli: Cli, make: Factory, rows: Callable[..., int]
) -> None:
    make.user(make.agency(slug="luna"), Role.AGENT, email="leo@example.com")
    make.agency(slug="sol")

    result = cli("create-user", "LEO@Example.com", "--agency", "sol", "--role", "admin",
                 "--password", "long enough secret")

    assert result.exit_code == 1
    assert "This e-mail cannot be used; choose another." in result.output
    assert "luna" not in result.output
    assert rows(User) == 1


def test_create_user_keeps_unicode_and_right_to_left_names(cli: Cli, make: Factory) -> None:
    make.agency(slug="sol")

    for email, name in (("maryam@sol.example.com", "مريم الحسيني"), ("zoe@sol.example.com", "Zoë 🏡 Núñez")):
        result = cli("create-user", email, "--agency", "sol", "--role", "agent", "--name", name,
                     "--password", "long enough secret")
        assert result.exit_code == 0, result.output

    assert sorted(db.session.scalars(select(User.name))) == sorted(["مريم الحسيني", "Zoë 🏡 Núñez"])


# --- create-token --------------------------------------------------------------------------


def test_create_token_prints_it_alone_on_the_last_line_and_it_works(
    cli: Cli, make: Factory, app: Flask
) -> None:
    agent = make.user(make.agency(slug="sol"), Role.AGENT, email="leo@sol.example.com")

    result = cli("create-token", "LEO@sol.example.com")

    assert result.exit_code == 0, result.output
    token = result.output.rstrip("\n").splitlines()[-1]
    assert token == token.strip() and " " not in token
    response = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["email"] == "leo@sol.example.com"
    assert response.get_json()["id"] == agent.id


def test_each_create_token_gives_a_new_token_stored_hashed(cli: Cli, make: Factory) -> None:
    make.user(make.agency(slug="sol"), Role.AGENT, email="leo@sol.example.com")

    first = cli("create-token", "leo@sol.example.com").output.splitlines()[-1]
    second = cli("create-token", "leo@sol.example.com").output.splitlines()[-1]

    assert first != second
    stored = db.session.scalars(select(ApiToken.token_hash)).all()
    assert len(stored) == 2
    assert first not in stored and second not in stored


def test_create_token_refuses_an_unknown_email(cli: Cli, rows: Callable[..., int]) -> None:
    result = cli("create-token", "nobody@sol.example.com")

    assert result.exit_code == 1
    assert "No user with e-mail 'nobody@sol.example.com'" in result.output
    assert rows(ApiToken) == 0


def test_create_token_refuses_a_deactivated_user(cli: Cli, make: Factory, rows: Callable[..., int]) -> None:
    make.user(make.agency(slug="sol"), Role.AGENT, email="gone@sol.example.com", active=False)

    result = cli("create-token", "gone@sol.example.com")

    assert result.exit_code == 1
    assert "deactivated" in result.output
    assert rows(ApiToken) == 0
