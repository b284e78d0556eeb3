"""The ``realty-crm`` command: Flask's CLI group plus the commands of SPEC §3."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy import select

from .errors import ServiceError
from .extensions import db
from .models import Agency, Role, User


def _fail(exc: ServiceError) -> None:
    details = "; ".join(f"{k}: {v}" for k, v in exc.details.items() if k != "__root__")
    raise click.ClickException(f"{exc.message} {details}".strip())


def _agency(slug: str) -> Agency:
    agency = db.session.scalars(select(Agency).where(Agency.slug == slug)).first()
    if agency is None:
        raise click.ClickException(f"No agency with slug {slug!r}.")
    return agency


@click.command("init")
@with_appcontext
def init_command() -> None:
    """Create or upgrade the database to the latest migration (safe to run again)."""
    from flask_migrate import upgrade

    upgrade(revision="heads")
    click.echo(f"Database is up to date: {db.engine.url.render_as_string(hide_password=True)}")


@click.command("create-agency")
@click.argument("name")
@click.option("--slug", help="URL-safe identifier (default: made from the name).")
@click.option("--timezone", "tz", default="Europe/Madrid", show_default=True, help="IANA time zone.")
@click.option("--locale", default="en", type=click.Choice(["en", "es"]), show_default=True)
@click.option("--currency", default="EUR", show_default=True)
@with_appcontext
def create_agency_command(name: str, slug: str | None, tz: str, locale: str, currency: str) -> None:
    """Create an agency (a tenant)."""
    from .services.accounts import create_agency

    try:
        agency = create_agency(name, slug, tz, locale=locale, currency=currency.upper())
    except ServiceError as exc:
        _fail(exc)
    click.echo(f"Created agency {agency.name} (slug {agency.slug}, id {agency.id}).")


@click.command("create-user")
@click.argument("email")
@click.option("--agency", "agency_slug", required=True, help="Slug of the user's agency.")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--name", default=None, help="Display name (default: from the e-mail).")
@click.option("--password", default=None, help="Prompted for (hidden) when not given.")
@with_appcontext
def create_user_command(
    email: str, agency_slug: str, role: str, name: str | None, password: str | None
) -> None:
    """Add a user to an agency."""
    from .services.accounts import create_user

    agency = _agency(agency_slug)
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    data = {"email": email, "name": name or email.split("@")[0], "role": role, "password": password}
    try:
        user = create_user(agency, data)
    except ServiceError as exc:
        _fail(exc)
    click.echo(f"Created {user.role.value} {user.email} in {agency.slug} (id {user.id}).")


@click.command("create-token")
@click.argument("email")
@click.option("--name", default="cli", show_default=True, help="A label to recognise the token by.")
@with_appcontext
def create_token_command(email: str, name: str) -> None:
    """Print a new API token for a user (alone on the last line)."""
    from .services.accounts import create_token

    user = db.session.scalars(select(User).where(User.email == email.strip().lower())).first()
    if user is None:
        raise click.ClickException(f"No user with e-mail {email!r}.")
    _token, secret = create_token(user, name)
    click.echo(f"API token for {user.email} (send it as 'Authorization: Bearer <token>'):")
    click.echo(secret)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
@with_appcontext
def serve_command(host: str, port: int, threads: int) -> None:
    """Run the web app with the production WSGI server (waitress)."""
    import waitress

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    click.echo(f"Serving realty-crm on http://{host}:{port}/")
    waitress.serve(app, host=host, port=port, threads=threads, ident="realty-crm")


def register_commands(app: Flask) -> None:
    """Attach the commands to ``app.cli`` (and so to the ``realty-crm`` group)."""
    for command in (
        init_command,
        create_agency_command,
        create_user_command,
        create_token_command,
        serve_command,
    ):
        app.cli.add_command(command)


def _create_app():  # type: ignore[no-untyped-def]
    from . import create_app

    return create_app()


main = FlaskGroup(create_app=_create_app, help="realty-crm: the CRM for estate agencies.")
