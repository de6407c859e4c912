"""The StatefulSet kind, on the tiny app of tests/generator/test_diff.py: a `store` with a port
and a persistent volume builds (the env-contract proof included), renders valid objects on both
Helm lines with a headless Service behind serviceName and its claims from values, keeps what
Kubernetes will not change on upgrade stable, refuses bad persistence values by key, is scaled by
presets like a Deployment, and its pods get what the app's loader accepts."""

from __future__ import annotations

import importlib
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

import chartgen
from chartgen.model.declaration import ChartDeclaration, VolumeClaim, Workload
from chartgen.model.proof import check_delivered
from chartgen.model.spec import ChartSpec, SpecError, build_spec
from chartgen.presets import load_presets
from chartgen.values_model import values_model
from tests import kube_validation
from tests.contract import container_start, find_workload, visible_files
from tests.generator.test_diff import (
    APP_FILE,
    PRESET_FILE,
    build,
    diff,
    report_of,
    set_version,
    write_project,
)
from tests.generator.test_env_contract import constant_conditions
from tests.generator.test_workload_kinds import LONG, _Tiny, chart_docs, render_chart
from tests.helm import Helm

STORE = """

from chartgen.model.declaration import VolumeClaim


class StoreSettings(Base):
    site: SiteSection
    port: Annotated[int, Wired("port"), Field(description="Listen port.")] = 8090
    data_dir: Annotated[str, VALUE, Field(description="Where it keeps its data.")] = "/var/lib/tiny"


WORKLOADS += (
    Workload(
        name="store",
        description="Replicated store.",
        settings=StoreSettings,
        command=("tiny", "store"),
        kind="StatefulSet",
        ports=(Port("http", 8090),),
        readiness=HttpProbe("/ready"),
        volumes=(VolumeClaim("data", "/var/lib/tiny", size="2Gi"),),
        peer_ports=("http",),
    ),
)
REMOVALS"""
# Sized by the preset like any scalable workload: three replicas, a budget, spread.
STORE_PRESET = """  store:
    replicas: 3
    resources: *resources
    autoscaling:
      {enabled: false, minReplicas: 3, maxReplicas: 5, targetCPUUtilizationPercentage: 80}
    podDisruptionBudget: {enabled: true, maxUnavailable: 1}
    topologySpread: {enabled: true}
"""
EDITS = (
    (APP_FILE, "\nREMOVALS", STORE),
    (PRESET_FILE, "  worker: *scaled\n", "  worker: *scaled\n" + STORE_PRESET),
)
PRESETS = Path(chartgen.__file__).parent / "presets"  # chartgen's defaults, for any app
STABLE = {"app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/component"}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = write_project(tmp_path_factory.mktemp("statefulset"), EDITS)
    build(root)  # fails unless the env-contract proof holds for every workload
    return root


def _chart(project: Path) -> Path:
    return project / "generated" / "tiny"


def _one(docs: list[dict[str, Any]], kind: str, name: str | None = None) -> dict[str, Any]:
    [found] = [
        d
        for d in docs
        if d["kind"] == kind
        and d["metadata"]["labels"].get("app.kubernetes.io/component") == "store"
        and name in (None, d["metadata"]["name"])
    ]
    return found


def test_it_lints_and_renders_valid_objects(helm: Helm, project: Path) -> None:
    chart = _chart(project)
    result = helm.run("lint", "--strict", str(chart), "-f", str(chart / "ci/minimal-values.yaml"))
    assert result.returncode == 0, result.stdout + result.stderr
    docs = chart_docs(helm, chart)
    for doc in docs:
        kube_validation.validate(doc, "1.34")
    sts = _one(docs, "StatefulSet")
    assert sts["spec"]["podManagementPolicy"] == "OrderedReady"
    assert sts["spec"]["updateStrategy"] == {"type": "RollingUpdate"}
    # PVCs outlive the StatefulSet (helm uninstall) and a scale-down, unless the operator says.
    assert sts["spec"]["persistentVolumeClaimRetentionPolicy"] == {
        "whenDeleted": "Retain",
        "whenScaled": "Retain",
    }
    pod = sts["spec"]["template"]["spec"]
    [container] = pod["containers"]
    assert container["command"] == ["tiny", "store"]
    assert {"name": "data", "mountPath": "/var/lib/tiny"} in container["volumeMounts"]
    # The claim is the pod's volume: none of the pod's own volumes may shadow it.
    assert "data" not in {v["name"] for v in pod["volumes"]}


def test_its_service_name_is_a_headless_service(helm: Helm, project: Path) -> None:
    docs = chart_docs(helm, _chart(project))
    sts = _one(docs, "StatefulSet")
    headless = _one(docs, "Service", sts["spec"]["serviceName"])
    assert headless["spec"]["clusterIP"] == "None"
    assert headless["spec"]["publishNotReadyAddresses"] is True  # peers meet while starting
    assert headless["spec"]["selector"] == sts["spec"]["selector"]["matchLabels"]
    # The clients' Service stays: a virtual IP routing to ready pods only.
    [client] = [d for d in docs if d["kind"] == "Service" and d is not headless and _is_store(d)]
    assert client["metadata"]["name"] == sts["metadata"]["name"]
    assert client["spec"]["type"] == "ClusterIP" and "clusterIP" not in client["spec"]
    assert client["spec"]["ports"] == headless["spec"]["ports"]


def _is_store(doc: dict[str, Any]) -> bool:
    return doc["metadata"]["labels"].get("app.kubernetes.io/component") == "store"


def _claim(sts: dict[str, Any]) -> dict[str, Any]:
    [claim] = sts["spec"]["volumeClaimTemplates"]
    assert claim["metadata"]["name"] == "data"
    return claim


def test_its_claims_take_the_declared_size_and_the_overrides(helm: Helm, project: Path) -> None:
    chart = _chart(project)
    claim = _claim(_one(chart_docs(helm, chart), "StatefulSet"))
    assert claim["spec"] == {
        "accessModes": ["ReadWriteOnce"],
        "resources": {"requests": {"storage": "2Gi"}},
    }
    sets = (
        "store.persistence.size=20Gi",
        "store.persistence.storageClass=fast-ssd",
        "store.persistence.accessModes={ReadWriteOncePod}",
        "store.persistence.annotations.backup\\.example\\.com/policy=daily",
        "store.persistentVolumeClaimRetentionPolicy.whenDeleted=Delete",
        "store.podManagementPolicy=Parallel",
        "store.updateStrategy.rollingUpdate.partition=1",
    )
    sts = _one(chart_docs(helm, chart, *sets), "StatefulSet")
    claim = _claim(sts)
    assert claim["spec"] == {
        "accessModes": ["ReadWriteOncePod"],
        "storageClassName": "fast-ssd",
        "resources": {"requests": {"storage": "20Gi"}},
    }
    assert claim["metadata"]["annotations"] == {"backup.example.com/policy": "daily"}
    assert sts["spec"]["persistentVolumeClaimRetentionPolicy"]["whenDeleted"] == "Delete"
    assert sts["spec"]["podManagementPolicy"] == "Parallel"
    assert sts["spec"]["updateStrategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"partition": 1},
    }


def test_persistence_off_mounts_an_empty_dir_of_the_size(helm: Helm, project: Path) -> None:
    """persistence.enabled=false (evaluation): no claims, an emptyDir bounded by the size."""
    chart = _chart(project)
    docs = chart_docs(helm, chart, "store.persistence.enabled=false")
    for doc in docs:
        kube_validation.validate(doc, "1.34")
    sts = _one(docs, "StatefulSet")
    assert "volumeClaimTemplates" not in sts["spec"]
    assert "persistentVolumeClaimRetentionPolicy" not in sts["spec"]
    pod = sts["spec"]["template"]["spec"]
    assert {"name": "data", "emptyDir": {"sizeLimit": "2Gi"}} in pod["volumes"]
    [container] = pod["containers"]
    assert {"name": "data", "mountPath": "/var/lib/tiny"} in container["volumeMounts"]
    on = _one(chart_docs(helm, chart), "StatefulSet")["spec"]["template"]["spec"]
    assert "data" not in {v["name"] for v in on["volumes"]}


@pytest.mark.parametrize(
    ("sets", "key"),
    [
        (("store.persistence.size=lots",), r"store[./]persistence[./]size"),
        (("store.persistence.enabled=maybe",), r"store[./]persistence[./]enabled"),
        (("store.persistence.storageClass=Fast_SSD",), r"store[./]persistence[./]storageClass"),
        (
            ("store.persistence.accessModes={ReadWriteMostly}",),
            r"store[./]persistence[./]accessModes",
        ),
        (("store.persistentVolumeClaimRetentionPolicy.whenDeleted=Keep",), r"whenDeleted"),
        (("store.podManagementPolicy=Random",), r"store[./]podManagementPolicy"),
        # The schema admits these; the API server would refuse them (or silently replace the
        # volume): the chart's checks name the key first.
        (
            ("store.persistence.accessModes={ReadWriteOncePod,ReadWriteOnce}",),
            r"store\.persistence\.accessModes: ReadWriteOncePod goes alone",
        ),
        (
            (
                "store.updateStrategy.type=OnDelete",
                "store.updateStrategy.rollingUpdate.partition=1",
            ),
            r"store\.updateStrategy\.rollingUpdate: only for type RollingUpdate",
        ),
        (
            ("store.extraVolumes[0].name=data", "store.extraVolumes[0].emptyDir.medium=Memory"),
            r"store\.extraVolumes: \"data\" is a persistent volume of store",
        ),
    ],
)
def test_a_bad_persistence_value_is_refused_naming_its_key(
    helm: Helm, project: Path, sets: tuple[str, ...], key: str
) -> None:
    refused = render_chart(helm, _chart(project), *sets)
    assert refused.returncode != 0
    assert re.search(key, refused.stderr), refused.stderr


def _immutable(sts: dict[str, Any]) -> dict[str, Any]:
    spec = sts["spec"]
    return {k: spec[k] for k in ("selector", "serviceName", "podManagementPolicy")} | {
        "claims": spec["volumeClaimTemplates"]
    }


def test_what_kubernetes_cannot_change_stays_put(helm: Helm, project: Path, tmp_path: Path) -> None:
    """The selector is the pod labels' stable subset; it, serviceName and the claims do not
    move with the chart's version, the app's, or values that change the pods."""
    before = _one(chart_docs(helm, _chart(project)), "StatefulSet")
    selector = before["spec"]["selector"]["matchLabels"]
    pod_labels = before["spec"]["template"]["metadata"]["labels"]
    assert set(selector) == STABLE and selector.items() <= pod_labels.items()
    assert _claim(before)["metadata"]["labels"] == selector
    bumped = shutil.copytree(_chart(project), tmp_path / "tiny")
    set_version(bumped, "2.5.0")
    meta = bumped / "Chart.yaml"
    meta.write_text(re.sub(r"(?m)^appVersion: .*$", "appVersion: 9.9.9", meta.read_text()))
    changed = (
        "commonLabels.team=storage",
        "store.podLabels.tier=data",
        "image.tag=2.0.0",
        "store.replicas=5",
        "commonAnnotations.owner=ops",
    )
    after = _one(chart_docs(helm, bumped, *changed), "StatefulSet")
    assert after["metadata"]["labels"]["helm.sh/chart"] == "tiny-2.5.0"  # it did change
    assert after["spec"]["template"]["metadata"]["labels"] != pod_labels
    assert _immutable(after) == _immutable(before)


def test_a_new_default_size_in_the_chart_is_breaking(project: Path, tmp_path: Path) -> None:
    """The chart's author changing what the claims are made of learns it from `chartgen diff`."""
    base = shutil.copytree(_chart(project), tmp_path / "base")
    grown = write_project(tmp_path / "grown", (*EDITS, (APP_FILE, 'size="2Gi"', 'size="4Gi"')))
    build(grown)
    report = report_of(diff(grown, base))
    changes = {(c["kind"], c.get("object") or c.get("path")): c for c in report["changes"]}
    claims = changes["immutable-field-changed", "StatefulSet/tiny-store"]
    assert (claims["field"], claims["classification"]) == ("spec.volumeClaimTemplates", "breaking")
    assert "--cascade=orphan" in claims["action"]
    # And installs that keep their volumes as they are can pin the old default.
    default = changes["default-changed", "store.persistence.size"]
    assert '`store.persistence.size: "2Gi"`' in default["action"]


def test_its_names_fit_the_name_limits(helm: Helm, project: Path) -> None:
    docs = chart_docs(helm, _chart(project), release=LONG)
    sts = _one(docs, "StatefulSet")
    name = sts["metadata"]["name"]
    # Its pods carry controller-revision-hash: <name>-<10 characters>, a label value (63).
    assert len(f"{name}-0123456789") <= 63
    assert len(f"{name}-{2**31 - 1}") <= 63  # a pod's name is its hostname, a DNS label
    assert len(sts["spec"]["serviceName"]) <= 63  # a Service's name is a DNS label too
    assert len(f"data-{name}-0") <= 253  # the PVCs: <claim>-<pod>


def test_presets_scale_it(helm: Helm, project: Path) -> None:
    docs = chart_docs(helm, _chart(project))
    sts = _one(docs, "StatefulSet")
    assert sts["spec"]["replicas"] == 3
    selector = sts["spec"]["selector"]
    assert _one(docs, "PodDisruptionBudget")["spec"]["selector"] == selector
    spread = sts["spec"]["template"]["spec"]["topologySpreadConstraints"]
    assert {c["labelSelector"]["matchLabels"] == selector["matchLabels"] for c in spread} == {True}
    scaled = chart_docs(helm, _chart(project), "store.autoscaling.enabled=true")
    sts = _one(scaled, "StatefulSet")
    assert "replicas" not in sts["spec"]  # the autoscaler owns it
    target = _one(scaled, "HorizontalPodAutoscaler")["spec"]["scaleTargetRef"]
    assert target == {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "name": sts["metadata"]["name"],
    }
    # chartgen's own presets size it by their defaults for scalable workloads.
    presets = load_presets(PRESETS, _spec(project).scalable)
    for preset in presets:
        assert preset.workloads["store"].replicas is not None, preset.name


def _spec(project: Path) -> ChartSpec:
    sys.path.insert(0, str(project))
    try:
        sys.modules.pop("tinyapp", None)
        return build_spec(importlib.import_module("tinyapp").CHART)
    finally:
        sys.path.remove(str(project))


def test_its_pods_get_what_the_app_accepts(helm: Helm, project: Path) -> None:
    spec = _spec(project)
    docs = chart_docs(helm, _chart(project))
    start = container_start(docs, find_workload(docs, "store"), "store", {})
    directory = spec.decl.secrets_dir.rstrip("/") + "/"
    files = {
        path.removeprefix(directory): file.content.decode()
        for path, file in visible_files(start.mounts).items()
        if path.startswith(directory)
    }
    assert start.env["TINY_DATA_DIR"] == "/var/lib/tiny"
    assert check_delivered(spec.workload("store"), start.env, files) == []


def test_no_condition_known_at_build_time_reaches_its_templates(project: Path) -> None:
    assert constant_conditions(_chart(project) / "templates") == []


# The same store serving no port and keeping nothing: still a StatefulSet (stable names).
BARE = (
    *EDITS,
    (
        APP_FILE,
        '    port: Annotated[int, Wired("port"), Field(description="Listen port.")] = 8090\n',
        "",
    ),
    (
        APP_FILE,
        '        ports=(Port("http", 8090),),\n        readiness=HttpProbe("/ready"),\n',
        "",
    ),
    (APP_FILE, '        volumes=(VolumeClaim("data", "/var/lib/tiny", size="2Gi"),),\n', ""),
    (APP_FILE, '        peer_ports=("http",),\n', ""),
)


def test_a_statefulset_without_volumes_or_ports_is_valid(helm: Helm, tmp_path: Path) -> None:
    chart = build(write_project(tmp_path, BARE))
    docs = chart_docs(helm, chart)
    for doc in docs:
        kube_validation.validate(doc, "1.34")
    sts = _one(docs, "StatefulSet")
    assert "volumeClaimTemplates" not in sts["spec"]
    assert "persistentVolumeClaimRetentionPolicy" not in sts["spec"]
    [headless] = [d for d in docs if d["kind"] == "Service" and _is_store(d)]
    assert headless["metadata"]["name"] == sts["spec"]["serviceName"]
    assert "ports" not in headless["spec"]
    refused = render_chart(helm, chart, "store.persistence.size=1Gi")  # no such key
    assert refused.returncode != 0 and "persistence" in refused.stderr, refused.stderr


def _declaration(*workloads: Workload) -> ChartDeclaration:
    return ChartDeclaration(
        name="x",
        description="x",
        version="1.0.0",
        app_version="1.0.0",
        image_registry="ghcr.io",
        image_repository="acme/x",
        workloads=workloads,
    )


DATA = VolumeClaim("data", "/data")


@pytest.mark.parametrize(
    ("traits", "message"),
    [
        ({"volumes": (DATA,)}, "only a StatefulSet takes volumes"),
        ({"kind": "StatefulSet", "singleton": True}, "only a Deployment can be a singleton"),
        ({"kind": "StatefulSet", "volumes": (VolumeClaim("tmp", "/data"),)}, "name it a DNS label"),
        ({"kind": "StatefulSet", "volumes": (VolumeClaim("Data", "/d"),)}, "name it a DNS label"),
        ({"kind": "StatefulSet", "volumes": (VolumeClaim("d", "/tmp"),)}, "an absolute path"),
        ({"kind": "StatefulSet", "volumes": (VolumeClaim("d", "/d", "8GB"),)}, "no quantity"),
        (
            {"kind": "StatefulSet", "volumes": (DATA, VolumeClaim("logs", "/logs"))},
            "two volumes share a key",
        ),
        ({"kind": "StatefulSet", "volumes": (VolumeClaim("d", "/d", key="x-y"),)}, "no values key"),
        ({"kind": "StatefulSet", "peer_ports": ("gossip",)}, "has no port named 'gossip'"),
    ],
)
def test_a_statefulset_without_its_traits_is_refused(traits: dict[str, Any], message: str) -> None:
    workload = Workload(name="x", description="x", settings=_Tiny, command=("x",), **traits)
    with pytest.raises(SpecError, match=message):
        build_spec(_declaration(workload))


def test_a_volume_key_may_not_take_a_chart_key() -> None:
    claim = VolumeClaim("data", "/data", key="resources")
    workload = Workload(
        name="x",
        description="x",
        settings=_Tiny,
        command=("x",),
        kind="StatefulSet",
        volumes=(claim,),
    )
    with pytest.raises(SpecError, match=r"volume keys \['resources'\] are the chart's"):
        spec = build_spec(_declaration(workload))
        values_model(spec, load_presets(PRESETS, spec.scalable))


def _self_rules(policy: dict[str, Any], direction: str, peer: str) -> list[dict[str, Any]]:
    """The policy's rules whose only peer is the policy's own pods."""
    own = policy["spec"]["podSelector"]
    return [r for r in policy["spec"].get(direction, []) if r.get(peer) == [{"podSelector": own}]]


def test_its_pods_reach_each_other_on_its_peer_ports_only(helm: Helm, project: Path) -> None:
    """peer_ports opens the store's own pods to each other on those ports, both ways; a
    workload without peer_ports gets no such rule."""
    policies = {
        d["metadata"]["labels"]["app.kubernetes.io/component"]: d
        for d in chart_docs(helm, _chart(project))
        if d["kind"] == "NetworkPolicy" and "app.kubernetes.io/component" in d["metadata"]["labels"]
    }
    store = policies.pop("store")
    for direction, peer in (("ingress", "from"), ("egress", "to")):
        rules = _self_rules(store, direction, peer)
        assert [r["ports"] for r in rules] == [[{"port": 8090, "protocol": "TCP"}]], direction
        for name, policy in policies.items():
            assert not _self_rules(policy, direction, peer), f"{name} {direction}"
