"""Run the real Helm binaries the project installs (make tools), never a fake."""

from __future__ import annotations

import base64
import binascii
import copy
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from lookout.chart import CHART as DECLARATION

from chartgen.dev import DevPlugin, Source
from chartgen.model.spec import build_spec

ROOT = Path(__file__).resolve().parent.parent
CHART = ROOT / "generated" / "lookout"
EXAMPLES = sorted((CHART / "ci").glob("*.yaml"))
PRESETS = sorted(p.stem for p in (CHART / "presets").glob("*.yaml"))
DEFAULT_VALUES: dict[str, Any] = yaml.safe_load((CHART / "values.yaml").read_text())
APP_VERSION = str(yaml.safe_load((CHART / "Chart.yaml").read_text())["appVersion"])
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


def install_notes(home: Path, values: list[Path], sets: tuple[str, ...] = ()) -> str:
    """NOTES.txt of an install of the chart in namespace obs. Only Helm 4 prints it without a
    cluster (install --dry-run=client)."""
    helm = Helm("helm4", PINNED["helm4"], home)
    args = ["install", "rel", str(CHART), "--namespace", "obs", "--dry-run=client"]
    for path in values:
        args += ["--values", str(path)]
    for item in sets:
        args += ["--set", item]
    result = helm.run(*args)
    assert result.returncode == 0, result.stderr
    return result.stdout.split("NOTES:", 1)[1]


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


def values_of(*files: Path) -> dict[str, Any]:
    """values.yaml with the files on top, as Helm coalesces them."""
    merged = copy.deepcopy(DEFAULT_VALUES)
    for path in files:
        merged = merge(merged, yaml.safe_load(path.read_text()) or {})
    return merged


def app_image(values: dict[str, Any]) -> str:
    """The app's image reference: [registry/]repository:tag (appVersion by default)[@digest]."""
    image = values["image"]
    reference = f"{image['repository']}:{image['tag'] or APP_VERSION}"
    if image["registry"]:
        reference = f"{image['registry']}/{reference}"
    return f"{reference}@{image['digest']}" if image["digest"] else reference


def helm_binaries() -> dict[str, Path]:
    """Both pinned Helm lines, plus $HELM when it points at another binary."""
    binaries = dict(PINNED)
    if os.environ.get("HELM"):
        binaries["helm-env"] = Path(os.environ["HELM"])
    return binaries


# --------------------------------------------------------------------------------------------
# Dev mode (dev.enabled): what a render holds besides the app's workloads

DEV_WIRING = build_spec(DECLARATION).dev
DEV_PLUGINS = DEV_WIRING.plugins if DEV_WIRING else ()
# Each wired fact by name ("postgresql.dsn") with the plugin providing it.
DEV_FACTS: dict[str, Source] = {
    s.name: s for s in (DEV_WIRING.sources if DEV_WIRING else {}).values()
}
# Pods of dev mode that stand in for no endpoint kind (MinIO's bucket Job), by their plugin.
DEV_JOBS = {p.component: job for p in DEV_PLUGINS for job in p.jobs}
# Where each dev component's image is in values (dev.<section>.<key>).
DEV_IMAGES = {
    "postgresql": ("postgresql", "image"),
    "minio": ("minio", "image"),
    "minio-bucket": ("minio", "clientImage"),
    "maildev": ("mail", "image"),
}


def dev_enabled(values: dict[str, Any]) -> bool:
    return bool((values.get("dev") or {}).get("enabled"))


def _switched_on(plugin: DevPlugin, values: dict[str, Any]) -> bool:
    """A dev service's own switch (dev.<key>.enabled, DevPlugin.switch) under ``values``."""
    return not plugin.switch or bool(values["dev"][plugin.values_key]["enabled"])


def dev_services(values: dict[str, Any]) -> dict[str, DevPlugin]:
    """Endpoint kind -> the dev service standing in for it with these values (merged)."""
    if DEV_WIRING is None or not dev_enabled(values):
        return {}
    return {
        kind: service
        for kind, service in DEV_WIRING.kinds().items()
        if _switched_on(service, values)
    }


def dev_components(values: dict[str, Any]) -> set[str]:
    """Components (app.kubernetes.io/component) of the pods dev mode adds with these values."""
    services = {service.component for service in dev_services(values).values()}
    return services | {job for owner, job in DEV_JOBS.items() if owner in services}


# Every component dev mode may add, whatever the values.
ALL_DEV_COMPONENTS = frozenset(
    {service.component for service in DEV_WIRING.plugins} | set(DEV_JOBS.values())
    if DEV_WIRING is not None
    else ()
)


def dev_image(values: dict[str, Any], component: str) -> str:
    section, key = DEV_IMAGES[component]
    image = values["dev"][section][key]
    return f"{image['repository']}:{image['tag']}"


# --------------------------------------------------------------------------------------------
# Comparing renders

GENERATED = "<generated or kept>"
# Shorter values are not taken for generated ones inside another value (a user name, say).
MIN_GENERATED_LENGTH = 16


def _decoded(value: object) -> str | None:
    try:
        return base64.b64decode(str(value), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None


def _normalized_secret_data(data: dict[str, Any]) -> dict[str, str]:
    """A kept Secret's data with generated (or kept) values replaced by placeholders.

    A value that embeds other keys' values (a DSN holding the password, MinIO's config.env
    holding its keys) keeps its own text with ``<key>`` where they were, so two renders
    still agree on how it is composed; every other value becomes GENERATED.
    """
    plain = {key: _decoded(value) for key, value in data.items()}
    atoms = sorted(
        ((key, text) for key, text in plain.items() if text and len(text) >= MIN_GENERATED_LENGTH),
        key=lambda item: -len(item[1]),
    )
    out: dict[str, str] = {}
    for key, text in plain.items():
        if text is None:
            out[key] = GENERATED
            continue
        composed = text
        for other, value in atoms:
            if other != key and value != text:
                composed = composed.replace(value, f"<{other}>")
        out[key] = composed if composed != text else GENERATED
    return out


def normalize_generated(documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Renders with chart-generated secrets made comparable.

    Under `helm template` there is no live Secret to reuse, so generated values (in Secrets
    Helm keeps: the app's generated secrets, the dev services' credentials) are random on
    every render, and so is the checksum of the secrets template. Values composed from
    generated ones (the dev DSN) keep their composition (``_normalized_secret_data``).
    """
    out = []
    for doc in documents:
        doc = copy.deepcopy(doc)
        annotations = (doc.get("metadata") or {}).get("annotations") or {}
        if doc.get("kind") == "Secret" and annotations.get("helm.sh/resource-policy") == "keep":
            doc["data"] = _normalized_secret_data(doc.get("data") or {})
        template = ((doc.get("spec") or {}).get("template") or {}).get("metadata") or {}
        if "checksum/secrets" in (template.get("annotations") or {}):
            template["annotations"]["checksum/secrets"] = "<checksum>"
        out.append(doc)
    return out
