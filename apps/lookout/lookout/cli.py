"""Command line of the Lookout image: ``python -m lookout COMMAND``."""

from __future__ import annotations

from typing import NoReturn

import click
from pydantic import ValidationError
from pydantic_settings import SettingsError

from lookout import __version__
from lookout.check_config import format_validation_error, load_settings, render_config
from lookout.settings import SERVICES, ServiceSettings
from lookout.settings.database import DatabaseSettings
from lookout.settings.migrations import MigrationsSettings

SERVICE = click.Choice(sorted(SERVICES))
# Services whose pods may wait for the database with check-database.
DATABASE_SERVICE = click.Choice(
    sorted(name for name, settings in SERVICES.items() if "database" in settings.model_fields)
)


def _load(service: str) -> ServiceSettings:
    """SERVICE's settings, or exit 1 after saying why they did not load (secrets unshown)."""
    try:
        return load_settings(service)
    except ValidationError as error:
        click.echo(format_validation_error(SERVICES[service], error), err=True)
        raise SystemExit(1) from None
    except SettingsError as error:
        # Raised before validation: unparsable JSON in a complex env var (the cause says
        # where), or an unusable secrets directory (no cause).
        cause = f": {error.__cause__}" if error.__cause__ else ""
        click.echo(f"{SERVICES[service].__name__}: {error}{cause}", err=True)
        raise SystemExit(1) from None


def _fail(message: str) -> NoReturn:
    click.echo(message, err=True)
    raise SystemExit(1)


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
    click.echo(render_config(_load(service)))


@main.command()
@click.argument("service", type=SERVICE)
@click.pass_context
def serve(ctx: click.Context, service: str) -> None:
    """Run SERVICE until SIGTERM, with settings as check-config shows them.

    ``serve migrations`` runs ``migrate`` (a Job, not a server).
    """
    if service == "migrations":
        ctx.invoke(migrate)
        return
    from lookout.serve import run

    raise SystemExit(run(service, _load(service)))


@main.command()
def migrate() -> None:
    """Bring the database schema to target_revision; safe to run again and concurrently.

    Settings as for the migrations service (check-config migrations shows them).
    """
    # Imported here: check-config, the exec probe run every few seconds, need not pay for
    # loading the driver (about as long as the rest of the CLI).
    from lookout.db.connection import DatabaseUnavailable, connect, describe, redact
    from lookout.db.migrate import MigrationFailed
    from lookout.db.migrate import migrate as run_migrations

    settings = _load("migrations")
    assert isinstance(settings, MigrationsSettings)
    database = settings.database
    click.echo(f"migrating {describe(database)} to {settings.target_revision}")
    try:
        with connect(database, "lookout-migrate") as conn:
            outcome = run_migrations(
                conn, settings.target_revision, settings.lock_timeout_seconds, click.echo
            )
    except (DatabaseUnavailable, MigrationFailed) as error:
        _fail(f"migrate: {redact(str(error), database)}")
    count = len(outcome.applied)
    done = f"applied {count} migration{'s' * (count != 1)}" if count else "nothing to apply"
    click.echo(f"database at {outcome.current}; {done}")
    if outcome.unknown:
        # A newer release migrated this database; this one neither undoes nor needs that.
        click.echo(f"note: versions unknown to this release: {', '.join(outcome.unknown)}")


@main.command("check-database")
@click.argument("service", type=DATABASE_SERVICE)
@click.option(
    "--wait",
    "wait_seconds",
    type=click.FloatRange(min=0),
    default=0,
    show_default=True,
    help="Retry every 2 s for up to this many seconds.",
)
def check_database(service: str, wait_seconds: float) -> None:
    """Exit 0 when SERVICE's database is reachable and migrated to head, else say why, exit 1.

    The readiness gate of an init container: app pods start after the migrations landed.
    """
    from lookout.db.connection import describe
    from lookout.db.readiness import wait_until_ready

    database = getattr(_load(service), "database", None)
    assert isinstance(database, DatabaseSettings)
    reason = wait_until_ready(database, wait_seconds, lambda line: click.echo(line, err=True))
    if reason is not None:
        # The reason itself was reported as it appeared.
        if wait_seconds:
            click.echo(f"check-database: still not ready after {wait_seconds:g} s", err=True)
        raise SystemExit(1)
    click.echo(f"{describe(database)} is reachable and migrated to head")
