"""`chartgen init` writes a project that builds and lints on both Helm lines as written."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

from tests.helm import Helm

HERE = Path(__file__).resolve().parent


def _chartgen(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": f"{HERE}{os.pathsep}{cwd}"}
    return subprocess.run(
        [sys.executable, "-m", "chartgen", *args], capture_output=True, text=True, cwd=cwd, env=env
    )


def test_init_then_build_and_lint_with_no_edit(tmp_path: Path, helm: Helm) -> None:
    project = tmp_path / "vendor"
    made = _chartgen(
        tmp_path,
        "init",
        "test_env_contract:VendorSettings",
        "--name",
        "vendor",
        "--port",
        "4200",
        "--directory",
        str(project),
    )
    assert made.returncode == 0, made.stderr
    assert "5 settings" in made.stdout
    declaration = (project / "vendor_chart.py").read_text()
    # SecretStr holding a URL: a sensitive endpoint; everything unrecognised stays internal.
    assert '"server.database.url": Endpoint("database", sensitive=True)' in declaration
    lock = (project / "chartgen.lock").read_text()
    assert (
        "server.database.url: endpoint(database, sensitive)\n  VENDOR_SERVER_DATABASE_URL" in lock
    )
    assert "debug: internal\n  VENDOR_DEBUG" in lock
    assert sorted(p.name for p in (project / "presets").glob("*.yaml")) == [
        "large.yaml",
        "small.yaml",
        "standard.yaml",
        "tiny.yaml",
    ]
    built = _chartgen(project, "build")
    assert built.returncode == 0, built.stderr
    chart = project / "generated" / "vendor"
    values = chart / "ci" / "minimal-values.yaml"
    lint = helm.run("lint", "--strict", str(chart), "--values", str(values))
    assert lint.returncode == 0, lint.stdout + lint.stderr
    docs = helm.template([values], chart=chart)
    assert "Deployment" in {d["kind"] for d in docs}
    assert yaml.safe_load((chart / "Chart.yaml").read_text())["name"] == "vendor"


def test_init_refuses_a_non_empty_directory(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    made = _chartgen(
        tmp_path, "init", "test_env_contract:VendorSettings", "--name", "v", "--directory", "."
    )
    assert made.returncode == 1
    assert "is not empty" in made.stderr
