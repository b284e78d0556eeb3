"""The operators' commands ``realty-crm backup PATH`` and ``realty-crm restore PATH``."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from . import backup as backups


@click.command("backup")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--overwrite", is_flag=True, help="Replace PATH if it exists.")
@with_appcontext
def backup_command(path: Path, overwrite: bool) -> None:
    """Copy the whole database to the file PATH (safe while the app runs)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        backups.backup(app, path, overwrite=overwrite)
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Backed up {backups.describe(app)} to {path} ({path.stat().st_size} bytes).")


@click.command("restore")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore_command(path: Path, yes: bool) -> None:
    """Replace the whole database with the backup in PATH (made by 'realty-crm backup')."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        backups.check_backup(app, path)
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    if not yes:
        click.confirm(
            f"Replace ALL data of every agency in {backups.describe(app)} with the backup {path}?",
            abort=True,
        )
    try:
        result = backups.restore(app, path)
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Restored {backups.describe(app)} from {path}.")
    if result.migrated:
        click.echo("The backup came from an older version; it was migrated to the current schema.")
