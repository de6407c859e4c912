"""make bench: chartgen's and Helm's costs on this machine, as ratios and medians of one run.

The machine is small and shared, so every figure is a median of several runs, and what is
compared is measured in the same run, in rounds of one run each (a slow spell then hits both
sides alike). Verdicts are on wall time; CPU time (this process's plus its children's) is
shown beside it, as it moves less when other work shares the cores. It is a report: exit 0.

1. Helm's cost per rendered object of generated/lookout above the floor of `helm create`'s
   starter chart: median over rounds of (t_chart - t_starter), divided by the chart's objects.
2. The in-process build of apps/lookout (and, for information, `chartgen check` as a process).
3. Scaling: synthetic projects of N workloads x 50 settings (tools/bench_app.py), built in
   process and templated with Helm 4; per-workload cost and whether it grows linearly.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import yaml
from bench_app import write_project

from chartgen.build import build_chart, chart_dir, write_chart
from chartgen.config import load_project

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "apps" / "lookout"
CHART = ROOT / "generated" / "lookout"
HELMS = {
    "helm 4.3.1": ROOT / ".tools/helm-4.3.1/helm",
    "helm 3.17.2": ROOT / ".tools/helm-3.17.2/helm",
}
SCALING_HELM = "helm 4.3.1"
VALUES = ("minimal", "full")
HELM_RUNS = 11
BUILD_RUNS = 15
CLI_RUNS = 5
SCALE_RUNS = 5
SIZES = (10, 50, 100)
FIELDS = 50

MS_PER_OBJECT = 0.6
BUILD_MS = 60.0
SCALE_BUILD_S = 1.0
SLOPE_RATIO = 1.5

Action = Callable[[], object]
K = TypeVar("K")


@dataclass(frozen=True)
class Cost:
    wall: float  # seconds
    cpu: float  # seconds of CPU, this process and the children it waited for

    def __sub__(self, other: Cost) -> Cost:
        return Cost(self.wall - other.wall, self.cpu - other.cpu)

    def per(self, count: float) -> Cost:
        return Cost(self.wall / count, self.cpu / count)


@dataclass(frozen=True)
class Row:
    measure: str
    value: str
    target: str = ""
    ok: bool | None = None  # None: for information

    @property
    def result(self) -> str:
        return "info" if self.ok is None else "met" if self.ok else "NOT met"


def _cpu_seconds() -> float:
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def timed(action: Action) -> Cost:
    wall, cpu = time.perf_counter(), _cpu_seconds()
    action()
    return Cost(time.perf_counter() - wall, _cpu_seconds() - cpu)


def median(costs: Sequence[Cost]) -> Cost:
    return Cost(statistics.median(c.wall for c in costs), statistics.median(c.cpu for c in costs))


def rounds(actions: dict[K, Action], runs: int) -> dict[K, list[Cost]]:
    """``runs`` rounds of one run of each action, after one warm-up run of each."""
    for action in actions.values():
        action()
    samples: dict[K, list[Cost]] = {key: [] for key in actions}
    for _ in range(runs):
        for key, action in actions.items():
            samples[key].append(timed(action))
    return samples


def paired_median(costs: Sequence[Cost], floors: Sequence[Cost]) -> Cost:
    """Median over rounds of the difference between two actions timed in the same round."""
    return median([cost - floor for cost, floor in zip(costs, floors, strict=True)])


def command(*argv: str | Path) -> Callable[[], subprocess.CompletedProcess[str]]:
    args = [str(a) for a in argv]
    return lambda: subprocess.run(args, check=True, capture_output=True, text=True, cwd=ROOT)


def template(helm: Path, chart: Path, values: Path | None = None) -> Sequence[str | Path]:
    return (helm, "template", "rel", chart, *(("--values", values) if values else ()))


def count_objects(stream: str) -> int:
    return sum(1 for doc in yaml.safe_load_all(stream) if isinstance(doc, dict) and "kind" in doc)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if abs(seconds) < 1 else f"{seconds:.2f} s"


def both(cost: Cost) -> str:
    return f"{ms(cost.wall)} (cpu {ms(cost.cpu)})"


def helm_rows(name: str, helm: Path, scratch: Path) -> list[Row]:
    subprocess.run([helm, "create", "starter"], check=True, capture_output=True, cwd=scratch)
    charts = {"starter": template(helm, scratch / "starter")}
    for values in VALUES:
        charts[values] = template(helm, CHART, CHART / "ci" / f"{values}-values.yaml")
    # The same render without checking values.schema.json: what the templates alone cost.
    minimal = charts[VALUES[0]]
    charts["templates only"] = (*minimal, "--skip-schema-validation")
    objects = {key: count_objects(command(*argv)().stdout) for key, argv in charts.items()}
    samples = rounds({key: command(*argv) for key, argv in charts.items()}, HELM_RUNS)
    starter = median(samples["starter"])
    rows = [Row(f"{name} starter chart", f"{both(starter)}, {objects['starter']} objects")]
    for values in VALUES:
        above = paired_median(samples[values], samples["starter"]).per(objects[values])
        rows.append(
            Row(
                f"{name} lookout {values}: above starter",
                f"{above.wall * 1000:.2f} ms/object (cpu {above.cpu * 1000:.2f}); "
                f"{ms(median(samples[values]).wall)}, {objects[values]} objects",
                f"<= {MS_PER_OBJECT} ms/object",
                above.wall * 1000 <= MS_PER_OBJECT,
            )
        )
    templates = paired_median(samples["templates only"], samples["starter"])
    schema = paired_median(samples[VALUES[0]], samples["templates only"])
    count = objects[VALUES[0]]
    rows.append(
        Row(
            f"{name} lookout {VALUES[0]}: of which templates | schema",
            f"{templates.per(count).wall * 1000:.2f} | {schema.per(count).wall * 1000:.2f} "
            f"ms/object ({ms(templates.wall)} | {ms(schema.wall)})",
        )
    )
    return rows


def build_rows() -> list[Row]:
    project = load_project(APP)
    build = median(rounds({"build": lambda: build_chart(project)}, BUILD_RUNS)["build"])
    check = [sys.executable, "-m", "chartgen", "check", "--project", str(APP.relative_to(ROOT))]
    status: list[int] = []

    def cli() -> None:
        status.append(subprocess.run(check, capture_output=True, cwd=ROOT).returncode)

    process = median(rounds({"cli": cli}, CLI_RUNS)["cli"])
    stale = "; exit 1: chart on disk is stale" if status[-1] == 1 else ""
    first = statistics.median(_first_build() for _ in range(CLI_RUNS))
    return [
        Row(
            "lookout build, in process",
            both(build),
            f"<= {BUILD_MS:.0f} ms",
            build.wall * 1000 <= BUILD_MS,
        ),
        # The row above is a process's later builds: the schema of each field type (and a
        # few knobs) are made once per process. The first build makes them.
        Row("lookout build, first in its process (after imports)", ms(first)),
        Row("lookout `chartgen check`, CLI process", both(process) + stale),
    ]


FIRST_BUILD = """
import sys, time
from pathlib import Path
from chartgen.build import build_chart
from chartgen.config import load_project
project = load_project(Path(sys.argv[1]))
project.load_declaration()
start = time.perf_counter()
build_chart(project)
print(time.perf_counter() - start)
"""


def _first_build() -> float:
    """Seconds of the first build in a fresh process, its imports done before the clock."""
    done = subprocess.run(
        [sys.executable, "-c", FIRST_BUILD, str(APP)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    return float(done.stdout.strip())


@dataclass(frozen=True)
class Scale:
    workloads: int
    build: Cost
    helm: Cost
    objects: int


def _rendered(project_root: Path) -> Callable[[], subprocess.CompletedProcess[str]]:
    project = load_project(project_root)
    chart = build_chart(project)
    write_chart(project, chart)
    return command(*template(HELMS[SCALING_HELM], chart_dir(project, chart)))


def measure_scales(scratch: Path) -> list[Scale]:
    """Every size built, then templated, in rounds of one run per size."""
    roots = {n: write_project(scratch, n, FIELDS) for n in SIZES}
    projects = {n: load_project(root) for n, root in roots.items()}
    builds = rounds({n: (lambda p=p: build_chart(p)) for n, p in projects.items()}, SCALE_RUNS)
    renders = {n: _rendered(root) for n, root in roots.items()}
    objects = {n: count_objects(render().stdout) for n, render in renders.items()}
    helms = rounds(dict(renders), SCALE_RUNS)
    return [Scale(n, median(builds[n]), median(helms[n]), objects[n]) for n in SIZES]


def growth_row(label: str, points: Sequence[tuple[int, Cost]]) -> Row:
    """Slope (cost per added workload) over the second interval against the first."""
    (n0, c0), (n1, c1), (n2, c2) = points
    first, second = (c1 - c0).per(n1 - n0), (c2 - c1).per(n2 - n1)
    ratio = second.wall / first.wall if first.wall > 0 else float("inf")
    cpu = second.cpu / first.cpu if first.cpu > 0 else float("inf")
    return Row(
        f"{label} growth: slope {n1}->{n2} / {n0}->{n1}",
        f"{ratio:.2f} (cpu {cpu:.2f}); {first.wall * 1000:.1f} -> "
        f"{second.wall * 1000:.1f} ms/workload",
        f"within {SLOPE_RATIO}x",
        1 / SLOPE_RATIO <= ratio <= SLOPE_RATIO,
    )


def scaling_rows(scratch: Path) -> list[Row]:
    scales = measure_scales(scratch)
    rows = [
        Row(
            f"synthetic {s.workloads} x {FIELDS}: build | {SCALING_HELM} template",
            f"{ms(s.build.wall)} ({ms(s.build.per(s.workloads).wall)}/wl) | "
            f"{ms(s.helm.wall)} ({s.objects} objects)",
        )
        for s in scales
    ]
    largest = scales[-1]
    rows += [
        Row(
            f"synthetic {largest.workloads} x {FIELDS}: build",
            both(largest.build),
            f"<= {SCALE_BUILD_S:.0f} s",
            largest.build.wall <= SCALE_BUILD_S,
        ),
        growth_row("build", [(s.workloads, s.build) for s in scales]),
        growth_row(f"{SCALING_HELM} template", [(s.workloads, s.helm) for s in scales]),
    ]
    return rows


def print_table(rows: Sequence[Row]) -> None:
    header = Row("measure", "value", "target")
    table = (header, *rows)
    widths = [max(len(getattr(r, key)) for r in table) for key in ("measure", "value", "target")]
    for row in table:
        cells = zip((row.measure, row.value, row.target), widths, strict=True)
        print("  ".join(f"{text:<{width}}" for text, width in cells), end="  ")
        print("result" if row is header else row.result)


def main() -> int:
    start, load = time.perf_counter(), os.getloadavg()[0]
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="chartgen-bench-") as scratch:
        for name, helm in HELMS.items():
            helm_dir = Path(scratch) / name.replace(" ", "-")
            helm_dir.mkdir()
            rows += helm_rows(name, helm, helm_dir)
        rows += build_rows()
        rows += scaling_rows(Path(scratch) / "synthetic")
    print_table(rows)
    print(
        f"medians of: helm {HELM_RUNS} rounds, lookout build {BUILD_RUNS}, CLI {CLI_RUNS}, "
        f"synthetic {SCALE_RUNS} rounds; load average {load:.1f} -> {os.getloadavg()[0]:.1f} "
        f"on {os.cpu_count()} cores; took {time.perf_counter() - start:.0f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
