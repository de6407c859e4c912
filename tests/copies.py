"""Temporary copies of this project, for tests that change the app's models."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "apps" / "lookout"


def copy_project(target: Path) -> Path:
    """lookout's chartgen project and its generated chart in one directory (output "generated")."""
    shutil.copytree(
        APP, target, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"), dirs_exist_ok=True
    )
    shutil.copytree(ROOT / "generated", target / "generated")
    pyproject = target / "pyproject.toml"
    text = pyproject.read_text().replace('output = "../../generated"', 'output = "generated"')
    pyproject.write_text(text)
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
