"""Compare a base chart with the current one: values API, rendered objects, semver verdict."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from chartgen.diff.model import CLASSIFICATIONS, Change
from chartgen.diff.renders import Renderer, compare_renders
from chartgen.diff.schema_keys import schema_keys
from chartgen.diff.semver import Verdict, verdict
from chartgen.diff.values_api import compare_values


class ChartError(ValueError):
    """A directory is not a chart this command can read."""


@dataclass(frozen=True)
class Report:
    chart: str
    base: str  # where the base chart came from (revision or directory)
    changes: tuple[Change, ...]
    verdict: Verdict
    renders: tuple[str, ...]  # preset × example renders compared


def _yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text()) if path.is_file() else None
    except yaml.YAMLError as error:
        raise ChartError(f"{path}: {error}") from error


def chart_meta(chart: Path) -> dict[str, Any]:
    meta = _yaml(chart / "Chart.yaml")
    if not isinstance(meta, dict) or "version" not in meta:
        raise ChartError(f"{chart} has no Chart.yaml with a version: not a chart directory")
    return meta


def _schema(chart: Path) -> dict[str, Any]:
    path = chart / "values.schema.json"
    # No schema: Helm accepts any values, as an empty schema does.
    return json.loads(path.read_text()) if path.is_file() else {}


def _order(change: Change) -> tuple[int, int]:
    return CLASSIFICATIONS.index(change.classification), 0 if change.path is not None else 1


def diff_charts(base: Path, current: Path, render: Renderer, base_label: str) -> Report:
    old_meta, new_meta = chart_meta(base), chart_meta(current)
    changes = compare_values(
        schema_keys(_schema(base)),
        schema_keys(_schema(current)),
        _yaml(base / "values.yaml") or {},
        _yaml(current / "values.yaml") or {},
    )
    rendered, renders = compare_renders(base, current, render)
    changes += rendered
    ordered = tuple(sorted(changes, key=_order))
    try:
        gate = verdict(str(old_meta["version"]), str(new_meta["version"]), ordered)
    except ValueError as error:
        raise ChartError(str(error)) from error
    name = str(new_meta.get("name", current.name))
    return Report(name, base_label, ordered, gate, renders)
