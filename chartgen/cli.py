"""chartgen's command line: build the chart, or check that the committed one is fresh."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import click

from chartgen.build import build_chart, chart_dir, stale_diff, write_chart
from chartgen.config import Project, ProjectError, find_project, load_project
from chartgen.model.lock import render_lock, spec_settings
from chartgen.model.spec import SpecError, build_spec
from chartgen.presets import PresetError


def _project(root: Path | None) -> Project:
    try:
        return find_project((root or Path.cwd()).resolve())
    except (FileNotFoundError, ProjectError) as error:
        raise click.ClickException(str(error)) from error


def _build(project: Project):  # noqa: ANN202 - the Chart type is internal to chartgen.build
    try:
        return build_chart(project)
    except (SpecError, PresetError, ProjectError) as error:
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
            f"\n{chart_dir(project, chart)} is stale: "
            f"run `{project.regenerate}` and commit the result.",
            err=True,
        )
        sys.exit(1)
    click.echo(f"{chart_dir(project, chart)} is up to date ({len(chart.files)} files).")


@main.command()
@PROJECT_OPTION
@click.option("--write", is_flag=True, help="Write the roles lock file (chartgen.lock).")
def roles(root: Path | None, write: bool) -> None:
    """Show every leaf setting, the env var the app reads and its chart role.

    With --write, record them in the project's lock file, which the build then holds the app
    to: a leaf that appears, disappears or changes role fails the build until written again.
    """
    project = _project(root)
    try:
        spec = build_spec(project.load_declaration())
    except (SpecError, ProjectError) as error:
        raise click.ClickException(str(error)) from error
    text = render_lock(spec)
    if write:
        project.lock.write_text(text)
        click.echo(f"{project.lock}: {len(spec_settings(spec))} settings")
    else:
        sys.stdout.write(text)


@main.command()
@click.argument("target", metavar="MODULE:CLASS")
@click.option("--name", required=True, help="Chart name (lower case, dashes allowed).")
@click.option("--command", "command", default="", help="The container's command line.")
@click.option("--port", type=click.IntRange(1, 65535), help="The HTTP port it listens on.")
@click.option(
    "--directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    help="Where to write the project (empty; default: here).",
)
def init(target: str, name: str, command: str, port: int | None, directory: Path) -> None:
    """Write a chartgen project for an existing settings class (MODULE:CLASS).

    Every leaf setting gets a suggested role (SecretStr: secret, URL/DSN/host names:
    endpoint, log levels: value, the rest internal), recorded in the declaration's role map
    and in chartgen.lock; presets and a minimal values file are written beside it. `chartgen
    build` and `helm lint --strict` pass as written; then review the roles.
    """
    from chartgen.init import InitError, init_project

    directory = directory.resolve()
    try:
        written = init_project(directory, target, name, tuple(command.split()) or (name,), port)
        project = load_project(directory)
        spec = build_spec(project.load_declaration())
    except (InitError, SpecError, ProjectError) as error:
        raise click.ClickException(str(error)) from error
    project.lock.write_text(render_lock(spec))
    for path in [*written, project.lock]:
        click.echo(f"wrote {path.relative_to(directory)}")
    roles = sorted({s.role.label for s in spec_settings(spec)})
    click.echo(f"{len(spec_settings(spec))} settings; roles used: {', '.join(roles)}.")
    click.echo("Next: review the roles in the declaration, then `chartgen build`.")


class _DiffUsageError(click.ClickException):
    # Exit 1 means "the version bump is not enough": anything else that stops diff is 2.
    exit_code = 2


def _current_chart(root: Path | None) -> tuple[Path, Path]:
    """(project root, current chart directory) without building: diff reads what is written."""
    try:
        project = find_project((root or Path.cwd()).resolve())
    except FileNotFoundError as error:
        raise _DiffUsageError(str(error)) from error
    charts = sorted(p.parent for p in project.output.glob("*/Chart.yaml"))
    if len(charts) == 1:
        return project.root, charts[0]
    name = project.load_declaration().name
    return project.root, project.output / name


@main.command()
@click.option(
    "--base",
    required=True,
    metavar="REV|DIR",
    help="The chart to compare with: a git revision of this repository (its generated "
    "chart at that revision), or an older generated chart directory.",
)
@click.option(
    "--format",
    "output",
    type=click.Choice(["markdown", "json"]),
    default="markdown",
    show_default=True,
    help="Upgrade notes in markdown, or a JSON list of changes with the verdict.",
)
@click.option(
    "--helm",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Helm binary rendering both charts (default: Helm 4 from .tools/, else helm on PATH).",
)
@PROJECT_OPTION
def diff(base: str, output: str, helm: Path | None, root: Path | None) -> None:
    """Compare the written chart with a base chart; gate the version bump.

    Reports values keys added, removed, renamed (declared in the schema), and changes to
    their types, requirement, enums, ranges, defaults and descriptions; and, rendering every
    preset × ci/ example with both charts, objects added or removed and changes to fields
    Kubernetes cannot update in place. Each change is breaking, needs-attention or safe.

    Exits 0 when Chart.yaml's version bump covers the changes (breaking: major, or minor
    on 0.x; anything else: patch), 1 when it does not, 2 on usage errors.
    """
    # Imported here: build and check, which run on every `make chart`, do not need them.
    from chartgen.diff.compare import ChartError, diff_charts
    from chartgen.diff.json_report import render_json
    from chartgen.diff.markdown import render_markdown
    from chartgen.diff.render import Helm, HelmError, default_helm
    from chartgen.diff.source import BaseError, base_chart

    project_root, current = _current_chart(root)
    try:
        binary = helm or default_helm(project_root)
        with (
            tempfile.TemporaryDirectory(prefix="chartgen-helm-") as home,
            base_chart(base, current) as (base_dir, label),
        ):
            renderer = Helm(binary, Path(home))
            renderer.version()  # fail early and clearly when it cannot run
            report = diff_charts(
                base_dir,
                current,
                lambda chart, values, preset: renderer.template(
                    chart, current.name, values, preset
                ),
                label,
            )
    except (BaseError, ChartError, HelmError) as error:
        raise _DiffUsageError(str(error)) from error
    click.echo(render_json(report) if output == "json" else render_markdown(report), nl=False)
    if not report.verdict.ok:
        click.echo(f"The version bump is not enough: {report.verdict.message}", err=True)
        sys.exit(1)
