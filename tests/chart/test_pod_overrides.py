"""The overrides a production install needs, on both Helm lines: each renders where it should
and what comes out passes kubernetes-validate --strict; a typo inside a Kubernetes type is
refused by the schema naming its path; a clash with the chart's own names is refused."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from chartgen.presets import PresetAutoscaling
from tests import kube_validation
from tests.chart.test_render import KUBERNETES_VERSIONS, mentions_path
from tests.helm import CHART, Helm, RenderError

MINIMAL = CHART / "ci" / "minimal-values.yaml"
Doc = dict[str, Any]

PROXY = {
    "name": "cloud-sql-proxy",
    "image": "gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.1",
    "args": ["--health-check", "--http-address=0.0.0.0", "acme:europe-west1:lookout"],
    "ports": [{"name": "proxy-http", "containerPort": 9090}],
}
CA_VOLUME = {"name": "corporate-ca", "configMap": {"name": "corporate-ca-bundle"}}
CA_MOUNT = {"name": "corporate-ca", "mountPath": "/etc/ssl/corporate", "readOnly": True}
BEHAVIOR = {"scaleDown": {"stabilizationWindowSeconds": 300}}
SPREAD = {
    "maxSkew": 2,
    "topologyKey": "kubernetes.io/hostname",
    "whenUnsatisfiable": "DoNotSchedule",
}

OVERRIDES: Doc = {
    "podLabels": {"example.com/tier": "observability"},
    "revisionHistoryLimit": 3,
    "service": {"annotations": {"example.com/monitored": "true"}},
    "serviceAccount": {"annotations": {"example.com/global": "yes"}},
    "api": {
        "podLabels": {"example.com/team": "api"},
        "deploymentAnnotations": {"example.com/runbook": "https://runbooks.example.com/api"},
        "terminationGracePeriodSeconds": 0,
        "extraVolumes": [CA_VOLUME],
        "extraVolumeMounts": [CA_MOUNT],
        "initContainers": [{"name": "check-ca", "image": "busybox:1.37.0"}],
        "sidecars": [PROXY],
        "livenessProbe": {"periodSeconds": 30, "failureThreshold": 5},
        "readinessProbe": {"initialDelaySeconds": 3, "timeoutSeconds": 4},
        "startupProbe": {"enabled": True, "periodSeconds": 5},
        "topologySpreadConstraints": [SPREAD],
        "revisionHistoryLimit": 0,
        "securityContext": {"readOnlyRootFilesystem": True, "runAsNonRoot": True},
        "autoscaling": {
            "enabled": True,
            "targetMemoryUtilizationPercentage": 80,
            "behavior": BEHAVIOR,
        },
        "service": {
            "type": "NodePort",
            "annotations": {"example.com/own": "api"},
            "extraPorts": [{"name": "proxy", "port": 9090, "targetPort": "proxy-http"}],
        },
        "serviceAccount": {"annotations": {"example.com/own": "api"}},
    },
    "ingest": {"service": {"annotations": {"example.com/monitored": "false"}}},
    "migrations": {
        "jobAnnotations": {"example.com/runbook": "https://runbooks.example.com/db"},
        "initContainers": [{**PROXY, "restartPolicy": "Always"}],
    },
}


@functools.cache
def _render(helm: Helm, files: tuple[str, ...], sets: tuple[str, ...]) -> tuple[Doc, ...]:
    return tuple(helm.template([MINIMAL, *map(Path, files)], list(sets)))


def render(helm: Helm, tmp_path: Path, values: Doc, sets: tuple[str, ...] = ()) -> list[Doc]:
    path = tmp_path / "overrides.yaml"
    path.write_text(yaml.safe_dump(values))
    return list(_render(helm, (str(path),), sets))


def find(docs: list[Doc], kind: str, component: str) -> Doc:
    [doc] = [
        d
        for d in docs
        if d["kind"] == kind and d["metadata"]["labels"]["app.kubernetes.io/component"] == component
    ]
    return doc


def pod(doc: Doc) -> Doc:
    return doc["spec"]["template"]


@pytest.fixture
def overridden(helm: Helm, tmp_path: Path) -> list[Doc]:
    return render(helm, tmp_path, OVERRIDES)


@pytest.mark.parametrize("kubernetes", KUBERNETES_VERSIONS)
def test_overrides_render_valid_kubernetes_objects(overridden: list[Doc], kubernetes: str) -> None:
    errors = []
    for doc in overridden:
        try:
            kube_validation.validate(doc, kubernetes)
        except kubernetes_validate.ValidationError as error:
            where = ".".join(map(str, error.path))
            errors.append(f"{doc['kind']}/{doc['metadata']['name']} {where}: {error.message}")
    assert not errors, "\n".join(errors)


def test_volumes_and_containers_are_added(overridden: list[Doc]) -> None:
    spec = pod(find(overridden, "Deployment", "api"))["spec"]
    app, *sidecars = spec["containers"]
    assert app["name"] == "api" and sidecars == [PROXY]
    assert spec["volumes"][-1] == CA_VOLUME
    assert app["volumeMounts"][-1] == CA_MOUNT
    assert spec["initContainers"] == OVERRIDES["api"]["initContainers"]
    job = pod(find(overridden, "Job", "migrations"))["spec"]
    assert job["initContainers"] == OVERRIDES["migrations"]["initContainers"]
    # Workloads without overrides keep the chart's pod.
    worker = pod(find(overridden, "Deployment", "worker"))["spec"]
    assert len(worker["containers"]) == 1 and "initContainers" not in worker


def test_labels_and_annotations(overridden: list[Doc]) -> None:
    api = find(overridden, "Deployment", "api")
    labels = pod(api)["metadata"]["labels"]
    assert labels["example.com/tier"] == "observability"
    assert labels["example.com/team"] == "api"
    assert labels["app.kubernetes.io/component"] == "api"
    assert api["metadata"]["annotations"]["example.com/runbook"].endswith("/api")
    assert (
        "example.com/team" not in pod(find(overridden, "Deployment", "query"))["metadata"]["labels"]
    )
    job = find(overridden, "Job", "migrations")["metadata"]["annotations"]
    assert job["example.com/runbook"].endswith("/db")
    assert job["helm.sh/hook"] == "pre-install,pre-upgrade"  # the chart's own stay


def test_probes_keep_the_check_and_take_the_timings(overridden: list[Doc]) -> None:
    container = pod(find(overridden, "Deployment", "api"))["spec"]["containers"][0]
    liveness = container["livenessProbe"]
    assert liveness["httpGet"] == {"path": "/healthz", "port": "http"}
    assert (liveness["periodSeconds"], liveness["timeoutSeconds"]) == (30, 2)
    assert liveness["failureThreshold"] == 5
    readiness = container["readinessProbe"]
    assert readiness["httpGet"]["path"] == "/readyz"
    assert (readiness["initialDelaySeconds"], readiness["timeoutSeconds"]) == (3, 4)
    startup = container["startupProbe"]
    assert startup["httpGet"] == liveness["httpGet"]
    assert (startup["periodSeconds"], startup["failureThreshold"]) == (5, 30)
    query = pod(find(overridden, "Deployment", "query"))["spec"]["containers"][0]
    assert "startupProbe" not in query
    assert query["livenessProbe"]["periodSeconds"] == 10


def test_pod_settings(overridden: list[Doc]) -> None:
    api = find(overridden, "Deployment", "api")
    spec = pod(api)["spec"]
    assert spec["terminationGracePeriodSeconds"] == 0  # 0 is a value, not "unset"
    assert api["spec"]["revisionHistoryLimit"] == 0
    assert find(overridden, "Deployment", "query")["spec"]["revisionHistoryLimit"] == 3
    assert (
        "terminationGracePeriodSeconds" not in pod(find(overridden, "Deployment", "query"))["spec"]
    )
    selector = {"matchLabels": api["spec"]["selector"]["matchLabels"]}
    assert spec["topologySpreadConstraints"] == [{**SPREAD, "labelSelector": selector}]
    # Replaced as a whole: nothing of the global context is merged in.
    assert spec["containers"][0]["securityContext"] == OVERRIDES["api"]["securityContext"]
    assert spec["securityContext"]["runAsUser"] == 10001


def test_services_and_service_accounts(overridden: list[Doc]) -> None:
    api = find(overridden, "Service", "api")
    assert api["spec"]["type"] == "NodePort"
    assert api["metadata"]["annotations"] == {
        "example.com/monitored": "true",
        "example.com/own": "api",
    }
    assert api["spec"]["ports"][-1]["targetPort"] == "proxy-http"
    ingest = find(overridden, "Service", "ingest")
    assert ingest["spec"]["type"] == "ClusterIP"
    assert ingest["metadata"]["annotations"] == {"example.com/monitored": "false"}
    account = find(overridden, "ServiceAccount", "api")["metadata"]["annotations"]
    assert account == {"example.com/global": "yes", "example.com/own": "api"}
    hook = find(overridden, "ServiceAccount", "migrations")["metadata"]["annotations"]
    assert hook["example.com/global"] == "yes" and hook["helm.sh/hook-weight"] == "-10"


def test_autoscaling_on_memory_with_behavior(overridden: list[Doc]) -> None:
    hpa = find(overridden, "HorizontalPodAutoscaler", "api")["spec"]
    names = [m["resource"]["name"] for m in hpa["metrics"]]
    assert names == ["cpu", "memory"]
    assert hpa["metrics"][1]["resource"]["target"]["averageUtilization"] == 80
    assert hpa["behavior"] == BEHAVIOR


def test_presets_may_set_memory_target_and_behavior() -> None:
    autoscaling = PresetAutoscaling.model_validate(
        {
            "enabled": True,
            "minReplicas": 2,
            "maxReplicas": 4,
            "targetCPUUtilizationPercentage": 75,
            "targetMemoryUtilizationPercentage": 80,
            "behavior": BEHAVIOR,
        }
    )
    assert autoscaling.target_memory_utilization_percentage == 80


def test_openshift_drops_the_fixed_ids(helm: Helm, tmp_path: Path) -> None:
    """restricted-v2 assigns UID and GID: null removes the chart's, the rest stays."""
    path = tmp_path / "openshift.yaml"
    path.write_text("podSecurityContext:\n  runAsUser: null\n  runAsGroup: null\n  fsGroup: null\n")
    docs = helm.template([MINIMAL, path])
    for kind, name in (("Deployment", "api"), ("Job", "migrations")):
        context = pod(find(docs, kind, name))["spec"]["securityContext"]
        assert context == {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}


def test_service_account_name_and_token(helm: Helm) -> None:
    sets = [
        "serviceAccount.create=false",
        "serviceAccount.name=lookout-runner",
        "serviceAccount.automountToken=true",
        "service.type=LoadBalancer",
    ]
    docs = helm.template([MINIMAL], sets)
    assert not [d for d in docs if d["kind"] == "ServiceAccount"]
    for kind, name in (("Deployment", "api"), ("Job", "migrations")):
        spec = pod(find(docs, kind, name))["spec"]
        assert spec["serviceAccountName"] == "lookout-runner"
        assert spec["automountServiceAccountToken"] is True
    assert find(docs, "Service", "query")["spec"]["type"] == "LoadBalancer"
    default = helm.template([MINIMAL], ["serviceAccount.create=false"])
    assert pod(find(default, "Deployment", "api"))["spec"]["serviceAccountName"] == "default"


TYPOS = {
    "affinity": ("affinity", {"affinity": {"podAntiAfinity": {}}}),
    "workload-affinity": ("api.affinity", {"api": {"affinity": {"nodeAfinity": {}}}}),
    "toleration": (
        "tolerations.0",
        {"tolerations": [{"key": "dedicated", "opertor": "Exists"}]},
    ),
    "extra-volume": (
        "api.extraVolumes.0",
        {"api": {"extraVolumes": [{"name": "ca", "configMpa": {"name": "ca"}}]}},
    ),
    "sidecar": ("worker.sidecars.0", {"worker": {"sidecars": [{"name": "x", "imge": "y"}]}}),
    "security-context": ("securityContext", {"securityContext": {"readOnlyRootFs": True}}),
    "spread": (
        "query.topologySpreadConstraints.0",
        {"query": {"topologySpreadConstraints": [{**SPREAD, "maxskew": 1}]}},
    ),
    "behavior": (
        "api.autoscaling.behavior",
        {"api": {"autoscaling": {"behavior": {"scaleDwon": {}}}}},
    ),
}


@pytest.mark.parametrize(("path", "values"), TYPOS.values(), ids=TYPOS.keys())
@pytest.mark.parametrize("command", ["lint", "template"])
def test_a_typo_in_a_kubernetes_type_is_refused_naming_its_path(
    helm: Helm, tmp_path: Path, command: str, path: str, values: Doc
) -> None:
    bad = tmp_path / "typo.yaml"
    bad.write_text(yaml.safe_dump(values))
    files = ["--values", str(MINIMAL), "--values", str(bad)]
    if command == "lint":
        result = helm.run("lint", "--strict", str(CHART), *files)
    else:
        result = helm.run(*helm.template_args([MINIMAL, bad]))
    output = result.stdout + result.stderr
    assert result.returncode != 0, f"{helm.name} {command} accepted {values}"
    assert mentions_path(output, path), f"{helm.name}: {path} not named in:\n{output}"


CLASHES = {
    "volume": ('api.extraVolumes: "tmp"', {"api": {"extraVolumes": [{"name": "tmp"}]}}),
    "container": (
        'query.sidecars: "query"',
        {"query": {"sidecars": [{"name": "query", "image": "x"}]}},
    ),
    "pod-label": (
        "podLabels: app.kubernetes.io/component is a label",
        {"podLabels": {"app.kubernetes.io/component": "x"}},
    ),
    "common-label": (
        "api.podLabels: example.com/cost",
        {
            "commonLabels": {"example.com/cost": "a"},
            "api": {"podLabels": {"example.com/cost": "b"}},
        },
    ),
}


@pytest.mark.parametrize(("message", "values"), CLASHES.values(), ids=CLASHES.keys())
def test_a_clash_with_the_charts_own_names_is_refused(
    helm: Helm, tmp_path: Path, message: str, values: Doc
) -> None:
    bad = tmp_path / "clash.yaml"
    bad.write_text(yaml.safe_dump(values))
    with pytest.raises(RenderError) as error:
        helm.template([MINIMAL, bad])
    assert "CONFIGURATION:" in str(error.value)
    assert message in str(error.value), str(error.value)
