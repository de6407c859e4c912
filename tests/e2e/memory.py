"""Each container's peak memory (cgroup v1 ``memory.max_usage_in_bytes``, read on the host:
the node shares this machine's cgroup tree) against its limit, beside what the sizing cost
model predicts (``SizedSettings.estimated_memory()``, run inside the container, so with the
pod's own budget and settings); and the restart/OOM check."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.e2e.kube import Release, kubectl

CGROUP_MEMORY = Path("/sys/fs/cgroup/memory")
MiB = 2**20
SIZED = ("api", "ingest", "query", "worker")
ESTIMATE = (
    "from lookout.check_config import load_settings; "
    "print(load_settings({service!r}).estimated_memory())"
)
UNLIMITED = 2**60


@dataclass(frozen=True)
class Usage:
    pod: str
    container: str
    peak: int
    limit: int
    estimate: int | None

    def row(self) -> str:
        estimate = "-" if self.estimate is None else f"{self.estimate / MiB:.0f}"
        limit = "none" if self.limit >= UNLIMITED else f"{self.limit / MiB:.0f}"
        share = "" if self.limit >= UNLIMITED else f"{100 * self.peak / self.limit:.0f} %"
        return (
            f"{self.pod[:40]:40} {self.container:12} {self.peak / MiB:8.1f} {limit:>8}"
            f" {share:>6} {estimate:>9}"
        )


HEADER = f"{'pod':40} {'container':12} {'peak MiB':>8} {'limit':>8} {'used':>6} {'model MiB':>9}"


def cgroup_dir(pod_uid: str, container_id: str) -> Path:
    """The container's memory cgroup: .../pod<uid>/<id> (cgroupfs) or ...-<id>.scope."""
    uid = pod_uid.replace("-", "_")
    for pod_dir in CGROUP_MEMORY.glob("kubepods*/**/*pod*"):
        if pod_uid in pod_dir.name or uid in pod_dir.name:
            for child in pod_dir.iterdir():
                if container_id in child.name:
                    return child
    raise LookupError(f"no memory cgroup for pod {pod_uid} container {container_id}")


def read_int(path: Path) -> int:
    return int(path.read_text().strip())


def estimate(release: Release, pod: str, container: str) -> int | None:
    if container not in SIZED:
        return None
    done = kubectl(
        "-n",
        release.namespace,
        "exec",
        pod,
        "-c",
        container,
        "--",
        "python",
        "-c",
        ESTIMATE.format(service=container),
    )
    return int(done.stdout.strip())


def usages(release: Release) -> list[Usage]:
    found = []
    for pod in release.pods():
        if pod["status"].get("phase") != "Running":
            continue
        name = pod["metadata"]["name"]
        for status in pod["status"].get("containerStatuses") or []:
            directory = cgroup_dir(pod["metadata"]["uid"], status["containerID"].split("//")[-1])
            found.append(
                Usage(
                    name,
                    status["name"],
                    read_int(directory / "memory.max_usage_in_bytes"),
                    read_int(directory / "memory.limit_in_bytes"),
                    estimate(release, name, status["name"]),
                )
            )
    return found


def table(title: str, found: list[Usage]) -> str:
    return "\n".join([title, HEADER, *(usage.row() for usage in found)])


def restarts(pods: list[dict[str, Any]]) -> list[str]:
    """Every container that restarted or was killed (OOM or otherwise), with why."""
    bad = []
    for pod in pods:
        for status in pod["status"].get("containerStatuses") or []:
            last = status.get("lastState") or {}
            if status.get("restartCount", 0) or last:
                bad.append(f"{pod['metadata']['name']}/{status['name']}: {status}")
    return bad
