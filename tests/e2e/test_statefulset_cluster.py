"""The StatefulSet kind on the real API server, with the tiny app of
tests/generator/test_statefulset.py: its objects (persistence and update overrides, autoscaling)
pass `kubectl apply --dry-run=server` under Pod Security `restricted`; an installed release
refuses, before applying anything, an upgrade that would change the claims or the pod
management policy, naming the key and the fix, and takes it once the fix is done; `helm
uninstall` leaves the data's PVCs. The app's image is not needed: no pod has to run."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.kube import Release, helm_binary, kube_json, kubectl, new_name, restricted_namespace
from tests.generator.test_diff import build, write_project
from tests.generator.test_statefulset import EDITS

pytestmark = pytest.mark.e2e

OVERRIDES = (
    "store.persistence.size=3Gi",
    "store.persistence.accessModes={ReadWriteOncePod}",
    "store.persistence.annotations.backup\\.example\\.com/policy=daily",
    "store.persistentVolumeClaimRetentionPolicy.whenScaled=Delete",
    "store.podManagementPolicy=Parallel",
    "store.updateStrategy.rollingUpdate.partition=1",
    "store.autoscaling.enabled=true",
)


@pytest.fixture(scope="module")
def chart(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(write_project(tmp_path_factory.mktemp("statefulset-e2e"), EDITS))


@contextlib.contextmanager
def _release(line: str) -> Iterator[Release]:
    with restricted_namespace("sts") as namespace:
        yield Release(line, new_name("rel"), namespace)


def _args(chart: Path, *sets: str) -> list[str]:
    args = [str(chart), "-f", str(chart / "ci" / "minimal-values.yaml")]
    return args + [arg for value in sets for arg in ("--set", value)]


@pytest.mark.parametrize("line", ["helm3", "helm4"])
def test_server_accepts_its_objects(line: str, chart: Path) -> None:
    with _release(line) as release:
        template = ["template", release.name, *_args(chart, *OVERRIDES)]
        manifest = release.run(*template).stdout
        applied = kubectl(
            "-n", release.namespace, "apply", "--dry-run=server", "-f", "-", stdin=manifest
        )
        assert "Warning" not in applied.stderr, applied.stderr
        assert applied.stdout.count("(server dry run)") == manifest.count("\nkind: ")
        assert "statefulset.apps/" in applied.stdout


@pytest.mark.parametrize("line", ["helm3", "helm4"])
def test_an_upgrade_changing_what_cannot_change_is_refused(line: str, chart: Path) -> None:
    helm_binary(line)
    with _release(line) as release:
        release.run("install", release.name, *_args(chart))  # no --wait: no pod has to run
        # Unchanged values pass: the check compares with the live, defaulted object.
        release.run("upgrade", release.name, *_args(chart, "store.replicas=2"))
        for sets, message in [
            (("store.persistence.size=5Gi",), "store.persistence.size: 2Gi is installed and"),
            (("store.persistence.storageClass=other",), 'store.persistence.storageClass: "" is'),
            (("store.podManagementPolicy=Parallel",), "store.podManagementPolicy: OrderedReady"),
            (("store.persistence.enabled=false",), "store.persistence.enabled: true is"),
        ]:
            refused = release.run("upgrade", release.name, *_args(chart, *sets), check=False)
            assert refused.returncode != 0
            assert message in refused.stderr and "--cascade=orphan" in refused.stderr
        # The fix the message names: the StatefulSet goes, its pods and PVCs stay.
        name = f"{release.name}-tiny-store"
        kubectl("-n", release.namespace, "delete", "statefulset", name, "--cascade=orphan")
        release.run("upgrade", release.name, *_args(chart, "store.persistence.size=5Gi"))
        sts = kube_json("-n", release.namespace, "get", "statefulset", name)
        [claim] = sts["spec"]["volumeClaimTemplates"]
        assert claim["spec"]["resources"]["requests"]["storage"] == "5Gi"
        release.run("uninstall", release.name, "--wait")
        claims = kube_json("-n", release.namespace, "get", "pvc", "-l", release.selector)
        assert [c["metadata"]["name"] for c in claims["items"]] == [f"data-{name}-0"]


@pytest.mark.parametrize("line", ["helm3", "helm4"])
def test_turning_persistence_on_for_an_installed_release_is_refused(line: str, chart: Path) -> None:
    """Installed with persistence off (an emptyDir), the StatefulSet has no claims to add."""
    helm_binary(line)
    with _release(line) as release:
        release.run("install", release.name, *_args(chart, "store.persistence.enabled=false"))
        refused = release.run("upgrade", release.name, *_args(chart), check=False)
        assert refused.returncode != 0
        assert "store.persistence.enabled: false is installed and" in refused.stderr
        assert "--cascade=orphan" in refused.stderr
