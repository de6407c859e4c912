"""The README's sizing section, computed at build time from presets/ and the app's formulas."""

from __future__ import annotations

from dataclasses import dataclass

from chartgen.model.spec import ChartSpec, WorkloadSpec
from chartgen.presets import Preset, PresetWorkload
from chartgen.runtime.derive import evaluate
from chartgen.runtime.quantity import bytes_of, format_bytes, millicores
from chartgen.runtime.roles import Derived


@dataclass(frozen=True)
class Totals:
    """Summed requests and limits of the long-running workloads at a replica count."""

    cpu_requests: int  # millicores
    memory_requests: int  # bytes
    cpu_limits: int
    memory_limits: int

    def describe(self) -> str:
        return (
            f"requests {_cores(self.cpu_requests)} CPU, {_gib(self.memory_requests)}; "
            f"limits {_cores(self.cpu_limits)} CPU, {_gib(self.memory_limits)}"
        )


def _cores(millis: int) -> str:
    return f"{millis / 1000:.2f}".rstrip("0").rstrip(".")


def _gib(size: int) -> str:
    return f"{size / (1 << 30):.2f}".rstrip("0").rstrip(".") + " GiB"


def totals(spec: ChartSpec, preset: Preset, at_max: bool) -> Totals:
    cpu_requests = memory_requests = cpu_limits = memory_limits = 0
    for workload in spec.workloads:
        if not workload.decl.traits.runs_alongside:
            continue  # runs to completion before upgrades, not alongside
        entry = preset.workloads[workload.name]
        count = entry.max_replicas if at_max else entry.min_replicas
        resources = entry.resources
        cpu_requests += count * millicores(resources.requests.cpu)
        memory_requests += count * bytes_of(resources.requests.memory)
        cpu_limits += count * millicores(resources.limits.cpu)
        memory_limits += count * bytes_of(resources.limits.memory)
    return Totals(cpu_requests, memory_requests, cpu_limits, memory_limits)


def _show(name: str, value: object) -> str:
    if isinstance(value, int) and name.endswith("_bytes"):
        return format_bytes(value)
    return str(value)


def derived_values(workload: WorkloadSpec, entry: PresetWorkload) -> str:
    values = evaluate(workload.decl.settings, entry.budget)
    return ", ".join(f"`{name}` = {_show(name, value)}" for name, value in values.items())


def _replicas(workload: WorkloadSpec, entry: PresetWorkload) -> str:
    if not workload.decl.traits.runs_alongside:
        return workload.decl.traits.kind
    if not workload.scalable:
        return "1 (singleton)"
    if entry.autoscaling is not None and entry.autoscaling.enabled:
        target = entry.autoscaling.target_cpu_utilization_percentage
        return f"{entry.min_replicas}–{entry.max_replicas} (HPA at {target} % CPU)"
    return str(entry.replicas)


def _availability(entry: PresetWorkload) -> str:
    parts = []
    budget = entry.pod_disruption_budget
    if budget is not None and budget.enabled:
        if budget.max_unavailable is not None:
            parts.append(f"PDB maxUnavailable {budget.max_unavailable}")
        else:
            parts.append(f"PDB minAvailable {budget.min_available}")
    if entry.topology_spread is not None and entry.topology_spread.enabled:
        parts.append("spread over zones and hosts")
    return ", ".join(parts) or "-"


def _has_derived(workload: WorkloadSpec) -> bool:
    return any(isinstance(s.role, Derived) for s in workload.settings)


def _row(workload: WorkloadSpec, entry: PresetWorkload) -> dict[str, str]:
    res = entry.resources
    return {
        "name": workload.name,
        "replicas": _replicas(workload, entry),
        "cpu": f"{res.requests.cpu} / {res.limits.cpu}",
        "memory": f"{res.requests.memory} / {res.limits.memory}",
        "availability": _availability(entry),
        "derived": derived_values(workload, entry) if _has_derived(workload) else "-",
    }


def preset_tables(spec: ChartSpec, presets: tuple[Preset, ...]) -> list[dict[str, object]]:
    """Per preset: its totals at the fewest and most replicas, and a row per workload."""
    return [
        {
            "name": preset.name,
            "description": preset.description,
            "low": totals(spec, preset, at_max=False).describe(),
            "high": totals(spec, preset, at_max=True).describe(),
            "rows": [_row(w, preset.workloads[w.name]) for w in spec.workloads],
        }
        for preset in presets
    ]
