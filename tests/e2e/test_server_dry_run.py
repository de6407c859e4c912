"""Every example values file × sizing preset, rendered with `helm template --namespace NS`
and applied with `kubectl apply --dry-run=server` into a namespace enforcing the restricted
Pod Security Standard: the real API server's validation and admission accept every object."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.kube import CHART, helm_binary, kubectl, restricted_namespace, run

pytestmark = pytest.mark.e2e

VALUES = sorted((CHART / "ci").glob("*-values.yaml"))
PRESETS = sorted(path.stem for path in (CHART / "presets").glob("*.yaml"))


@pytest.fixture(scope="module")
def namespace() -> Iterator[str]:
    with restricted_namespace("dry-run") as name:
        yield name


def render(values: Path, preset: str, namespace: str) -> str:
    helm = str(helm_binary("helm4"))
    args = ["template", "lookout", str(CHART), "--namespace", namespace, "-f", str(values)]
    return run(helm, *args, "--set", f"preset={preset}").stdout


@pytest.mark.parametrize("preset", PRESETS)
@pytest.mark.parametrize("values", VALUES, ids=[path.stem for path in VALUES])
def test_server_accepts_every_object(values: Path, preset: str, namespace: str) -> None:
    manifest = render(values, preset, namespace)
    applied = kubectl("-n", namespace, "apply", "--dry-run=server", "-f", "-", stdin=manifest)
    assert "Warning" not in applied.stderr, applied.stderr
    assert applied.stdout.count("(server dry run)") == manifest.count("\nkind: "), applied.stdout
