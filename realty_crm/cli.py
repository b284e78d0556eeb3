"""The ``realty-crm`` command: Flask's CLI group plus the commands of SPEC §3."""

from __future__ import annotations

import importlib.util
from typing import NoReturn

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy import select

from .errors import ServiceError
from .extensions import db
from .models import Agency, Role, User
from .operations import backup_command, restore_command


def _fail(exc: ServiceError) -> NoReturn:
    details = "; ".join(f"{k}: {v}" for k, v in exc.details.items() if k != "__root__")
    raise click.ClickException(f"{exc.message} {details}".strip())


def _agency(slug: str) -> Agency:
    agency = db.session.scalars(select(Agency).where(Agency.slug == slug)).first()
    if agency is None:
        raise click.ClickException(f"No agency with slug {slug!r}.")
    return agency


def _currency(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    from .schemas.agency import _valid_currency

    try:
        return _valid_currency(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


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
@click.option("--currency", default="EUR", show_default=True, callback=_currency, help="ISO 4217 code.")
@with_appcontext
def create_agency_command(name: str, slug: str | None, tz: str, locale: str, currency: str) -> None:
    """Create an agency (a tenant)."""
    from .services.accounts import create_agency

    try:
        agency = create_agency(name, slug, tz, locale=locale, currency=currency)
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
    if not user.active:
        raise click.ClickException(f"{user.email} is deactivated; a token of theirs would not work.")
    _token, secret = create_token(user, name)
    click.echo(f"API token for {user.email} (send it as 'Authorization: Bearer <token>'):")
    click.echo(secret)


@click.command("demo")
@click.option("--reset", is_flag=True, help="Delete the demo agency and all in it, then load it afresh.")
@click.option(
    "--locale", default="es", type=click.Choice(["en", "es"]), show_default=True,
    help="The demo agency's language (users may have their own).",
)
@click.option("--host", default="127.0.0.1", show_default=True,
              help="The host 'realty-crm serve' will serve on, for the addresses printed.")
@click.option("--port", default=5000, show_default=True, type=int,
              help="The port 'realty-crm serve' will serve on, for the addresses printed.")
@with_appcontext
def demo_command(reset: bool, locale: str, host: str, port: int) -> None:
    """Load a demo agency (staff, properties, prospects, calls, visits, an enquiry form) and print
    how to sign in and where its form is."""
    from flask_migrate import upgrade

    from .demo import DEMO_PASSWORD, DEMO_SLUG, STAFF, DemoExists, demo_agency, load_demo, login_lines
    from .demo_form import demo_form_url
    from .secret_key import create_key_file

    upgrade(revision="heads")
    key_file = create_key_file(current_app.instance_path)
    if key_file is not None:
        click.echo(f"Created a random secret key for signing sessions in {key_file}.")
    base_url = f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"
    url = f"{base_url} (start the app with 'realty-crm serve --host {host} --port {port}')"
    try:
        result = load_demo(reset=reset, locale=locale)
    except DemoExists:
        click.echo(
            f"The demo agency (slug {DEMO_SLUG}) is already loaded; nothing was changed. "
            "Run 'realty-crm demo --reset' to load it afresh."
        )
        lines = login_lines(STAFF, DEMO_PASSWORD, url)
        agency = demo_agency()
    except ServiceError as exc:
        _fail(exc)
    else:
        counts = ", ".join(f"{n} {what.replace('_', '-')}" for what, n in result.counts.items())
        click.echo(f"Loaded the demo agency {result.agency.name} (slug {result.agency.slug}): {counts}.")
        lines = login_lines(result.staff, result.password, url)
        agency = result.agency
    for line in lines:
        click.echo(line)
    form_url = demo_form_url(agency, base_url) if agency is not None else None
    if form_url is not None:
        click.echo(f"Try the enquiry form as a visitor would (no sign-in): {form_url}")


SEED_TOTAL = "How many in all, shared out evenly over the agencies."


@click.command("seed")
@click.option("--prospects", default=0, show_default=True, type=click.IntRange(min=0), help=SEED_TOTAL)
@click.option("--properties", default=0, show_default=True, type=click.IntRange(min=0), help=SEED_TOTAL)
@click.option("--visits", default=0, show_default=True, type=click.IntRange(min=0), help=SEED_TOTAL)
@click.option("--calls", default=0, show_default=True, type=click.IntRange(min=0), help=SEED_TOTAL)
@click.option(
    "--agencies", type=click.IntRange(min=1),
    help="Create this many agencies (20 agents, an admin and a manager each) and share the data out [1].",
)
@click.option("--agency", "agency_slug", help="Add the data to this agency, with its users as agents.")
@click.option("--seed", "random_seed", default=1, show_default=True, type=int, help="Random generator seed.")
@with_appcontext
def seed_command(
    prospects: int, properties: int, visits: int, calls: int, agencies: int | None,
    agency_slug: str | None, random_seed: int,
) -> None:
    """Generate realistic synthetic data fast, in bulk, for benchmarks."""
    from flask_migrate import upgrade

    from .seed import SEED_PASSWORD, SeedError, SeedRequest, seed, summary_lines

    if agencies is not None and agency_slug is not None:
        raise click.UsageError("Give either --agencies or --agency, not both.")
    upgrade(revision="heads")
    request = SeedRequest(
        prospects=prospects, properties=properties, visits=visits, calls=calls,
        agencies=agencies, agency_slug=agency_slug, seed=random_seed,
    )
    try:
        report = seed(request, echo=click.echo)
    except SeedError as exc:
        raise click.ClickException(str(exc)) from None
    except ServiceError as exc:
        _fail(exc)
    for line in summary_lines(report):
        click.echo(line)
    if agency_slug is None:
        first = report.agencies[0]
        click.echo(
            f"Sign in as admin@{first}.example.com, manager@… or agent01@… (password: {SEED_PASSWORD})."
        )


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int, help="Threads per process.")
@click.option(
    "--workers", default=1, show_default=True, type=click.IntRange(1, 64),
    help="Processes: 1 is waitress in this process; more is gunicorn (Linux/Unix) with one "
    "process each, sharing the port.",
)
@with_appcontext
def serve_command(host: str, port: int, threads: int, workers: int) -> None:
    """Run the web app with a production WSGI server (waitress, or gunicorn for several processes)."""
    from . import serving
    from .secret_key import InsecureSecretKey, ensure_secret_key

    try:
        ensure_secret_key(current_app._get_current_object())  # type: ignore[attr-defined]
    except InsecureSecretKey as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Serving realty-crm on http://{host}:{port}/")
    if workers == 1:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        serving.serve_one_process(app, host, port, threads)
    else:
        if importlib.util.find_spec("gunicorn") is None:  # not installed on Windows
            raise click.ClickException("--workers above 1 needs gunicorn (Linux/Unix).")
        serving.serve_several_processes(_create_app, host, port, workers, threads)


@click.group("plugins")
def plugins_group() -> None:
    """List the installed plugins; enable or disable one in an agency."""


@plugins_group.command("list")
@click.option("--agency", "agency_slug", default=None, help="Also show whether each is enabled there.")
@with_appcontext
def plugins_list_command(agency_slug: str | None) -> None:
    """Every installed plugin with its title and version (and its state in ``--agency``), then
    those that failed to start."""
    from .plugin_host import get_host

    host = get_host()
    agency = _agency(agency_slug) if agency_slug is not None else None
    if not host.names and not host.failures:
        click.echo("No plugins are installed.")
        return
    enabled = host.enabled(agency) if agency is not None else frozenset()
    header = ["NAME", "VERSION", *([f"ENABLED IN {agency.slug}"] if agency else []), "TITLE"]
    rows = [header]
    for name in host.names:
        info = host.infos[name]
        state = ["yes" if name in enabled else "no"] if agency is not None else []
        rows.append([name, str(info.version), *state, str(info.title)])
    widths = [max(len(row[i]) for row in rows) for i in range(len(header) - 1)]
    for row in rows if host.names else []:
        click.echo("  ".join([*(v.ljust(w) for v, w in zip(row[:-1], widths, strict=True)), row[-1]]))
    for name in sorted(host.failures):
        failure = host.failures[name]
        click.echo(f"{name}: failed to start in {failure.hook}, off in every agency: {failure.message}")


def _switch_plugin(name: str, agency_slug: str, enabled: bool) -> None:
    from . import tenancy
    from .services.plugins import set_enabled

    agency = _agency(agency_slug)
    with tenancy.scope(agency.id):
        try:
            set_enabled(None, agency, name, enabled)
        except ServiceError as exc:
            _fail(exc)
    state = "enabled" if enabled else "disabled"
    click.echo(f"Plugin {name} is {state} in {agency.slug}.")


@plugins_group.command("enable")
@click.argument("name")
@click.option("--agency", "agency_slug", required=True, help="Slug of the agency.")
@with_appcontext
def plugins_enable_command(name: str, agency_slug: str) -> None:
    """Enable plugin NAME in an agency (running servers see it on their next request)."""
    _switch_plugin(name, agency_slug, True)


@plugins_group.command("disable")
@click.argument("name")
@click.option("--agency", "agency_slug", required=True, help="Slug of the agency.")
@with_appcontext
def plugins_disable_command(name: str, agency_slug: str) -> None:
    """Disable plugin NAME in an agency (its settings are kept)."""
    _switch_plugin(name, agency_slug, False)


@click.command("scheduler")
@click.option(
    "--once", is_flag=True,
    help="Run the jobs due now, then exit (for cron or a quick check); runs nothing if another "
    "scheduler holds the lock.",
)
@with_appcontext
def scheduler_command(once: bool) -> None:
    """Run the job scheduler. Run exactly one per deployment: a second one waits for the lock."""
    from .scheduler import SchedulerConfigError, serve

    try:
        serve(current_app._get_current_object(), once=once, echo=click.echo)  # type: ignore[attr-defined]
    except SchedulerConfigError as exc:
        raise click.ClickException(str(exc)) from None


def register_commands(app: Flask) -> None:
    """Attach the commands to ``app.cli`` (and so to the ``realty-crm`` group)."""
    for command in (
        init_command,
        create_agency_command,
        create_user_command,
        create_token_command,
        demo_command,
        seed_command,
        serve_command,
        plugins_group,
        scheduler_command,
        backup_command,
        restore_command,
    ):
        app.cli.add_command(command)


def _create_app():  # type: ignore[no-untyped-def]
    from . import create_app

    # Flask's development server loads the app inside its `run` command: it serves, so the key
    # is checked (a `--debug` run may use the development key); `serve` checks it itself, and
    # the other commands sign no cookies
    context = click.get_current_context(silent=True)
    return create_app(check_secret_key=context is not None and context.info_name == "run")


main = FlaskGroup(create_app=_create_app, help="realty-crm: the CRM for estate agencies.")
