"""Where things are: read from ``[tool.chartgen]`` in the project's pyproject.toml."""

from __future__ import annotations

import importlib
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

from chartgen.model.declaration import ChartDeclaration

PACKAGE = Path(__file__).resolve().parent
# What a project gets unless it names its own: the package's templates and default presets.
DEFAULT_TEMPLATES = PACKAGE / "templates"
DEFAULT_PRESETS = PACKAGE / "presets"


class ProjectError(ValueError):
    """The project's [tool.chartgen] table points at something that is not there."""


@dataclass(frozen=True)
class Project:
    root: Path
    declaration: str  # "module:attribute"
    templates: Path
    presets: Path
    examples: Path
    output: Path
    changelog: Path  # the chart's release notes, shipped as its CHANGELOG.md
    lock: Path  # every leaf setting and its role, committed (chartgen roles --write)
    regenerate: str  # the command generated files tell readers to run

    def load_declaration(self) -> ChartDeclaration:
        module_name, _, attribute = self.declaration.partition(":")
        if str(self.root) not in sys.path:
            sys.path.insert(0, str(self.root))
        importlib.invalidate_caches()  # the project may have been written by this process
        try:
            declaration = getattr(importlib.import_module(module_name), attribute)
        except (ImportError, AttributeError) as error:
            raise ProjectError(
                f"[tool.chartgen] declaration = {self.declaration!r} in {self.root}/pyproject."
                f"toml cannot be loaded: {error}"
            ) from error
        if not isinstance(declaration, ChartDeclaration):
            raise ProjectError(f"{self.declaration} is not a chartgen ChartDeclaration")
        return declaration


def _directory(root: Path, table: dict[str, str], key: str, default: Path) -> Path:
    if key not in table:
        return default
    path = root / table[key]
    if not path.is_dir():
        raise ProjectError(
            f"[tool.chartgen] {key} = {table[key]!r}: no directory {path}; create it or drop "
            f"the key to use chartgen's own ({default})"
        )
    return path


def load_project(directory: Path) -> Project:
    table = tomllib.loads((directory / "pyproject.toml").read_text())["tool"]["chartgen"]
    presets = directory / "presets"
    return Project(
        root=directory,
        declaration=table["declaration"],
        templates=_directory(directory, table, "templates", DEFAULT_TEMPLATES),
        presets=_directory(
            directory, table, "presets", presets if presets.is_dir() else DEFAULT_PRESETS
        ),
        examples=directory / table.get("examples", "examples"),
        output=directory / table.get("output", "generated"),
        changelog=directory / table.get("changelog", "CHANGELOG.md"),
        lock=directory / table.get("lock", "chartgen.lock"),
        regenerate=table.get("regenerate", "chartgen build"),
    )


def find_project(start: Path) -> Project:
    for directory in (start, *start.parents):
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file():
            tool = tomllib.loads(pyproject.read_text()).get("tool", {})
            if "chartgen" in tool:
                return load_project(directory)
    raise FileNotFoundError(f"no pyproject.toml with [tool.chartgen] at or above {start}")
