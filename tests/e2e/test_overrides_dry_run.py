"""Every production override (tests/chart/test_pod_overrides.py's OVERRIDES, plus the NetworkPolicy
peer choices and /tmp's size limit), rendered by each Helm line and applied with
`kubectl apply --dry-run=server` into a namespace enforcing Pod Security `restricted`: the real
API server's validation and admission accept every object, without a warning."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.chart.test_pod_overrides import OVERRIDES
from tests.e2e.kube import CHART, helm_binary, kubectl, restricted_namespace, run

pytestmark = pytest.mark.e2e

MINIMAL = CHART / "ci" / "minimal-values.yaml"
RESTRICTED = {
    "allowPrivilegeEscalation": False,
    "readOnlyRootFilesystem": True,
    "runAsNonRoot": True,
    "capabilities": {"drop": ["ALL"]},
    "seccompProfile": {"type": "RuntimeDefault"},
}
NETWORK = {
    "networkPolicy": {
        "dns": {"cidrs": ["169.254.20.10/32"]},
        "ingressController": {"cidrs": ["10.0.16.0/20"]},
        "clients": {"anyAddress": True},
        "egress": {"oidc": {"anyAddress": True}},
    },
    "ingest": {"tmpSizeLimit": "256Mi", "service": {"type": "LoadBalancer"}},
}


def restricted_overrides() -> dict[str, Any]:
    """OVERRIDES with Pod Security `restricted` contexts on the containers it adds or changes."""
    values = copy.deepcopy(OVERRIDES)
    api = values["api"]
    api["securityContext"] = RESTRICTED
    for key in ("initContainers", "sidecars"):
        api[key] = [{**container, "securityContext": RESTRICTED} for container in api[key]]
    migrations = values["migrations"]
    migrations["initContainers"] = [
        {**c, "securityContext": RESTRICTED} for c in migrations["initContainers"]
    ]
    for key, value in NETWORK.items():
        values[key] = {**values.get(key, {}), **value}
    return values


@pytest.fixture(scope="module")
def namespace() -> Iterator[str]:
    with restricted_namespace("overrides") as name:
        yield name


@pytest.mark.parametrize("line", ["helm3", "helm4"])
def test_server_accepts_every_override(line: str, namespace: str, tmp_path: Path) -> None:
    values = tmp_path / "overrides.yaml"
    values.write_text(yaml.safe_dump(restricted_overrides()))
    args = ["template", "lookout", str(CHART), "--namespace", namespace]
    manifest = run(str(helm_binary(line)), *args, "-f", str(MINIMAL), "-f", str(values)).stdout
    applied = kubectl("-n", namespace, "apply", "--dry-run=server", "-f", "-", stdin=manifest)
    assert "Warning" not in applied.stderr, applied.stderr
    assert applied.stdout.count("(server dry run)") == manifest.count("\nkind: "), applied.stdout
