"""Values keys the chart no longer has: declared renames (on fields) and removals.

Each becomes a deprecated property in values.schema.json (so the schema lets the old key
through to a clear message instead of "additional property not allowed"), a guard in the
chart that fails the render naming what to do, and a rename or removal in `chartgen diff`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chartgen.model.spec import ChartSpec


@dataclass(frozen=True)
class RetiredKey:
    path: tuple[str, ...]
    since: str
    renamed_to: tuple[str, ...] | None = None
    reason: str = ""

    @property
    def dotted(self) -> str:
        return ".".join(self.path)

    @property
    def message(self) -> str:
        if self.renamed_to is not None:
            new = ".".join(self.renamed_to)
            return (
                f"{self.dotted} was renamed to {new} in chart {self.since}: move its value there."
            )
        return f"{self.dotted} was removed in chart {self.since}: {self.reason}"

    def schema(self) -> dict[str, Any]:
        extra: dict[str, Any] = (
            {"x-renamed-to": ".".join(self.renamed_to)}
            if self.renamed_to is not None
            else {"x-removed": self.reason}
        )
        return {"deprecated": True, "description": self.message, **extra, "x-since": self.since}


def retired_keys(spec: ChartSpec) -> tuple[RetiredKey, ...]:
    found: dict[tuple[str, ...], RetiredKey] = {}
    for workload in spec.workloads:
        for setting in workload.settings:
            if setting.renamed is not None and setting.values_path:
                old = setting.old_values_path
                found[old] = RetiredKey(old, setting.renamed.since, renamed_to=setting.values_path)
    for removal in spec.decl.removals:
        path = tuple(removal.key.split("."))
        found[path] = RetiredKey(path, removal.since, reason=removal.reason)
    return tuple(found[path] for path in sorted(found))


def _object_at(schema: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    node = schema
    for key in path:
        node = node["properties"][key]
        if "$ref" in node:
            # "#/$defs/Name" (pydantic's) or "#/definitions/Name" (as written, draft-07)
            where, _, name = node["$ref"].removeprefix("#/").partition("/")
            node = schema[where][name]
    return node


def add_retired_keys(schema: dict[str, Any], retired: tuple[RetiredKey, ...]) -> None:
    """Declare each retired key, deprecated, in the object schema that held it."""
    for key in retired:
        parent = _object_at(schema, key.path[:-1])
        parent.setdefault("properties", {})[key.path[-1]] = key.schema()
