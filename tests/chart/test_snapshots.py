"""Snapshots of rendered manifests guard against unreviewed change; the meaning is asserted in
the other tests. The generated files themselves are guarded by the drift check (`chartgen
check`), so they are not snapshotted twice.

Update on purpose only (`pytest tests/chart/test_snapshots.py --snapshot-update`) and read the diff.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.helm import CHART, EXAMPLES, PINNED, PRESETS, Helm, normalize_generated

MINIMAL = CHART / "ci" / "minimal-values.yaml"


@pytest.mark.parametrize("preset", PRESETS)
def test_rendered_manifests(preset: str, tmp_path: Path, snapshot) -> None:
    # One Helm line suffices here: test_render shows both render the same documents.
    helm = Helm("helm4", PINNED["helm4"], tmp_path)
    documents = normalize_generated(helm.template([MINIMAL], [f"preset={preset}"]))
    text = yaml.safe_dump_all(documents, sort_keys=True, width=120)
    assert text == snapshot


@pytest.mark.parametrize("example", [e.name for e in EXAMPLES if e.name != "minimal-values.yaml"])
def test_rendered_examples(example: str, tmp_path: Path, snapshot) -> None:
    helm = Helm("helm4", PINNED["helm4"], tmp_path)
    documents = normalize_generated(helm.template([CHART / "ci" / example]))
    assert yaml.safe_dump_all(documents, sort_keys=True, width=120) == snapshot
