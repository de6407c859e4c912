"""Rendered changes: every preset × example of the current chart, rendered with both charts.

The examples are the current chart's (ci/*.yaml). Where the base chart refuses one (it
uses what this version adds), its objects cannot be compared and that is said. The base
chart's own examples are also rendered with the current chart: an example the base
rendered and the current chart refuses is existing values that no longer render.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from chartgen.diff.manifests import compare_objects
from chartgen.diff.model import Change
from chartgen.diff.render import Render

# (chart, values file or None, preset or None) -> Render
Renderer = Callable[[Path, Path | None, str | None], Render]


@dataclass(frozen=True)
class Case:
    """One values file under one preset."""

    values: Path | None
    preset: str | None
    ours: bool  # the current chart's example (else one only the base chart has)

    @property
    def example(self) -> str:
        name = f"ci/{self.values.name}" if self.values else "the default values"
        return name if self.ours else f"the base chart's {name}"

    @property
    def label(self) -> str:
        return f"{self.example} × {self.preset}" if self.preset else self.example


def presets_of(chart: Path) -> list[str]:
    return sorted(p.stem for p in (chart / "presets").glob("*.yaml"))


def examples_of(chart: Path) -> list[Path]:
    return sorted((chart / "ci").glob("*.yaml"))


def _cases(examples: list[Path], presets: list[str | None], ours: bool) -> list[Case]:
    files: list[Path | None] = list(examples) or [None]
    return [Case(values, preset, ours) for values in files for preset in presets]


def _render_all(render: Renderer, jobs: list[tuple[Path, Path | None, str | None]]) -> list[Render]:
    # Each render is a Helm process: run a few at once.
    with ThreadPoolExecutor(max_workers=min(8, (os.cpu_count() or 2) * 2)) as pool:
        return list(pool.map(lambda job: render(*job), jobs))


def merge_renders(changes: Iterable[tuple[Change, str]]) -> list[Change]:
    """One change per distinct finding, naming the renders it shows in."""
    merged: dict[tuple[str, ...], Change] = {}
    for change, where in changes:
        key = tuple(
            str(x) for x in (change.kind, change.object, change.field, change.before, change.after)
        )
        known = merged.get(key)
        renders = (*known.renders, where) if known else (where,)
        merged[key] = replace(known or change, renders=renders)
    return list(merged.values())


def _own_example(base: Path, case: Case) -> Path | None:
    """The base chart's example of the same name, when it differs from the current one."""
    if case.values is None or not case.ours:
        return None
    own = base / "ci" / case.values.name
    return own if own.is_file() and own.read_text() != case.values.read_text() else None


def compare_renders(
    base: Path, current: Path, render: Renderer
) -> tuple[list[Change], tuple[str, ...]]:
    """The rendered changes, and the labels of the renders compared."""
    base_presets = set(presets_of(base))
    # Presets the base lacks cannot render there; the schema's preset enum shows them.
    presets: list[str | None] = [p for p in presets_of(current) if p in base_presets] or [None]
    current_examples = examples_of(current)
    ours = _cases(current_examples, presets, ours=True)
    texts = {path.read_text() for path in current_examples}
    theirs = _cases([p for p in examples_of(base) if p.read_text() not in texts], presets, False)
    cases = ours + theirs
    jobs = [(chart, case.values, case.preset) for case in cases for chart in (base, current)]
    results = iter(_render_all(render, jobs))
    pairs = {case: (next(results), next(results)) for case in cases}
    # An example this version changed to use what it adds: render the base chart with its
    # own version of that example, so the objects are still compared.
    retry = [
        (case, own)
        for case, (old, _) in pairs.items()
        if old.documents is None and (own := _own_example(base, case)) is not None
    ]
    again = _render_all(render, [(base, own, case.preset) for case, own in retry])
    for (case, _), old in zip(retry, again, strict=True):
        if old.documents is not None:
            pairs[case] = (old, pairs[case][1])
    found = [(change, case.label) for case in cases for change in _case_changes(case, *pairs[case])]
    return merge_renders(found), tuple(case.label for case in ours)


def _case_changes(case: Case, old: Render, new: Render) -> list[Change]:
    name = case.example
    if new.documents is None and (old.documents is not None or case.ours):
        before = "the base chart renders it" if old.documents is not None else "its own example"
        return [
            Change(
                "example-rejected",
                "breaking",
                f"this chart refuses it ({before}): {new.error}",
                object=name,
                action=f"values like {name} need changing: see the error",
            )
        ]
    if old.documents is None or new.documents is None:
        if not case.ours:
            return []  # the base chart refuses its own example: nothing to learn
        return [
            Change(
                "example-not-compared",
                "needs-attention",
                "the base chart refuses it (it uses what this version adds), so its objects "
                f"were not compared: {old.error}",
                object=name,
                action="review what this example renders by hand",
            )
        ]
    if not case.ours:
        return []
    per_revision = old.per_revision | new.per_revision
    return compare_objects(list(old.documents), list(new.documents), per_revision.__contains__)
