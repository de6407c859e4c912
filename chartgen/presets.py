"""Sizing presets: per-workload resources and replicas, one YAML file per preset."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

# libyaml's parser when PyYAML was built with it: ten times faster than the pure-Python one.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Preset:
    name: str
    order: int
    description: str
    workloads: dict[str, dict[str, Any]]
    source: str  # file text, shipped inside the chart


class PresetError(ValueError):
    pass


def load_presets(directory: Path, workload_names: tuple[str, ...]) -> tuple[Preset, ...]:
    presets = []
    for path in sorted(directory.glob("*.yaml")):
        text = path.read_text()
        data = yaml.load(text, Loader=SAFE_LOADER)
        workloads = data.get("workloads") or {}
        unknown = sorted(set(workloads) - set(workload_names))
        missing = sorted(set(workload_names) - set(workloads))
        if unknown or missing:
            raise PresetError(
                f"{path}: workloads must be exactly the chart's; "
                f"unknown {unknown}, missing {missing}"
            )
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
