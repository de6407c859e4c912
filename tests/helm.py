"""Run the real Helm binaries the project installs (make tools), never a fake."""

from __future__ import annotations

import copy
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
CHART = ROOT / "generated" / "lookout"
EXAMPLES = sorted((CHART / "ci").glob("*.yaml"))
PRESETS = sorted(p.stem for p in (CHART / "presets").glob("*.yaml"))
PINNED = {"helm3": ROOT / ".tools/helm-3.17.2/helm", "helm4": ROOT / ".tools/helm-4.3.1/helm"}


@dataclass(frozen=True)
class Helm:
    name: str
    binary: Path
    home: Path  # isolated cache/config/data dirs, so no user state leaks in

    def run(self, *args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
        env = {
            **os.environ,
            "HELM_CACHE_HOME": str(self.home / "cache"),
            "HELM_CONFIG_HOME": str(self.home / "config"),
            "HELM_DATA_HOME": str(self.home / "data"),
        }
        return subprocess.run(
            [str(self.binary), *args], capture_output=True, text=True, env=env, check=check
        )

    def template_args(
        self, values: list[Path] = (), sets: list[str] = (), chart: Path = CHART
    ) -> list[str]:
        args = ["template", "rel", str(chart), "--namespace", "obs"]
        for path in values:
            args += ["--values", str(path)]
        for item in sets:
            args += ["--set", item]
        return args

    def template(
        self, values: list[Path] = (), sets: list[str] = (), chart: Path = CHART
    ) -> list[dict[str, Any]]:
        """Rendered manifests as parsed documents; raises with Helm's stderr on failure."""
        result = self.run(*self.template_args(values, sets, chart))
        if result.returncode != 0:
            raise RenderError(result.stderr)
        return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def merge(base: Any, override: Any) -> Any:
    """Helm's coalescing of a values file over defaults: maps merge deeply, null deletes a key."""
    if not (isinstance(base, dict) and isinstance(override, dict)):
        return copy.deepcopy(override)
    out = copy.deepcopy(base)
    for key, value in override.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


class RenderError(Exception):
    pass


def helm_binaries() -> dict[str, Path]:
    """Both pinned Helm lines, plus $HELM when it points at another binary."""
    binaries = dict(PINNED)
    if os.environ.get("HELM"):
        binaries["helm-env"] = Path(os.environ["HELM"])
    return binaries


def normalize_generated(documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Renders with chart-generated secrets made comparable.

    Under `helm template` there is no live Secret to reuse, so generated values (in Secrets
    Helm keeps) are random on every render, and so is the checksum of the secrets template.
    """
    out = []
    for doc in documents:
        doc = copy.deepcopy(doc)
        annotations = (doc.get("metadata") or {}).get("annotations") or {}
        if doc.get("kind") == "Secret" and annotations.get("helm.sh/resource-policy") == "keep":
            doc["data"] = {key: "<generated or kept>" for key in doc.get("data") or {}}
        template = ((doc.get("spec") or {}).get("template") or {}).get("metadata") or {}
        if "checksum/secrets" in (template.get("annotations") or {}):
            template["annotations"]["checksum/secrets"] = "<checksum>"
        out.append(doc)
    return out
