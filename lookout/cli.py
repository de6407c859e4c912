"""Command line of the Lookout image: ``python -m lookout COMMAND``."""

from __future__ import annotations

import click
from pydantic import ValidationError
from pydantic_settings import SettingsError

from lookout import __version__
from lookout.check_config import format_validation_error, load_settings, render_config
from lookout.settings import SERVICES

SERVICE = click.Choice(sorted(SERVICES))
NOT_HERE = 2  # exit code of commands this reference package only names


@click.group()
@click.version_option(__version__, prog_name="lookout")
def main() -> None:
    """Lookout, a self-hosted observability platform."""


@main.command("check-config")
@click.argument("service", type=SERVICE)
def check_config(service: str) -> None:
    """Load SERVICE's settings (env vars, then secret files) and print them, secrets masked.

    Secret files are read from $LOOKOUT_SECRETS_DIR (default /run/secrets/lookout), one
    file per setting, named like its env var.
    """
    try:
        settings = load_settings(service)
    except ValidationError as error:
        click.echo(format_validation_error(SERVICES[service], error), err=True)
        raise SystemExit(1) from None
    except SettingsError as error:
        # Raised before validation: unparsable JSON in a complex env var (the cause says
        # where), or an unusable secrets directory (no cause).
        cause = f": {error.__cause__}" if error.__cause__ else ""
        click.echo(f"{SERVICES[service].__name__}: {error}{cause}", err=True)
        raise SystemExit(1) from None
    click.echo(render_config(settings))


@main.command()
@click.argument("service", type=SERVICE)
def serve(service: str) -> None:
    """Run SERVICE (not part of this reference package)."""
    click.echo(f"serve {service}: not implemented in the lookout reference package", err=True)
    raise SystemExit(NOT_HERE)


@main.command()
def migrate() -> None:
    """Migrate the database schema (not part of this reference package yet)."""
    click.echo("migrate: not implemented in the lookout reference package yet", err=True)
    raise SystemExit(NOT_HERE)
