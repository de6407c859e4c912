"""Temporary copies of this project, for tests that change the app's models."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROJECT_PARTS = (
    "pyproject.toml",
    "CHANGELOG.md",
    "lookout",
    "templates",
    "presets",
    "examples",
    "generated",
)


def copy_project(target: Path) -> Path:
    for part in PROJECT_PARTS:
        source = ROOT / part
        if not source.exists():
            continue
        if source.is_dir():
            shutil.copytree(source, target / part, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, target / part)
    return target


def chartgen(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the chartgen CLI on a copy; the copy's own `lookout` package is the one imported."""
    env = {**os.environ, "PYTHONPATH": str(project)}
    return subprocess.run(
        [sys.executable, "-m", "chartgen", *args, "--project", str(project)],
        capture_output=True,
        text=True,
        env=env,
        cwd=project,
    )
