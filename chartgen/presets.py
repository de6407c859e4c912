"""Sizing presets: per-workload resources, replicas, autoscaling, PDB and spread, one file each.

Presets are validated when the chart is built, so a preset can never ship with requests
above limits, an HPA whose minimum exceeds its maximum, or a missing knob.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from chartgen.knobs import Disruption
from chartgen.naming import camel
from chartgen.runtime.quantity import bytes_of, millicores
from chartgen.runtime.roles import Budget

# libyaml's parser when PyYAML was built with it: ten times faster than the pure-Python one.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
SAFE_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml's: 10x PyYAML's


class PresetError(ValueError):
    pass


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", alias_generator=camel, populate_by_name=True)


class PresetQuantities(_Strict):
    cpu: str | int | float
    memory: str | int | float
    # /tmp is an emptyDir: bounding it keeps one pod from filling a node's disk.
    ephemeral_storage: str | int | float = Field(alias="ephemeral-storage")


class PresetResources(_Strict):
    requests: PresetQuantities
    limits: PresetQuantities

    @model_validator(mode="after")
    def _requests_within_limits(self) -> PresetResources:
        if millicores(self.requests.cpu) > millicores(self.limits.cpu):
            raise ValueError("requests.cpu is above limits.cpu")
        if bytes_of(self.requests.memory) > bytes_of(self.limits.memory):
            raise ValueError("requests.memory is above limits.memory")
        return self


class PresetAutoscaling(_Strict):
    enabled: bool
    min_replicas: int = Field(ge=1)
    max_replicas: int = Field(ge=1)
    target_cpu_utilization_percentage: int = Field(
        ge=1, le=100, alias="targetCPUUtilizationPercentage"
    )
    target_memory_utilization_percentage: int | None = Field(
        None, ge=1, le=100, alias="targetMemoryUtilizationPercentage"
    )
    # HPA v2 behavior, as Kubernetes takes it (the API server checks it).
    behavior: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _min_within_max(self) -> PresetAutoscaling:
        if self.min_replicas > self.max_replicas:
            raise ValueError("minReplicas is above maxReplicas")
        return self


class PresetDisruptionBudget(_Strict):
    enabled: bool
    min_available: Disruption | None = None
    max_unavailable: Disruption | None = None


class PresetSpread(_Strict):
    enabled: bool


class PresetWorkload(_Strict):
    replicas: int | None = Field(None, ge=1)
    resources: PresetResources
    autoscaling: PresetAutoscaling | None = None
    pod_disruption_budget: PresetDisruptionBudget | None = None
    topology_spread: PresetSpread | None = None

    @property
    def budget(self) -> Budget:
        """What derived settings see: CPU and memory limits (presets always set both)."""
        return Budget(
            cpu_millicores=millicores(self.resources.limits.cpu),
            memory_bytes=bytes_of(self.resources.limits.memory),
        )

    @property
    def min_replicas(self) -> int:
        if self.autoscaling is not None and self.autoscaling.enabled:
            return self.autoscaling.min_replicas
        return self.replicas or 1

    @property
    def max_replicas(self) -> int:
        if self.autoscaling is not None and self.autoscaling.enabled:
            return self.autoscaling.max_replicas
        return self.replicas or 1


SCALING_KEYS = ("replicas", "autoscaling", "pod_disruption_budget", "topology_spread")


@dataclass(frozen=True)
class Preset:
    name: str
    order: int
    description: str
    workloads: dict[str, PresetWorkload]
    source: str  # the resolved preset, shipped inside the chart


def _check_shape(path: Path, name: str, entry: PresetWorkload, scalable: bool) -> None:
    for key in SCALING_KEYS:
        present = getattr(entry, key) is not None
        if present != scalable:
            need = "needs" if scalable else "takes no"
            raise PresetError(f"{path}: workloads.{name} {need} {camel(key)}")


def _entry(path: Path, data: dict[str, Any], name: str, scalable: bool) -> dict[str, Any]:
    """A workload's entry: its own, else the preset's default for its shape."""
    own = (data.get("workloads") or {}).get(name)
    if own is not None:
        return dict(own)
    shape = "scalable" if scalable else "fixed"
    default = (data.get("defaults") or {}).get(shape)
    if default is None:
        raise PresetError(
            f"{path}: no entry for workload {name!r}: add workloads.{name} or defaults.{shape}"
        )
    return dict(default)


def _resolved_text(path: Path, data: dict[str, Any], workloads: dict[str, Any]) -> str:
    """The preset as the chart ships it: every workload spelled out, defaults applied."""
    if "defaults" not in data:
        return path.read_text()
    head = [line for line in path.read_text().splitlines() if line.startswith("#")]
    body = {"order": data["order"], "description": data["description"], "workloads": workloads}
    text = yaml.dump(body, Dumper=SAFE_DUMPER, sort_keys=False, width=100, allow_unicode=False)
    return "\n".join(head) + "\n" + text


def load_presets(directory: Path, scalable: dict[str, bool]) -> tuple[Preset, ...]:
    """Load every preset; ``scalable`` maps each workload to whether it takes replicas & co."""
    presets = []
    for path in sorted(directory.glob("*.yaml")):
        data: dict[str, Any] = yaml.load(path.read_text(), Loader=SAFE_LOADER)
        unknown = sorted(set(data.get("workloads") or {}) - set(scalable))
        if unknown:
            raise PresetError(f"{path}: workloads {unknown} are not workloads of the chart")
        raw = {name: _entry(path, data, name, shape) for name, shape in scalable.items()}
        workloads: dict[str, PresetWorkload] = {}
        for name in scalable:
            try:
                workloads[name] = PresetWorkload.model_validate(raw[name])
            except ValidationError as error:
                raise PresetError(f"{path}: workloads.{name}: {error}") from error
            _check_shape(path, name, workloads[name], scalable[name])
        presets.append(
            Preset(
                name=path.stem,
                order=int(data["order"]),
                description=str(data["description"]).strip(),
                workloads=workloads,
                source=_resolved_text(path, data, raw),
            )
        )
    if not presets:
        raise PresetError(f"{directory}: no presets (*.yaml)")
    return tuple(sorted(presets, key=lambda p: p.order))


def check_minimums(presets: tuple[Preset, ...], minimums: dict[str, Budget]) -> None:
    """Every preset gives each workload at least the budget its app accepts."""
    for preset in presets:
        for name, minimum in minimums.items():
            budget = preset.workloads[name].budget
            for resource, have, need in (
                ("cpu", budget.cpu_millicores, minimum.cpu_millicores),
                ("memory", budget.memory_bytes, minimum.memory_bytes),
            ):
                if have < need:
                    raise PresetError(
                        f"presets/{preset.name}.yaml: workloads.{name}.resources.limits."
                        f"{resource} is below the minimum the app accepts ({need})"
                    )
