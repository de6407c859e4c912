"""Where the base chart comes from: a chart directory, or a git revision of this repository."""

from __future__ import annotations

import io
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class BaseError(ValueError):
    """--base names neither a chart directory nor a revision holding the chart."""


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, check=False)


def _chart_directory(path: Path, name: str) -> Path | None:
    # The chart itself, or an output directory holding it (generated/).
    for candidate in (path, path / name):
        if (candidate / "Chart.yaml").is_file():
            return candidate
    return None


@contextmanager
def base_chart(base: str, current: Path) -> Iterator[tuple[Path, str]]:
    """The base chart's directory (temporary for a revision) and how to name it.

    ``current`` is the current chart's directory; at a revision the base chart is the same
    path inside the repository holding it.
    """
    directory = _chart_directory(Path(base), current.name)
    if directory is not None:
        yield directory, f"`{directory}`"
        return
    top = _git(current, "rev-parse", "--show-toplevel")
    if top.returncode != 0:
        raise BaseError(f"--base {base}: no chart directory there, and {current} is not in git")
    repo = Path(top.stdout.decode().strip())
    commit = _git(repo, "rev-parse", "--verify", "--quiet", f"{base}^{{commit}}")
    if commit.returncode != 0:
        raise BaseError(f"--base {base}: neither a chart directory nor a git revision")
    sha = commit.stdout.decode().strip()
    inside = current.resolve().relative_to(repo.resolve()).as_posix()
    archive = _git(repo, "archive", "--format=tar", sha, "--", inside)
    if archive.returncode != 0:
        raise BaseError(f"--base {base}: {inside} does not exist at {sha[:12]}")
    with tempfile.TemporaryDirectory(prefix="chartgen-base-") as tmp:
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            tar.extractall(tmp, filter="data")
        yield Path(tmp) / inside, f"`{base}` ({sha[:12]})"
