"""The chart's dev mode on the local cluster: `helm install` with the CI dev values and the
local images (.cluster/images-values.yaml), as an air-gapped customer's mirror would: the
chart starts every dev container with its own commands, so images with just the binaries
serve."""

from __future__ import annotations

import json
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
STATE = REPO / ".cluster"
HELM = REPO / ".tools" / "helm-4.3.1" / "helm"
KUBECONFIG = str(STATE / "kubeconfig")


def run(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(
        list(args),
        capture_output=True,
        text=True,
        check=check,
        timeout=600,
        env={"KUBECONFIG": KUBECONFIG, "PATH": f"{STATE / 'bin'}:/usr/bin:/bin", "HOME": "/tmp"},
    )


@pytest.fixture(scope="module")
def release() -> Iterator[str]:
    if not HELM.exists():
        pytest.skip("Helm 4 is not installed: make tools")
    namespace = f"dev-{uuid.uuid4().hex[:8]}"
    run(
        str(HELM),
        "install",
        "lookout",
        str(REPO / "generated" / "lookout"),
        "--namespace",
        namespace,
        "--create-namespace",
        "-f",
        str(REPO / "generated" / "lookout" / "ci" / "dev-values.yaml"),
        "-f",
        str(STATE / "images-values.yaml"),
    )
    yield namespace
    run(str(HELM), "uninstall", "lookout", "--namespace", namespace, check=False)
    run("kubectl", "delete", "namespace", namespace, "--wait=false", check=False)


@pytest.mark.parametrize(
    "workload",
    ["statefulset/lookout-postgresql", "statefulset/lookout-minio", "deployment/lookout-maildev"],
)
def test_dev_service_becomes_ready(release: str, workload: str) -> None:
    run("kubectl", "-n", release, "rollout", "status", workload, "--timeout=300s")


@pytest.mark.parametrize("component", ["minio-bucket", "migrations"])
def test_dev_job_completes(release: str, component: str) -> None:
    # Named by its content (a hash), so found by its component label.
    jobs = f"app.kubernetes.io/component={component}"
    run("kubectl", "-n", release, "wait", "job", "-l", jobs, "--for=condition=Complete",
        "--timeout=300s")  # fmt: skip


def test_dev_data_volumes_are_bound(release: str) -> None:
    claims = json.loads(run("kubectl", "-n", release, "get", "pvc", "-o", "json").stdout)["items"]
    assert sorted(c["metadata"]["name"] for c in claims) == [
        "data-lookout-minio-0",
        "data-lookout-postgresql-0",
    ]
    assert {c["status"]["phase"] for c in claims} == {"Bound"}
