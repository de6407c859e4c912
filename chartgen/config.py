"""Where things are: read from ``[tool.chartgen]`` in the project's pyproject.toml."""

from __future__ import annotations

import importlib
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

from chartgen.declaration import ChartDeclaration


@dataclass(frozen=True)
class Project:
    root: Path
    declaration: str  # "module:attribute"
    templates: Path
    presets: Path
    examples: Path
    output: Path
    changelog: Path  # the chart's release notes, shipped as its CHANGELOG.md

    def load_declaration(self) -> ChartDeclaration:
        module_name, _, attribute = self.declaration.partition(":")
        if str(self.root) not in sys.path:
            sys.path.insert(0, str(self.root))
        declaration = getattr(importlib.import_module(module_name), attribute)
        if not isinstance(declaration, ChartDeclaration):
            raise TypeError(f"{self.declaration} is not a chartgen ChartDeclaration")
        return declaration


def find_project(start: Path) -> Project:
    for directory in (start, *start.parents):
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file():
            table = tomllib.loads(pyproject.read_text()).get("tool", {}).get("chartgen")
            if table is not None:
                return Project(
                    root=directory,
                    declaration=table["declaration"],
                    templates=directory / table.get("templates", "templates"),
                    presets=directory / table.get("presets", "presets"),
                    examples=directory / table.get("examples", "examples"),
                    output=directory / table.get("output", "generated"),
                    changelog=directory / table.get("changelog", "CHANGELOG.md"),
                )
    raise FileNotFoundError(f"no pyproject.toml with [tool.chartgen] at or above {start}")
