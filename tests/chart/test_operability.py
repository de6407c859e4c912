"""What an operator relies on beyond the values schema: rollouts, scheduling, NOTES.txt."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.helm import CHART, Helm, install_notes

MINIMAL = CHART / "ci" / "minimal-values.yaml"
FULL = CHART / "ci" / "full-values.yaml"


def deployments(docs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {
        d["metadata"]["labels"]["app.kubernetes.io/component"]: d
        for d in docs
        if d["kind"] in ("Deployment", "Job")
    }


def pod(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["spec"]["template"]


def test_config_changes_roll_only_the_workloads_that_read_them(helm: Helm) -> None:
    before = deployments(helm.template([MINIMAL]))
    after = deployments(helm.template([MINIMAL], ["worker.settings.maxAttempts=9"]))
    for name, doc in before.items():
        old = pod(doc)["metadata"]["annotations"]["checksum/config"]
        new = pod(after[name])["metadata"]["annotations"]["checksum/config"]
        assert (old != new) == (name == "worker"), name


def test_reloader_controllers_can_take_over_rollouts(helm: Helm) -> None:
    docs = deployments(helm.template([MINIMAL], ["rolloutOnConfigChange=false"]))
    for name, doc in docs.items():
        annotations = pod(doc)["metadata"].get("annotations") or {}
        assert not any(key.startswith("checksum/") for key in annotations), name


def test_scheduling_knobs_apply_globally_and_per_workload(helm: Helm) -> None:
    docs = deployments(helm.template([FULL]))
    for name, doc in docs.items():
        spec = pod(doc)["spec"]
        assert spec["priorityClassName"] == "lookout-critical", name
        if name == "ingest":  # its own values replace the global ones, even when empty
            assert spec["nodeSelector"] == {"node.example.com/pool": "ingest"}
            assert "tolerations" not in spec and "affinity" not in spec
        else:
            assert spec["nodeSelector"] == {"kubernetes.io/os": "linux"}, name
            assert spec["tolerations"][0]["key"] == "dedicated", name
            assert "nodeAffinity" in spec["affinity"], name
        assert pod(doc)["metadata"]["annotations"]["example.com/scrape"] == "false", name
        assert doc["metadata"]["labels"]["example.com/cost-center"] == "platform", name
        assert doc["metadata"]["annotations"]["example.com/owner"] == "platform-team", name


def test_extra_objects_are_templated(helm: Helm) -> None:
    docs = helm.template([FULL])
    extra = next(d for d in docs if d["metadata"]["name"] == "rel-dashboards")
    assert extra["kind"] == "ConfigMap"
    assert extra["metadata"]["namespace"] == "obs"


def _notes(tmp_path: Path, *values: Path, sets: tuple[str, ...] = ()) -> str:
    return install_notes(tmp_path, list(values), sets)


def test_notes_tell_how_to_log_in_the_first_time(tmp_path: Path) -> None:
    notes = _notes(tmp_path, MINIMAL)
    assert "sign in as ops@example.com" in notes
    assert "kubectl --namespace obs get secret rel-lookout-admin" in notes
    assert "admin.bootstrapPassword in Secret rel-lookout-admin" in notes  # kept on uninstall
    given = _notes(tmp_path, FULL)
    assert "the one set in admin.bootstrapPassword" in given
    assert "admin.bootstrapPassword in Secret" not in given  # nothing generated


@pytest.mark.parametrize("ingress", ["true", "false"])
def test_notes_offer_port_forward_without_ingress(tmp_path: Path, ingress: str) -> None:
    notes = _notes(tmp_path, MINIMAL, sets=(f"ingress.enabled={ingress}",))
    forward = "port-forward service/rel-lookout-frontend 3000:3000"
    assert (forward in notes) == (ingress == "false")
