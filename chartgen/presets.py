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
from chartgen.quantity import bytes_of, millicores
from chartgen.roles import Budget

# libyaml's parser when PyYAML was built with it: ten times faster than the pure-Python one.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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
    source: str  # file text, shipped inside the chart


def _check_shape(path: Path, name: str, entry: PresetWorkload, scalable: bool) -> None:
    for key in SCALING_KEYS:
        present = getattr(entry, key) is not None
        if present != scalable:
            need = "needs" if scalable else "takes no"
            raise PresetError(f"{path}: workloads.{name} {need} {camel(key)}")


def load_presets(directory: Path, scalable: dict[str, bool]) -> tuple[Preset, ...]:
    """Load every preset; ``scalable`` maps each workload to whether it takes replicas & co."""
    presets = []
    for path in sorted(directory.glob("*.yaml")):
        text = path.read_text()
        data: dict[str, Any] = yaml.load(text, Loader=SAFE_LOADER)
        raw = data.get("workloads") or {}
        unknown = sorted(set(raw) - set(scalable))
        missing = sorted(set(scalable) - set(raw))
        if unknown or missing:
            raise PresetError(
                f"{path}: workloads must be exactly the chart's; "
                f"unknown {unknown}, missing {missing}"
            )
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
                source=text,
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
