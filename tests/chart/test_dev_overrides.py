"""Dev mode's own pods (PostgreSQL, MinIO and its bucket Job, MailDev) follow the chart-wide
pod settings an operator sets for the app: pull secrets, priority, node selection,
tolerations, affinity, the security contexts (OpenShift nulls the UIDs) and, for a mirror,
dev.imageRegistry in place of each image's own registry host."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from tests.helm import CHART, Helm

DEV = CHART / "ci" / "dev-values.yaml"
Doc = dict[str, Any]
APP_COMPONENTS = {"api", "frontend", "ingest", "query", "worker", "scheduler", "migrations"}
DEV_COMPONENTS = {"postgresql", "minio", "minio-bucket", "maildev"}
AFFINITY = {
    "nodeAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": {
            "nodeSelectorTerms": [
                {"matchExpressions": [{"key": "pool", "operator": "In", "values": ["eval"]}]}
            ]
        }
    }
}
OVERRIDES = {
    "imagePullSecrets": [{"name": "mirror-credentials"}],
    "priorityClassName": "evaluation",
    "nodeSelector": {"pool": "eval"},
    "tolerations": [{"key": "eval", "operator": "Exists", "effect": "NoSchedule"}],
    "affinity": AFFINITY,
    "podSecurityContext": {"runAsUser": None, "runAsGroup": None, "fsGroup": None},
    "dev": {"imageRegistry": "mirror.example.com:5000"},
}


def _dev_pods(helm: Helm, tmp_path: Any, values: Doc) -> dict[str, Doc]:
    path = tmp_path / "values.yaml"
    path.write_text(yaml.safe_dump(values))
    docs = helm.template([DEV, path])
    pods = {}
    for doc in docs:
        template = doc.get("spec", {}).get("template")
        if template:
            pods[doc["metadata"]["labels"]["app.kubernetes.io/component"]] = template["spec"]
    assert set(pods) == APP_COMPONENTS | DEV_COMPONENTS
    return {name: spec for name, spec in pods.items() if name in DEV_COMPONENTS}


def test_dev_pods_take_the_global_pod_settings(helm: Helm, tmp_path: Any) -> None:
    for name, spec in _dev_pods(helm, tmp_path, OVERRIDES).items():
        assert spec["imagePullSecrets"] == [{"name": "mirror-credentials"}], name
        assert spec["priorityClassName"] == "evaluation", name
        assert spec["nodeSelector"] == {"pool": "eval"}, name
        assert spec["tolerations"] == OVERRIDES["tolerations"], name
        assert spec["affinity"] == AFFINITY, name
        # OpenShift's restricted-v2 assigns UID and GID: none is set, the rest stays.
        assert spec["securityContext"] == {
            "runAsNonRoot": True,
            "seccompProfile": {"type": "RuntimeDefault"},
        }, name


def test_dev_image_registry_replaces_each_registry_host(helm: Helm, tmp_path: Any) -> None:
    images = {
        container["image"]
        for spec in _dev_pods(helm, tmp_path, OVERRIDES).values()
        for container in spec["containers"] + spec.get("initContainers", [])
    }
    assert images and all(i.startswith("mirror.example.com:5000/") for i in images), images
    assert "mirror.example.com:5000/library/postgres:16.6-bookworm" in images


@pytest.mark.parametrize("values", [{}, {"dev": {"imageRegistry": ""}}])
def test_without_overrides_dev_pods_keep_their_defaults(
    helm: Helm, tmp_path: Any, values: Doc
) -> None:
    for name, spec in _dev_pods(helm, tmp_path, values).items():
        assert "imagePullSecrets" not in spec and "nodeSelector" not in spec, name
        assert spec["securityContext"]["runAsUser"] == 10001, name
        images = [c["image"] for c in spec["containers"]]
        assert all(i.startswith(("docker.io/", "quay.io/")) for i in images), images
