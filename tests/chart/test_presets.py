"""Presets and derived settings end to end: real Helm renders, the kubelet's downward API
played from the rendered resources, and the app's own loader computing the derived values.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import pytest
import yaml
from lookout.chart import CHART as CHART_DECLARATION
from lookout.settings import SERVICES
from lookout.sizing.units import format_bytes, format_cpu

from chartgen.runtime.derive import derived_fields, evaluate
from chartgen.runtime.quantity import bytes_of, millicores
from chartgen.runtime.roles import Budget
from tests.chart.test_contract import existing_secrets_for
from tests.contract import container_start, find_workload, run_check_config
from tests.helm import CHART, PRESETS, Helm, normalize_generated

MINIMAL = CHART / "ci" / "minimal-values.yaml"
README = (CHART / "README.md").read_text()
DERIVED = sorted(name for name, model in SERVICES.items() if derived_fields(model))
BUDGET_ENV = {
    "LOOKOUT_BUDGET_CPU_MILLICORES": ("cpu", "1m"),
    "LOOKOUT_BUDGET_MEMORY_BYTES": ("memory", "1"),
}
DERIVED_LINE = re.compile(r"^(\w+) = (\S+)  \((derived from budget[^)]*|explicit)\)$", re.M)


@functools.cache
def _render(helm: Helm, sets: tuple[str, ...]) -> tuple[dict[str, Any], ...]:
    return tuple(helm.template([MINIMAL], list(sets)))


def render(helm: Helm, *sets: str) -> list[dict[str, Any]]:
    return list(_render(helm, sets))


def derived_from_app(docs: list[dict[str, Any]], service: str) -> dict[str, tuple[int, str]]:
    """Run the app's check-config with the environment the kubelet would give the container."""
    workload = find_workload(docs, service)
    start = container_start(docs, workload, service, existing_secrets_for(MINIMAL))
    result = run_check_config(service, start.env, start.mounts)
    assert result.returncode == 0, result.stdout + result.stderr
    return {
        name: (int(value), source) for name, value, source in DERIVED_LINE.findall(result.stdout)
    }


def readme_derived(preset: str) -> dict[str, dict[str, int]]:
    """The derived values the chart README promises for each workload under a preset."""
    section = re.split(r"\n##+ ", README.split(f"### `{preset}`", 1)[1], maxsplit=1)[0]
    table: dict[str, dict[str, int]] = {}
    for row in section.splitlines():
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        if len(cells) == 6 and cells[0].startswith("`") and cells[5] != "-":
            pairs = re.findall(r"`(\w+)` = (\S+?)(?:,|$)", cells[5])
            table[cells[0].strip("`")] = {k: int(bytes_of(v)) for k, v in pairs}
    return table


def preset_budget(preset: str, workload: str) -> Budget:
    data = yaml.safe_load((CHART / "presets" / f"{preset}.yaml").read_text())
    limits = data["workloads"][workload]["resources"]["limits"]
    return Budget(millicores(limits["cpu"]), bytes_of(limits["memory"]))


def env_entry(docs: list[dict[str, Any]], service: str, name: str) -> dict[str, Any]:
    container = find_workload(docs, service)["spec"]["template"]["spec"]["containers"][0]
    return next(e for e in container["env"] if e["name"] == name)


@pytest.mark.parametrize("preset", PRESETS)
def test_derived_values_in_the_pod_equal_the_readme(helm: Helm, preset: str) -> None:
    docs = render(helm, f"preset={preset}")
    promised = readme_derived(preset)
    assert set(promised) == set(DERIVED)
    for service in DERIVED:
        for name, (resource, divisor) in BUDGET_ENV.items():
            ref = env_entry(docs, service, name)["valueFrom"]["resourceFieldRef"]
            assert ref == {
                "containerName": service,
                "resource": f"limits.{resource}",
                "divisor": divisor,
            }, service
        running = derived_from_app(docs, service)
        assert {k: v for k, (v, _) in running.items()} == promised[service], service
        budget = preset_budget(preset, service)
        shown = f"{format_cpu(budget.cpu_millicores)} CPU, {format_bytes(budget.memory_bytes)}"
        assert {source for _, source in running.values()} == {
            f"derived from budget: {shown} memory"
        }, service


def test_a_resource_override_changes_that_workload_only(helm: Helm) -> None:
    base = render(helm, "preset=small")
    sets = ("preset=small", "ingest.resources.limits.cpu=2", "ingest.resources.limits.memory=3Gi")
    changed = render(helm, *sets)
    differing = [
        (a["kind"], a["metadata"]["name"])
        for a, b in zip(normalize_generated(base), normalize_generated(changed), strict=True)
        if a != b
    ]
    assert differing == [("Deployment", "rel-lookout-ingest")]
    before = derived_from_app(base, "ingest")
    after = derived_from_app(changed, "ingest")
    expected = evaluate(SERVICES["ingest"], Budget(2000, 3 << 30))
    assert {k: v for k, (v, _) in after.items()} == expected
    assert all(after[k][0] >= before[k][0] for k in before)
    assert after != before


def test_without_a_cpu_limit_the_budget_is_the_request(helm: Helm) -> None:
    docs = render(helm, "preset=small", "api.resources.limits.cpu=")
    container = find_workload(docs, "api")["spec"]["template"]["spec"]["containers"][0]
    assert "cpu" not in container["resources"]["limits"]
    ref = env_entry(docs, "api", "LOOKOUT_BUDGET_CPU_MILLICORES")["valueFrom"]["resourceFieldRef"]
    assert ref["resource"] == "requests.cpu"  # never the node's CPU count
    running = derived_from_app(docs, "api")
    expected = evaluate(SERVICES["api"], Budget(millicores("250m"), bytes_of("1Gi")))
    assert {k: v for k, (v, _) in running.items()} == expected


def test_an_explicit_value_overrides_the_formula(helm: Helm) -> None:
    docs = render(helm, "preset=small", "worker.settings.concurrency=7")
    assert derived_from_app(docs, "worker") == {"concurrency": (7, "explicit")}
    config = next(
        d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"].endswith("-worker")
    )
    assert config["data"]["LOOKOUT_CONCURRENCY"] == "7"
    untouched = render(helm, "preset=small")
    config = next(
        d
        for d in untouched
        if d["kind"] == "ConfigMap" and d["metadata"]["name"].endswith("-worker")
    )
    assert "LOOKOUT_CONCURRENCY" not in config["data"]  # null: the app derives it


def _readme_totals() -> dict[str, tuple[str, str]]:
    rows = README.split("| Preset | At minimum replicas | At maximum replicas |", 1)[1]
    totals = {}
    for row in rows.strip().splitlines()[1:]:
        if not row.startswith("| `"):
            break
        name, low, high = (cell.strip() for cell in row.strip("|").split("|"))
        totals[name.strip("`")] = (low, high)
    return totals


JOBS = {w.name for w in CHART_DECLARATION.workloads if w.kind == "Job"}


def _sum(preset: str, at_max: bool) -> tuple[float, float, float, float]:
    """CPU cores and GiB, requested and limited, of the long-running workloads."""
    data = yaml.safe_load((CHART / "presets" / f"{preset}.yaml").read_text())["workloads"]
    cpu_req = mem_req = cpu_lim = mem_lim = 0
    for name, entry in data.items():
        if name in JOBS:
            continue
        hpa = entry.get("autoscaling") or {"enabled": False}
        if hpa["enabled"]:
            count = hpa["maxReplicas"] if at_max else hpa["minReplicas"]
        else:
            count = entry.get("replicas", 1)  # a singleton has no replicas key
        res = entry["resources"]
        cpu_req += count * millicores(res["requests"]["cpu"])
        mem_req += count * bytes_of(res["requests"]["memory"])
        cpu_lim += count * millicores(res["limits"]["cpu"])
        mem_lim += count * bytes_of(res["limits"]["memory"])
    return cpu_req / 1000, mem_req / (1 << 30), cpu_lim / 1000, mem_lim / (1 << 30)


@pytest.mark.parametrize("preset", PRESETS)
def test_readme_totals_are_the_sum_of_the_preset(preset: str) -> None:
    low, high = _readme_totals()[preset]
    for text, at_max in ((low, False), (high, True)):
        numbers = [float(n) for n in re.findall(r"([0-9.]+) (?:CPU|GiB)", text)]
        assert numbers == pytest.approx(list(_sum(preset, at_max)), abs=0.01), text


def test_tiny_has_no_autoscaling_and_small_up_is_available() -> None:
    for preset in PRESETS:
        data = yaml.safe_load((CHART / "presets" / f"{preset}.yaml").read_text())["workloads"]
        scalable = {k: v for k, v in data.items() if "autoscaling" in v}
        assert scalable, preset
        for name, entry in scalable.items():
            highly_available = preset != "tiny"
            assert entry["autoscaling"]["enabled"] is highly_available, (preset, name)
            assert entry["podDisruptionBudget"]["enabled"] is highly_available, (preset, name)
            assert entry["topologySpread"]["enabled"] is highly_available, (preset, name)
