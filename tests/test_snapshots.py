"""Snapshots guard against unreviewed change; the meaning is asserted in the other tests.

Update on purpose only (`pytest tests/test_snapshots.py --snapshot-update`) and read the diff.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from chartgen.build import build_chart
from chartgen.config import find_project
from tests.helm import CHART, PINNED, PRESETS, Helm, normalize_generated

ROOT = Path(__file__).resolve().parent.parent
FILES = sorted(build_chart(find_project(ROOT / "apps" / "lookout")).files)
MINIMAL = CHART / "ci" / "minimal-values.yaml"


@pytest.fixture(scope="module")
def chart_files() -> dict[str, str]:
    return build_chart(find_project(ROOT / "apps" / "lookout")).files


@pytest.mark.parametrize("path", FILES)
def test_generated_file(chart_files: dict[str, str], path: str, snapshot) -> None:
    assert chart_files[path] == snapshot


@pytest.mark.parametrize("preset", PRESETS)
def test_rendered_manifests(preset: str, tmp_path: Path, snapshot) -> None:
    # One Helm line suffices here: test_render shows both render the same documents.
    helm = Helm("helm4", PINNED["helm4"], tmp_path)
    documents = normalize_generated(helm.template([MINIMAL], [f"preset={preset}"]))
    text = yaml.safe_dump_all(documents, sort_keys=True, width=120)
    assert text == snapshot
