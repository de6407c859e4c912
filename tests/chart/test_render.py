"""Render the generated lookout chart with the real Helm 3 and Helm 4 and check what comes out.

Every render and lint of an example values file x preset is done once per Helm binary (and per
xdist worker) and cached, so the many checks below share a handful of Helm runs.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml
from lookout.chart import CHART as CHART_DECLARATION

from chartgen.dev import DevPlugin
from chartgen.env import is_dev_generated
from chartgen.model.spec import build_spec
from tests import kube_validation
from tests.helm import (
    ALL_DEV_COMPONENTS,
    CHART,
    DEV_WIRING,
    EXAMPLES,
    PRESETS,
    Helm,
    RenderError,
    dev_components,
    dev_enabled,
    dev_image,
    dev_services,
    helm_binaries,
    merge,
    normalize_generated,
)

# tests/helm.py renders release "rel" into namespace "obs".
RELEASE = "rel"
NAMESPACE = "obs"
CHART_NAME: str = yaml.safe_load((CHART / "Chart.yaml").read_text())["name"]
APP_VERSION = str(yaml.safe_load((CHART / "Chart.yaml").read_text())["appVersion"])
DEFAULTS: dict[str, Any] = yaml.safe_load((CHART / "values.yaml").read_text())
SCHEMA: dict[str, Any] = json.loads((CHART / "values.schema.json").read_text())
MINIMAL = CHART / "ci" / "minimal-values.yaml"
HOOK = "pre-install,pre-upgrade"
KUBERNETES_VERSIONS = ("1.30.0", "1.34.0")
SPEC = build_spec(CHART_DECLARATION)
SECRETS_DIR = CHART_DECLARATION.secrets_dir
WORKLOAD_KINDS = ("Deployment", "Job")
POD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Pod")
APP_WORKLOADS = {w.name for w in SPEC.workloads}

Doc = dict[str, Any]
# Where values.schema.json holds the Kubernetes API's definitions (chartgen.kube_types).
KUBERNETES_DEFS = "#/definitions/io.k8s."

example_params = pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
preset_params = pytest.mark.parametrize("preset", PRESETS)


# --- rendering, cached ------------------------------------------------------------------------


@functools.cache
def _lint(helm: Helm, example: Path, preset: str) -> tuple[int, str]:
    result = helm.run(
        "lint", "--strict", str(CHART), "--values", str(example), "--set", f"preset={preset}"
    )
    return result.returncode, result.stdout + result.stderr


@functools.cache
def _render(helm: Helm, example: Path, preset: str) -> tuple[Doc, ...]:
    return tuple(helm.template(values=[example], sets=[f"preset={preset}"]))


def render(helm: Helm, example: Path, preset: str) -> list[Doc]:
    """The parsed manifests of one example x preset (a copy: tests may not spoil the cache)."""
    try:
        return copy.deepcopy(list(_render(helm, example, preset)))
    except RenderError as error:
        pytest.fail(f"{helm.name} failed to render {example.name} with preset={preset}:\n{error}")


@pytest.fixture(scope="session")
def all_helms(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Helm]:
    """Every Helm binary the suite runs on, to compare one against the others."""
    return {
        name: Helm(name, binary, tmp_path_factory.mktemp(f"all-{name}"))
        for name, binary in sorted(helm_binaries().items())
        if binary.exists()
    }


# --- values -----------------------------------------------------------------------------------


@functools.cache
def _values(example: Path, preset: str | None) -> str:
    merged = merge(DEFAULTS, yaml.safe_load(example.read_text()) or {})
    if preset is not None:
        merged["preset"] = preset
    return json.dumps(merged)


def values(example: Path, preset: str | None = None) -> dict[str, Any]:
    """values.yaml with the example on top (and `--set preset=...`), as Helm computes them."""
    return json.loads(_values(example, preset))


@functools.cache
def _preset(name: str) -> str:
    return json.dumps(yaml.safe_load((CHART / "presets" / f"{name}.yaml").read_text()))


def preset_workloads(name: str) -> dict[str, Any]:
    return json.loads(_preset(name))["workloads"]


def name_label(vals: dict[str, Any]) -> str:
    """app.kubernetes.io/name: the chart name, or nameOverride."""
    return vals.get("nameOverride") or CHART_NAME


def fullname(vals: dict[str, Any]) -> str:
    """Object name prefix: fullnameOverride, else <release>-<name> (just <release> if it has it)."""
    name = name_label(vals)
    full = vals.get("fullnameOverride") or (RELEASE if name in RELEASE else f"{RELEASE}-{name}")
    return full[:42].rstrip("-")


def snake(camel: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", camel).upper()


def kebab(camel: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "-", camel).lower()


# --- manifest helpers -------------------------------------------------------------------------


def ident(doc: Doc) -> str:
    return f"{doc['kind']}/{doc['metadata']['name']}"


def by_kind(docs: list[Doc], kind: str) -> dict[str, Doc]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def labels(doc: Doc) -> dict[str, str]:
    return doc["metadata"].get("labels") or {}


def annotations(doc: Doc) -> dict[str, str]:
    return doc["metadata"].get("annotations") or {}


def component(doc: Doc) -> str | None:
    return labels(doc).get("app.kubernetes.io/component")


def workloads(docs: list[Doc]) -> dict[str, Doc]:
    """The app's Deployments and Jobs by their component (= workload name in values and presets).

    Dev mode's own pods (PostgreSQL, MinIO, MailDev) are not among them:
    test_pods_are_the_apps_workloads_and_in_dev_mode_its_services accounts for every pod.
    """
    found = [d for d in docs if d["kind"] in WORKLOAD_KINDS and component(d) in APP_WORKLOADS]
    by_component = {component(d): d for d in found}
    assert len(by_component) == len(found), "two workloads share a component label"
    return by_component


def pod_spec(workload: Doc) -> Doc:
    return workload["spec"]["template"]["spec"]


def pod_config(docs: list[Doc], workload: Doc) -> dict[str, str]:
    """The ConfigMap entries a workload's container loads through envFrom."""
    configmaps = by_kind(docs, "ConfigMap")
    config: dict[str, str] = {}
    for name in chart_config_sources(app_container(workload), configmaps):
        config |= configmaps[name]["data"]
    return config


def chart_config_sources(container: Doc, configmaps: dict[str, Doc]) -> list[str]:
    """The container's envFrom ConfigMaps the release renders (extraEnvFrom may add the
    operator's own, which the chart does not render)."""
    names = [s.get("configMapRef", {}).get("name") for s in container.get("envFrom") or []]
    return [name for name in names if name in configmaps]


def operator_env_sources(vals: dict) -> set[str]:
    """Names of the ConfigMaps and Secrets the operator's extraEnvFrom entries read."""
    return {
        (ref.get("configMapRef") or ref.get("secretRef") or {}).get("name")
        for section in vals.values()
        if isinstance(section, dict)
        for ref in section.get("extraEnvFrom") or []
    }


def volume_sources(volume: Doc) -> list[tuple[str, str]]:
    """(kind, name) of each Secret and ConfigMap a pod volume reads."""
    found = []
    if "secret" in volume:
        found.append(("Secret", volume["secret"]["secretName"]))
    if "configMap" in volume:
        found.append(("ConfigMap", volume["configMap"]["name"]))
    for source in (volume.get("projected") or {}).get("sources") or []:
        if "secret" in source:
            found.append(("Secret", source["secret"]["name"]))
        if "configMap" in source:
            found.append(("ConfigMap", source["configMap"]["name"]))
    return found


def existing_secret_names(vals: Any) -> list[str]:
    """Every ``*.existingSecret`` the values name: Secrets the operator creates."""
    if not isinstance(vals, dict):
        return []
    own = [vals["existingSecret"]] if isinstance(vals.get("existingSecret"), str) else []
    return [name for name in own if name] + [
        name for value in vals.values() for name in existing_secret_names(value)
    ]


def dev_secret_of(
    section: str, field: str, stand_ins: dict[str, DevPlugin]
) -> tuple[str, str] | None:
    """(Secret name suffix, key) a secret setting reads in dev mode, if a dev service's."""
    if DEV_WIRING is None:
        return None
    source = DEV_WIRING.fact_of(SPEC.setting_at((section, field)))
    if source is None or source.plugin.kind not in stand_ins:
        return None
    assert source.secret, f"{section}.{field} is a secret wired to plain {source.name}"
    return source.secret


def app_container(workload: Doc) -> Doc:
    """The app's container, named after the workload; the others are the operator's sidecars."""
    containers = pod_spec(workload)["containers"]
    [app] = [c for c in containers if c["name"] == component(workload)]
    assert containers[0] is app, f"{ident(workload)}: the app's container comes first"
    return app


def operator_containers(vals: dict[str, Any], name: str, key: str) -> list[Doc]:
    """The initContainers or sidecars a workload's values add."""
    return list(vals[name].get(key) or [])


def operator_volume_sources(vals: dict[str, Any]) -> set[tuple[str, str]]:
    """(kind, name) of the Secrets and ConfigMaps the operator's extraVolumes read."""
    return {
        source
        for section in vals.values()
        if isinstance(section, dict)
        for volume in section.get("extraVolumes") or []
        for source in volume_sources(volume)
    }


def combos() -> list[tuple[Path, str]]:
    return [(example, preset) for example in EXAMPLES for preset in PRESETS]


combo_params = pytest.mark.parametrize(
    ("example", "preset"), combos(), ids=[f"{e.stem}-{p}" for e, p in combos()]
)


# --- 1. lint ----------------------------------------------------------------------------------


@combo_params
def test_lint_strict_passes(helm: Helm, example: Path, preset: str) -> None:
    returncode, output = _lint(helm, example, preset)
    assert returncode == 0, f"{helm.name} lint --strict {example.name} preset={preset}:\n{output}"


# --- 2. rendered manifests --------------------------------------------------------------------


@combo_params
def test_pods_are_the_apps_workloads_and_in_dev_mode_its_services(
    helm: Helm, example: Path, preset: str
) -> None:
    """Every object running pods is one of the spec's workloads, or (dev.enabled only) one of
    the dev services the chart declares; nothing else of theirs renders outside dev mode."""
    docs = render(helm, example, preset)
    vals = values(example, preset)
    bearers = [component(d) for d in docs if d["kind"] in POD_KINDS]
    assert len(bearers) == len(set(bearers)), f"two pod controllers share a component: {bearers}"
    expected_dev = dev_components(vals)
    assert set(bearers) == APP_WORKLOADS | expected_dev
    assert bool(expected_dev) == dev_enabled(vals), "dev services exactly in dev mode"
    # Outside dev mode nothing of the dev services renders: no object of theirs, no Secret
    # holding their credentials.
    prefix = f"{fullname(vals)}-dev-"
    dev_objects = sorted(
        ident(d)
        for d in docs
        if component(d) in ALL_DEV_COMPONENTS or d["metadata"]["name"].startswith(prefix)
    )
    assert bool(dev_objects) == dev_enabled(vals), dev_objects


SIZING_KEYS = ("replicas", "resources", "autoscaling", "podDisruptionBudget", "topologySpread")
EXCLUSIVE = ("minAvailable", "maxUnavailable")


def overlay(base: dict[str, Any], own: dict[str, Any]) -> dict[str, Any]:
    """The chart's sizing rule: keys a workload sets (not null) win, maps merge key by key."""
    out = copy.deepcopy(base)
    for key, value in own.items():
        if isinstance(value, dict):
            below = out.get(key)
            out[key] = overlay(below if isinstance(below, dict) else {}, value)
        elif value is not None:
            out[key] = value
    return out


def effective_sizing(vals: dict[str, Any], preset: str, name: str) -> dict[str, Any]:
    own = {key: vals[name][key] for key in SIZING_KEYS if key in vals[name]}
    sizing = overlay(preset_workloads(preset)[name], own)
    own_budget = own.get("podDisruptionBudget") or {}
    if any(own_budget.get(key) is not None for key in EXCLUSIVE):
        # minAvailable and maxUnavailable exclude each other: the workload's replace the preset's.
        budget = {k: v for k, v in sizing["podDisruptionBudget"].items() if k not in EXCLUSIVE}
        budget.update({k: own_budget[k] for k in EXCLUSIVE if own_budget.get(k) is not None})
        sizing["podDisruptionBudget"] = budget
    return sizing


@combo_params
def test_workloads_are_sized_by_preset_unless_overridden(
    helm: Helm, example: Path, preset: str
) -> None:
    docs = render(helm, example, preset)
    vals = values(example, preset)
    found = workloads(docs)
    assert set(found) == set(preset_workloads(preset)), "one Deployment or Job per workload"
    hpas = {component(d): d for d in docs if d["kind"] == "HorizontalPodAutoscaler"}
    pdbs = {component(d): d for d in docs if d["kind"] == "PodDisruptionBudget"}

    for name, workload in found.items():
        sizing = effective_sizing(vals, preset, name)
        assert app_container(workload)["resources"] == sizing["resources"], f"{name} resources"
        spec = workload["spec"]
        if workload["kind"] == "Job":
            assert spec["backoffLimit"] == vals[name]["backoffLimit"], name
            continue
        if "replicas" not in sizing:  # a singleton
            assert spec["replicas"] == 1, name
            assert spec["strategy"] == {"type": "Recreate"}, name
            assert name not in hpas and name not in pdbs, name
            continue
        autoscaling = sizing["autoscaling"]
        if autoscaling["enabled"]:
            assert "replicas" not in spec, f"{name}: the HPA owns the replica count"
            hpa = hpas[name]["spec"]
            assert hpa["scaleTargetRef"]["name"] == workload["metadata"]["name"]
            assert (hpa["minReplicas"], hpa["maxReplicas"]) == (
                autoscaling["minReplicas"],
                autoscaling["maxReplicas"],
            ), name
            targets = {
                m["resource"]["name"]: m["resource"]["target"]["averageUtilization"]
                for m in hpa["metrics"]
            }
            expected = {"cpu": autoscaling["targetCPUUtilizationPercentage"]}
            if autoscaling.get("targetMemoryUtilizationPercentage"):
                expected["memory"] = autoscaling["targetMemoryUtilizationPercentage"]
            assert targets == expected, name
            assert hpa.get("behavior") == autoscaling.get("behavior"), name
        else:
            assert spec["replicas"] == sizing["replicas"], f"{name} replicas"
            assert name not in hpas, name
        budget = sizing["podDisruptionBudget"]
        if budget["enabled"]:
            pdb = pdbs[name]["spec"]
            assert {k: pdb[k] for k in EXCLUSIVE if k in pdb} == {
                k: budget[k] for k in EXCLUSIVE if k in budget
            }, name
            assert pdb["selector"]["matchLabels"] == spec["selector"]["matchLabels"], name
        else:
            assert name not in pdbs, name
        spread = pod_spec(workload).get("topologySpreadConstraints", [])
        own_spread = vals[name].get("topologySpreadConstraints")
        if own_spread:  # replaces the preset's; selecting the workload's pods unless it says
            pods = {"labelSelector": {"matchLabels": spec["selector"]["matchLabels"]}}
            assert spread == [{**pods, **c} for c in own_spread], name
        elif sizing["topologySpread"]["enabled"]:
            keys = {c["topologyKey"] for c in spread}
            assert keys == {"topology.kubernetes.io/zone", "kubernetes.io/hostname"}, name
            assert all(c["whenUnsatisfiable"] == "ScheduleAnyway" for c in spread), name
        else:
            assert not spread, name


def test_examples_exercise_partial_sizing_overrides() -> None:
    """Guard for the test above: some example overrides replicas, and resources only in part."""
    partial, replicas = [], []
    for example in EXAMPLES:
        for name, base in preset_workloads(values(example)["preset"]).items():
            section = values(example)[name]
            if section.get("replicas") is not None:
                replicas.append(f"{example.stem}:{name}")
            set_keys = {(k, q) for k, v in (section.get("resources") or {}).items() for q in v}
            preset_keys = {(k, q) for k, v in base["resources"].items() for q in v}
            if set_keys and preset_keys - set_keys:
                partial.append(f"{example.stem}:{name}")
    assert partial, "no example overrides part of a workload's resources"
    assert replicas, "no example overrides a workload's replicas"


@combo_params
def test_workload_pods_use_the_configured_image(helm: Helm, example: Path, preset: str) -> None:
    docs = render(helm, example, preset)
    image = values(example, preset)["image"]
    tag = image["tag"] or APP_VERSION
    reference = f"{image['repository']}:{tag}"
    want = f"{image['registry']}/{reference}" if image["registry"] else reference
    if image["digest"]:
        want += f"@{image['digest']}"
    pull_secrets = values(example, preset)["imagePullSecrets"]
    vals = values(example, preset)
    for name, workload in workloads(docs).items():
        container = app_container(workload)
        assert container["image"] == want, name
        assert container["imagePullPolicy"] == image["pullPolicy"], name
        assert (pod_spec(workload).get("imagePullSecrets") or []) == pull_secrets, name
        # The operator's containers come as the values say.
        inits = pod_spec(workload).get("initContainers") or []
        own = operator_containers(vals, name, "initContainers")
        assert inits[len(inits) - len(own) :] == own, name
        sidecars = operator_containers(vals, name, "sidecars")
        assert pod_spec(workload)["containers"][1:] == sidecars, name
        # The chart's own init containers only in dev mode: the app's own image waiting for the
        # database, or (before the migrations) the dev PostgreSQL's image waiting for the server.
        for init in inits[: len(inits) - len(own)]:
            where = f"{name} init container {init['name']}"
            assert dev_enabled(vals), f"{where} outside dev mode"
            if init["image"] != want:
                assert init["image"] == dev_image(vals, "postgresql"), where
            else:
                assert init["imagePullPolicy"] == image["pullPolicy"], where


@combo_params
def test_every_object_has_namespace_and_standard_labels(
    helm: Helm, example: Path, preset: str
) -> None:
    docs = render(helm, example, preset)
    assert docs, "nothing rendered"
    want = {
        "app.kubernetes.io/name": name_label(values(example, preset)),
        "app.kubernetes.io/instance": RELEASE,
        "app.kubernetes.io/managed-by": "Helm",
    }
    problems = []
    for doc in docs:
        if doc["metadata"].get("namespace") != NAMESPACE:
            problems.append(f"{ident(doc)}: namespace {doc['metadata'].get('namespace')!r}")
        got = {key: labels(doc).get(key) for key in want}
        if got != want:
            problems.append(f"{ident(doc)}: labels {got}")
    idents = [ident(d) for d in docs]
    duplicates = sorted({i for i in idents if idents.count(i) > 1})
    assert not duplicates, f"objects rendered twice: {duplicates}"
    assert not problems, "\n".join(problems)


def hook_secrets(docs: list[Doc]) -> dict[str, Doc]:
    """The migrations Job's copies of chart-managed Secrets (labelled with its component)."""
    return {n: s for n, s in by_kind(docs, "Secret").items() if component(s) == "migrations"}


@combo_params
def test_migrations_and_its_inputs_are_pre_install_hooks(
    helm: Helm, example: Path, preset: str
) -> None:
    docs = render(helm, example, preset)
    job = workloads(docs)["migrations"]
    assert job["kind"] == "Job"
    if dev_enabled(values(example, preset)):
        # The database is part of the release, so the Job cannot run before it: a plain Job,
        # named by its content (a Job's pod template is immutable), and no hooks at all.
        assert "helm.sh/hook" not in annotations(job)
        name = job["metadata"]["name"]
        assert re.fullmatch(f"{fullname(values(example, preset))}-migrations-[0-9a-f]{{8}}", name)
        assert not hook_secrets(docs), "hook copies of Secrets without a hook"
        hooks = sorted(ident(d) for d in docs if "helm.sh/hook" in annotations(d))
        assert not hooks, f"hooks in dev mode: {hooks}"
        return
    assert annotations(job).get("helm.sh/hook") == HOOK

    spec = pod_spec(job)
    configmaps = by_kind(docs, "ConfigMap")
    supports = [configmaps[name] for name in chart_config_sources(app_container(job), configmaps)]
    if values(example, preset)["serviceAccount"]["create"]:
        supports.append(by_kind(docs, "ServiceAccount")[spec["serviceAccountName"]])
    supports += hook_secrets(docs).values()
    job_weight = int(annotations(job).get("helm.sh/hook-weight", "0"))
    for doc in supports:
        assert annotations(doc).get("helm.sh/hook") == HOOK, ident(doc)
        # Created before the Job that reads them.
        assert int(annotations(doc).get("helm.sh/hook-weight", "0")) < job_weight, ident(doc)

    # Hooks are not part of the release: nothing else may be one.
    hooks = {ident(d) for d in docs if "helm.sh/hook" in annotations(d)}
    assert hooks == {ident(job), *(ident(d) for d in supports)}


@combo_params
def test_hook_secret_copies_match_the_release_secrets(
    helm: Helm, example: Path, preset: str
) -> None:
    """The Job runs before the release's Secrets exist, so it needs copies of those it reads."""
    docs = render(helm, example, preset)
    prefix = fullname(values(example, preset))
    config = pod_config(docs, workloads(docs)["migrations"])
    copies = {n.removeprefix(f"{prefix}-migrations-"): s for n, s in hook_secrets(docs).items()}
    originals = {
        n.removeprefix(f"{prefix}-"): s
        for n, s in by_kind(docs, "Secret").items()
        if component(s) != "migrations"
    }
    used = {
        suffix
        for suffix in originals
        if any(key.startswith(f"LOOKOUT_{suffix.replace('-', '_').upper()}__") for key in config)
    }
    assert set(copies) == used, "a hook copy for each chart-managed Secret migrations reads"
    for suffix, hook_copy in copies.items():
        assert hook_copy["data"] == originals[suffix]["data"], suffix
        assert hook_copy.get("type") == originals[suffix].get("type"), suffix


@combo_params
def test_selectors_match_pods_and_services(helm: Helm, example: Path, preset: str) -> None:
    docs = render(helm, example, preset)
    # Long-running pods: the app's Deployments, and in dev mode the dev services' StatefulSets.
    deployments = {**by_kind(docs, "Deployment"), **by_kind(docs, "StatefulSet")}
    services = by_kind(docs, "Service")
    assert deployments
    for name, statefulset in by_kind(docs, "StatefulSet").items():
        assert statefulset["spec"]["serviceName"] in services, f"{name}: no governing Service"
    for name, deployment in deployments.items():
        selector = deployment["spec"]["selector"]["matchLabels"]
        pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert selector, name
        assert selector.items() <= pod_labels.items(), f"{name}: selector does not match its pods"
        for other, other_deployment in deployments.items():
            other_pods = other_deployment["spec"]["template"]["metadata"]["labels"]
            if other != name:
                assert not selector.items() <= other_pods.items(), f"{name} selects {other} pods"

        if not app_container(deployment).get("ports"):
            assert name not in services, f"{name} listens on nothing but has a Service"
            continue
        service = services.get(name)
        assert service is not None, f"{name} has ports but no Service"
        assert service["spec"]["selector"] == selector, f"Service {name} selector"
        # The app's ports, and those of the operator's sidecars (service.extraPorts).
        container_ports = {
            p["name"] for c in pod_spec(deployment)["containers"] for p in c.get("ports") or []
        }
        for port in service["spec"]["ports"]:
            assert port["targetPort"] in container_ports, f"Service {name} port {port}"
    assert set(services) <= set(deployments), "a Service without a Deployment"


@combo_params
def test_references_between_objects_resolve(helm: Helm, example: Path, preset: str) -> None:
    docs = render(helm, example, preset)
    services = by_kind(docs, "Service")
    configmaps = by_kind(docs, "ConfigMap")
    accounts = by_kind(docs, "ServiceAccount")
    secrets = by_kind(docs, "Secret")
    vals = values(example, preset)
    existing = set(existing_secret_names(vals))
    operators = operator_volume_sources(vals)
    for name, workload in workloads(docs).items():
        spec = pod_spec(workload)
        if vals["serviceAccount"]["create"]:
            assert spec["serviceAccountName"] in accounts, name
        for container in [*(spec.get("initContainers") or []), *spec["containers"]]:
            for source in container.get("envFrom") or []:
                ref = source.get("configMapRef") or source.get("secretRef")
                assert ref["name"] in configmaps or ref["name"] in operator_env_sources(vals), name
    # Every pod's volumes (dev services' too) read rendered objects or the operator's Secrets.
    for doc in docs:
        if doc["kind"] not in POD_KINDS:
            continue
        for volume in pod_spec(doc).get("volumes") or []:
            for kind, name in volume_sources(volume):
                if (kind, name) in operators:
                    continue  # the operator's own (extraVolumes)
                if kind == "Secret":
                    assert name in secrets or name in existing, f"{ident(doc)}: Secret {name}"
                else:
                    assert name in configmaps, f"{ident(doc)}: ConfigMap {name}"

    # In-cluster URLs handed to the apps point at a rendered Service port.
    for cm_name, cm in configmaps.items():
        for key, value in cm["data"].items():
            match = re.fullmatch(r"https?://([a-z0-9-]+):(\d+)/?", str(value))
            if match and match[1].startswith(fullname(values(example, preset))):
                service = services.get(match[1])
                assert service is not None, f"{cm_name} {key}={value}: no such Service"
                ports = {p["port"] for p in service["spec"]["ports"]}
                assert int(match[2]) in ports, f"{cm_name} {key}={value}: no such port"

    for ingress in by_kind(docs, "Ingress").values():
        for rule in ingress["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                backend = path["backend"]["service"]
                service = services.get(backend["name"])
                assert service is not None, f"Ingress path {path['path']}: {backend['name']}"
                port_names = {p["name"] for p in service["spec"]["ports"]}
                assert backend["port"]["name"] in port_names, f"Ingress path {path['path']}"


@combo_params
def test_workloads_get_the_secrets_of_the_sections_they_read(
    helm: Helm, example: Path, preset: str
) -> None:
    """A workload reading a section (its ConfigMap has LOOKOUT_<SECTION>__*) gets its secrets
    as files of its projected `secrets` volume, and no secret through its environment."""
    docs = render(helm, example, preset)
    vals = values(example, preset)
    secrets = by_kind(docs, "Secret")
    sections = {name: v for name, v in vals.items() if isinstance(v, dict) and "secretKeys" in v}
    generated = {
        ".".join(s.values_path)
        for w in SPEC.workloads
        for s in w.settings
        if getattr(s.role, "generate", 0) or (dev_enabled(vals) and is_dev_generated(s))
    }
    stand_ins = dev_services(vals)
    problems = []
    for name, workload in workloads(docs).items():
        container = app_container(workload)
        config = pod_config(docs, workload)
        env_refs = [e["valueFrom"] for e in container.get("env") or [] if "valueFrom" in e]
        assert not any("secretKeyRef" in ref for ref in env_refs), name
        volumes = {v["name"]: v for v in pod_spec(workload).get("volumes") or []}
        files = {
            item["path"]: (source["secret"], item["key"])
            for source in (volumes.get("secrets") or {}).get("projected", {}).get("sources", [])
            for item in source["secret"]["items"]
        }
        for section, section_values in sections.items():
            prefix = f"LOOKOUT_{snake(section)}__"
            if not any(key.startswith(prefix) for key in config):
                continue
            for field, key in section_values["secretKeys"].items():
                var = prefix + snake(field)
                existing = section_values["existingSecret"]
                made_up = f"{section}.{field}" in generated
                dev_secret = dev_secret_of(section, field, stand_ins)
                if dev_secret is not None:
                    # Dev mode: the dev service's kept Secret, whatever the section says.
                    secret, key = f"{fullname(vals)}-{dev_secret[0]}", dev_secret[1]
                    if var not in files:
                        problems.append(f"{name}: file {var} missing (dev mode)")
                    elif (files[var][0]["name"], files[var][1]) != (secret, key):
                        found = f"{files[var][0]['name']}/{files[var][1]}"
                        problems.append(f"{name}: {var} reads {found}, expected {secret}/{key}")
                    elif key not in (secrets.get(secret) or {}).get("data", {}):
                        problems.append(f"{name}: {var} reads {secret}/{key}, not rendered")
                    continue
                if not (existing or section_values.get(field) or made_up):
                    if var in files:
                        problems.append(f"{name}: {var} mounted though {section}.{field} is unset")
                    continue
                if var not in files:
                    problems.append(f"{name}: file {var} missing")
                    continue
                source, mounted_key = files[var]
                hook = "migrations-" if workload["kind"] == "Job" and not dev_enabled(vals) else ""
                secret = existing or f"{fullname(vals)}-{hook}{kebab(section)}"
                if source["name"] != secret or mounted_key != key:
                    found = f"{source['name']}/{mounted_key}"
                    problems.append(f"{name}: {var} reads {found}, expected {secret}/{key}")
                elif not existing and key not in (secrets.get(secret) or {}).get("data", {}):
                    problems.append(f"{name}: {var} reads {secret}/{key}, which is not rendered")
        if files:
            mounts = {m["name"]: m for m in container["volumeMounts"]}
            assert mounts["secrets"]["mountPath"] == SECRETS_DIR, name
            assert mounts["secrets"]["readOnly"] is True, name
    assert not problems, "\n".join(problems)


def test_global_values_are_accepted(helm: Helm) -> None:
    """Helm hands `global` to every chart; the schema must not reject it."""
    docs = helm.template(values=[MINIMAL], sets=["global.imageRegistry=mirror.example.com"])
    assert workloads(docs)


# --- 3. Helm 3 and Helm 4 agree ---------------------------------------------------------------


@combo_params
def test_helm_lines_render_the_same_manifests(
    helm: Helm, all_helms: dict[str, Helm], example: Path, preset: str
) -> None:
    others = [h for name, h in all_helms.items() if name != helm.name]
    assert others, "only one Helm binary available"
    mine = render(helm, example, preset)
    for other in others:
        theirs = normalize_generated(render(other, example, preset))
        mine = normalize_generated(mine)
        if theirs == mine:
            continue
        mine_by_id = {ident(d): d for d in mine}
        theirs_by_id = {ident(d): d for d in theirs}
        differing = sorted(
            i
            for i in mine_by_id.keys() | theirs_by_id.keys()
            if mine_by_id.get(i) != theirs_by_id.get(i)
        )
        order = [ident(d) for d in mine] != [ident(d) for d in theirs]
        pytest.fail(f"{helm.name} vs {other.name}: differ in {differing}; order differs: {order}")


# --- 4. Kubernetes API validation -------------------------------------------------------------


@functools.cache
def _kubernetes_errors(doc_json: str, version: str) -> tuple[str, ...]:
    doc = json.loads(doc_json)
    try:
        kube_validation.validate(doc, version)
    except kubernetes_validate.ValidationError as error:
        where = ".".join(str(p) for p in error.path) or "(top)"
        return (f"{where}: {error.message}",)
    except (kubernetes_validate.SchemaNotFoundError, kubernetes_validate.InvalidSchemaError) as e:
        return (e.message,)  # an unknown kind or apiVersion is an error, not a skip
    return ()


@pytest.mark.parametrize("kubernetes", KUBERNETES_VERSIONS)
@combo_params
def test_manifests_validate_against_kubernetes(
    helm: Helm, example: Path, preset: str, kubernetes: str
) -> None:
    errors = [
        f"{ident(doc)}: {message}"
        for doc in render(helm, example, preset)
        for message in _kubernetes_errors(json.dumps(doc, sort_keys=True), kubernetes)
    ]
    assert not errors, f"kubernetes-validate --strict -k {kubernetes}:\n" + "\n".join(errors)


def test_kubernetes_validation_is_strict() -> None:
    """Guard for the test above: an unknown field is reported, not ignored."""
    bad = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "x", "namespace": NAMESPACE, "bogus": 1},
    }
    assert _kubernetes_errors(json.dumps(bad), KUBERNETES_VERSIONS[0])


# --- 5. bad values ----------------------------------------------------------------------------


def _location(parts: list[str]) -> str:
    """Regex of a values location as Helm 3 (a.b.c, (root)) or Helm 4 ('/a/b/c', '') print it."""
    if not parts:
        return r"\(root\)|''"
    dotted = re.escape(".".join(parts))
    pointer = re.escape("/" + "/".join(parts))
    return rf"(?<![\w./]){dotted}(?![\w]|\.\w)|(?<![\w/]){pointer}(?![\w/])"


def mentions_path(stderr: str, path: str) -> bool:
    """Whether an error names the values key `path` (dotted), in either Helm's notation.

    Either the full location (`api.replicas`, `/api/replicas`), or, for a key that is missing or
    not allowed, its parent's location and the key's name on one line (`api: ... replica`,
    `at '/api': ... 'replica'`, `(root): ... unknownKey`).
    """
    parts = path.split(".")
    if re.search(_location(parts), stderr):
        return True
    parent, leaf = (
        re.compile(_location(parts[:-1])),
        re.compile(rf"(?<![\w/.]){re.escape(parts[-1])}(?!\w)"),
    )
    return any(parent.search(line) and leaf.search(line) for line in stderr.splitlines())


@pytest.mark.parametrize(
    ("stderr", "path", "expected"),
    [
        ("- api: Additional property replica is not allowed", "api.replica", True),
        ("- at '/api': additional properties 'replica' not allowed", "api.replica", True),
        ("- (root): Additional property unknownKey is not allowed", "unknownKey", True),
        ("- at '': additional properties 'unknownKey' not allowed", "unknownKey", True),
        ("- api.replicas: Must be greater than or equal to 0", "api.replicas", True),
        ("- at '/api/replicas': minimum: got -1, want 0", "api.replicas", True),
        ("- instance: publicUrl is required", "instance.publicUrl", True),
        ("- at '/instance': missing property 'publicUrl'", "instance.publicUrl", True),
        ("- api.replicas: Must be greater than or equal to 0", "api.replica", False),
        ("- at '/api/replicas': minimum: got -1, want 0", "api", False),
        ("- at '/api': additional properties 'replica' not allowed", "query.replica", False),
        ("- query.replicas: wrong", "api.replicas", False),
        ("- at '/instance': missing property 'adminEmail'", "instance.publicUrl", False),
    ],
)
def test_path_matcher(stderr: str, path: str, expected: bool) -> None:
    assert mentions_path(stderr, path) is expected


BAD_VALUES: dict[str, tuple[str, dict[str, Any]]] = {
    # id: (offending key, how to break minimal-values.yaml)
    "unknown-top-level-key": ("unknownKey", {"file": {"unknownKey": True}}),
    "unknown-workload-key": ("api.replica", {"set": ["api.replica=2"]}),
    "string-for-integer": ("database.poolSize", {"set-string": ["database.poolSize=many"]}),
    "string-for-boolean": ("ingress.enabled", {"file": {"ingress": {"enabled": "true"}}}),
    "enum-violation": ("preset", {"set": ["preset=huge"]}),
    "nested-enum-violation": ("logging.level", {"set": ["logging.level=verbose"]}),
    "negative-count": ("api.replicas", {"set": ["api.replicas=-1"]}),
    "missing-required": ("instance.publicUrl", {"drop": ["instance", "publicUrl"]}),
    "malformed-quantity": (
        "api.resources.limits.memory",
        {"set": ["api.resources.limits.memory=2GB"]},
    ),
    "negative-quantity": (
        "query.resources.requests.cpu",
        {"set": ["query.resources.requests.cpu=-1"]},
    ),
    "two-dot-quantity": (
        "worker.resources.limits.memory",
        {"set-string": ["worker.resources.limits.memory=1.5.0"]},
    ),
    # The chart's own checks, after preset and values are combined:
    "request-above-limit": (
        "api.resources.requests.memory",
        {"set": ["api.resources.requests.memory=4Gi"]},
    ),
    "request-above-preset-limit": (
        "ingest.resources.requests.cpu",
        {"set": ["ingest.resources.requests.cpu=3", "preset=small"]},
    ),
    "hpa-min-above-max": (
        "frontend.autoscaling.minReplicas",
        {"set": ["frontend.autoscaling.minReplicas=9", "frontend.autoscaling.maxReplicas=3"]},
    ),
    "pdb-blocks-every-eviction": (
        "query.podDisruptionBudget.minAvailable",
        {"set": ["query.podDisruptionBudget.minAvailable=2", "preset=small"]},
    ),
    "pdb-max-unavailable-zero": (
        "worker.podDisruptionBudget.maxUnavailable",
        {"set": ["worker.podDisruptionBudget.maxUnavailable=0", "preset=small"]},
    ),
    "budget-below-app-minimum": (
        "api.resources.limits.memory",
        {"set": ["api.resources.limits.memory=256Mi", "api.resources.requests.memory=256Mi"]},
    ),
    "hpa-on-singleton": ("scheduler.autoscaling", {"set": ["scheduler.autoscaling.enabled=true"]}),
}


def run_bad(helm: Helm, tmp_path: Path, change: dict[str, Any]) -> str:
    """Render minimal-values.yaml with one change; it must fail. Returns Helm's stderr."""
    files = [MINIMAL]
    if "drop" in change:
        *parents, leaf = change["drop"]
        doc = yaml.safe_load(MINIMAL.read_text())
        section = functools.reduce(lambda d, k: d[k], parents, doc)
        del section[leaf]
        files = [tmp_path / "minimal-without.yaml"]
        files[0].write_text(yaml.safe_dump(doc))
    if "file" in change:
        files.append(tmp_path / "bad.yaml")
        files[-1].write_text(yaml.safe_dump(change["file"]))
    args = helm.template_args(values=files, sets=change.get("set", []))
    for item in change.get("set-string", []):
        args += ["--set-string", item]
    result = helm.run(*args)
    assert result.returncode != 0, f"{helm.name} accepted {change}:\n{result.stdout[:2000]}"
    assert "kind:" not in result.stdout, "manifests printed despite the failure"
    return result.stderr


@pytest.mark.parametrize(("path", "change"), BAD_VALUES.values(), ids=BAD_VALUES.keys())
def test_bad_values_are_rejected_naming_the_key(
    helm: Helm, tmp_path: Path, path: str, change: dict[str, Any]
) -> None:
    stderr = run_bad(helm, tmp_path, change)
    assert mentions_path(stderr, path), f"{helm.name}: {path} not named in:\n{stderr}"


def test_missing_required_secret_fails_naming_both_ways_to_set_it(
    helm: Helm, tmp_path: Path
) -> None:
    change = {"set": ["database.existingSecret="]}
    merged = merge(values(MINIMAL), {"database": {"existingSecret": ""}})
    # The schema cannot express "one of the two": the chart's own check must catch it.
    assert not list(jsonschema.Draft7Validator(SCHEMA).iter_errors(merged))
    assert not merged["database"]["dsn"]
    stderr = run_bad(helm, tmp_path, change)
    for path in ("database.dsn", "database.existingSecret"):
        assert mentions_path(stderr, path), f"{helm.name}: {path} not named in:\n{stderr}"
    # auth still has its existingSecret: only the offending section is reported.
    assert not mentions_path(stderr, "auth.jwtSecret"), stderr


# --- 6. the values schema ---------------------------------------------------------------------


def walk(node: Any, pointer: str = "") -> Iterator[tuple[str, Any]]:
    """Every JSON value in the schema with its JSON pointer."""
    yield pointer, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from walk(value, f"{pointer}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, f"{pointer}/{index}")


def resolve(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = SCHEMA
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = {**{k: v for k, v in node.items() if k != "$ref"}, **target}
    return node


def test_schema_is_valid_draft_07() -> None:
    assert SCHEMA["$schema"] == "http://json-schema.org/draft-07/schema#"
    jsonschema.Draft7Validator.check_schema(SCHEMA)


def test_schema_refs_are_local_and_resolve() -> None:
    refs = [(p, n["$ref"]) for p, n in walk(SCHEMA) if isinstance(n, dict) and "$ref" in n]
    assert refs
    remote = [(p, r) for p, r in refs if not r.startswith("#/")]
    assert not remote, f"remote $ref: {remote}"
    for pointer, ref in refs:
        target: Any = SCHEMA
        for part in ref.removeprefix("#/").split("/"):
            assert isinstance(target, dict) and part in target, f"{pointer}: {ref} unresolved"
            target = target[part]


def test_schema_objects_forbid_unknown_keys() -> None:
    open_objects = [
        pointer
        for pointer, node in walk(SCHEMA)
        if isinstance(node, dict)
        and isinstance(node.get("properties"), dict)
        and not pointer.endswith("/properties")  # a property literally named "properties"
        and node.get("additionalProperties") is not False
        # Any Kubernetes object: its kind's schema is the API server's.
        and not pointer.startswith("/properties/extraObjects/items")
    ]
    assert not open_objects, f"objects accepting any key: {open_objects}"
    # Helm passes `global` to every chart: it must be declared, and left open.
    global_schema = SCHEMA["properties"]["global"]
    assert global_schema.get("type") == "object"
    assert global_schema.get("additionalProperties", True) is not False


def test_schema_requires_nothing_that_has_a_default() -> None:
    problems: list[str] = []

    def check(node: dict[str, Any], value: Any, path: str) -> None:
        if node.get("$ref", "").startswith(KUBERNETES_DEFS):
            return  # the API's own: what an object must hold when the operator gives one
        node = resolve(node)
        for branch in node.get("anyOf", []) + node.get("oneOf", []) + node.get("allOf", []):
            check(branch, value, path)
        properties = node.get("properties", {})
        for name in node.get("required", []):
            if isinstance(value, dict) and name in value:
                problems.append(f"{path}{name}: required, yet values.yaml sets it")
            if "default" in resolve(properties.get(name, {})):
                problems.append(f"{path}{name}: required, yet the schema has a default")
        if isinstance(value, dict):
            for name, item in value.items():
                if name in properties:
                    check(properties[name], item, f"{path}{name}.")
                elif isinstance(node.get("additionalProperties"), dict):
                    check(node["additionalProperties"], item, f"{path}{name}.")
        if isinstance(value, list) and isinstance(node.get("items"), dict):
            for index, item in enumerate(value):
                check(node["items"], item, f"{path}{index}.")

    check(SCHEMA, DEFAULTS, "")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    "part",
    [
        "app",
        "dev",
    ],
)
def test_schema_defaults_match_values_yaml(part: str) -> None:
    """Where both state a default, values.yaml and the schema agree (they document the same).

    `part` "dev" checks the dev-mode knobs (dev.*), "app" everything else.
    """
    problems: list[str] = []

    def check(node: dict[str, Any], value: Any, path: str) -> None:
        node = resolve(node)
        if (
            "default" in node
            and node["default"] != value
            and (path.split(".")[0] == "dev") == (part == "dev")
        ):
            problems.append(f"{path}: schema default {node['default']!r}, values.yaml {value!r}")
        if isinstance(value, dict):
            for name, item in value.items():
                if name in node.get("properties", {}):
                    check(node["properties"][name], item, f"{path}.{name}".lstrip("."))

    check(SCHEMA, DEFAULTS, "")
    assert not problems, "\n".join(problems)


def test_schema_presets_are_the_preset_files() -> None:
    assert sorted(SCHEMA["properties"]["preset"]["enum"]) == PRESETS
    assert DEFAULTS["preset"] in PRESETS


@example_params
@preset_params
def test_examples_merged_over_defaults_satisfy_the_schema(example: Path, preset: str) -> None:
    validator = jsonschema.Draft7Validator(SCHEMA)
    errors = [
        f"{'.'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
        for e in validator.iter_errors(values(example, preset))
    ]
    assert not errors, "\n".join(errors)


DEV_JOBS = ("templates/migrations/job.yaml", "templates/dev/minio.yaml")


def _job_names(helm: Helm, *sets: str) -> dict[str, str]:
    args = helm.template_args([CHART / "ci" / "dev-values.yaml"], list(sets))
    result = helm.run(*args, *(arg for t in DEV_JOBS for arg in ("--show-only", t)))
    assert result.returncode == 0, result.stderr
    docs = [d for d in yaml.safe_load_all(result.stdout) if d and d["kind"] == "Job"]
    return {
        d["metadata"]["labels"]["app.kubernetes.io/component"]: d["metadata"]["name"] for d in docs
    }


def test_dev_jobs_are_named_by_their_content(helm: Helm) -> None:
    """Not by the release revision, which stays 1 under Argo CD: a changed Job gets a new name
    (its spec is immutable), an unchanged one keeps its name whatever else changes."""
    names = _job_names(helm)
    assert set(names) == {"migrations", "minio-bucket"}
    assert _job_names(helm, "api.replicas=3") == names
    changed = _job_names(helm, "image.tag=9.9.9")
    assert changed["migrations"] != names["migrations"]
    assert changed["minio-bucket"] == names["minio-bucket"]
    bucket = _job_names(helm, "dev.minio.resources.limits.cpu=1")
    assert bucket["minio-bucket"] != names["minio-bucket"]
