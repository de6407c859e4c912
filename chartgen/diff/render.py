"""Render a chart with Helm (`helm template`), isolated from the user's Helm state."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from chartgen.diff.manifests import Doc, ObjectId, object_id
from chartgen.diff.normalize import normalize

SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
NAMESPACE = "default"
# Helm prefixes every document with the template it came from.
SOURCE = re.compile(r"^# Source: [^/\n]+/(\S+)$", re.M)
ERROR_LENGTH = 300


class HelmError(Exception):
    """Helm cannot run at all (as opposed to rejecting a chart or values)."""


@dataclass(frozen=True)
class Render:
    documents: tuple[Doc, ...] | None  # normalized; None when Helm refused
    error: str  # Helm's message, one line, when it refused
    # Objects whose template names them after the release revision or a hash of their content
    # (a new object whenever they change, never one updated in place).
    per_revision: frozenset[ObjectId]


# Helm's wrapping around the message that matters.
NOISE = re.compile(
    r"^Error: |execution error at \([^)]*\): |\s*Use --debug flag to render out invalid YAML"
)


def one_line(stderr: str) -> str:
    text = " ".join(line.strip() for line in stderr.splitlines() if line.strip())
    text = NOISE.sub("", text)
    return text if len(text) <= ERROR_LENGTH else text[: ERROR_LENGTH - 1] + "…"


@cache
def _mentions_revision(template: Path) -> bool:
    return template.is_file() and ".Release.Revision" in template.read_text()


@cache
def _names_by_content(template: Path) -> bool:
    return template.is_file() and "sha256sum | trunc 8" in template.read_text()


# The hash a content-named Job carries; compared without it, the Job before and after an
# upgrade is one object (replaced when the hash changes).
CONTENT_HASH = re.compile(r"-[0-9a-f]{8}$")


def parse_manifests(stdout: str, chart: Path) -> tuple[list[Doc], frozenset[ObjectId]]:
    documents: list[Doc] = []
    per_revision: set[ObjectId] = set()
    for chunk in re.split(r"^---\s*$", stdout, flags=re.M):
        doc: Any = yaml.load(chunk, Loader=SAFE_LOADER)
        if not isinstance(doc, dict):
            continue
        documents.append(doc)
        source = SOURCE.search(chunk)
        template = chart / source[1] if source else None
        if template is None:
            continue
        if doc.get("kind") == "Job" and _names_by_content(template):
            metadata = doc.get("metadata") or {}
            metadata["name"] = CONTENT_HASH.sub("-<content hash>", str(metadata.get("name")))
            per_revision.add(object_id(doc))
        elif _mentions_revision(template):
            per_revision.add(object_id(doc))
    return documents, frozenset(per_revision)


@dataclass(frozen=True)
class Helm:
    binary: Path
    home: Path  # cache, config and data dirs of its own: no user repositories or plugins

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = {
            **os.environ,
            "HELM_CACHE_HOME": str(self.home / "cache"),
            "HELM_CONFIG_HOME": str(self.home / "config"),
            "HELM_DATA_HOME": str(self.home / "data"),
        }
        try:
            return subprocess.run(
                [str(self.binary), *args], capture_output=True, text=True, env=env, check=False
            )
        except OSError as error:
            raise HelmError(f"cannot run Helm at {self.binary}: {error}") from error

    def version(self) -> str:
        result = self.run("version", "--short")
        if result.returncode != 0:
            raise HelmError(f"{self.binary} version failed: {one_line(result.stderr)}")
        return result.stdout.strip()

    def template(
        self, chart: Path, release: str, values: Path | None, preset: str | None
    ) -> Render:
        args = ["template", release, str(chart), "--namespace", NAMESPACE]
        if values is not None:
            args += ["--values", str(values)]
        if preset is not None:
            args += ["--set", f"preset={preset}"]
        result = self.run(*args)
        if result.returncode != 0:
            return Render(None, one_line(result.stderr), frozenset())
        documents, per_revision = parse_manifests(result.stdout, chart)
        return Render(tuple(normalize(documents)), "", per_revision)


def default_helm(root: Path) -> Path:
    """Helm 4 as `make tools` installs it under the project, else `helm` on PATH."""
    pinned = sorted(root.glob(".tools/helm-4.*/helm"))
    if pinned:
        return pinned[-1]
    found = shutil.which("helm")
    if found is None:
        raise HelmError("no Helm found: pass --helm PATH (or run `make tools`)")
    return Path(found)
