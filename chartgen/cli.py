"""chartgen's command line: build the chart, or check that the committed one is fresh."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from chartgen.build import build_chart, chart_dir, stale_diff, write_chart
from chartgen.config import Project, find_project
from chartgen.presets import PresetError
from chartgen.spec import SpecError


def _project(root: Path | None) -> Project:
    try:
        return find_project((root or Path.cwd()).resolve())
    except FileNotFoundError as error:
        raise click.ClickException(str(error)) from error


def _build(project: Project):  # noqa: ANN202 - the Chart type is internal to chartgen.build
    try:
        return build_chart(project)
    except (SpecError, PresetError) as error:
        raise click.ClickException(str(error)) from error


PROJECT_OPTION = click.option(
    "--project",
    "root",
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory with the pyproject.toml holding [tool.chartgen] (default: search upwards).",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="chartgen")
def main() -> None:
    """Generate a Helm chart from an app's pydantic settings models.

    The app's models are the single source of truth: every settings field carries a chart
    role (value, secret, endpoint, wired, internal), and the chart (values.yaml, its schema,
    templates, README) is written from them into the output directory named in
    [tool.chartgen] of pyproject.toml.
    """


@main.command()
@PROJECT_OPTION
def build(root: Path | None) -> None:
    """Write the chart from the app's models.

    Files the chart no longer has are removed. Fails, naming Model.field and the roles to
    choose from, while any settings field has no chart role.
    """
    project = _project(root)
    chart = _build(project)
    changed = write_chart(project, chart)
    where = chart_dir(project, chart)
    click.echo(f"{where}: {len(chart.files)} files, {len(changed)} changed")


@main.command()
@PROJECT_OPTION
def check(root: Path | None) -> None:
    """Fail with a diff if the written chart is stale.

    Rebuilds the chart in memory and compares it with the output directory; exits 1 and
    prints a unified diff when they differ (CI's drift check), 0 when they match.
    """
    project = _project(root)
    chart = _build(project)
    diff = stale_diff(project, chart)
    if diff:
        sys.stdout.write(diff)
        click.echo(
            f"\n{chart_dir(project, chart)} is stale: run `make chart` and commit the result.",
            err=True,
        )
        sys.exit(1)
    click.echo(f"{chart_dir(project, chart)} is up to date ({len(chart.files)} files).")
