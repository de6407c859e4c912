"""Writes chartgen/kube_defs.json: the Kubernetes definitions chartgen's values may embed.

chartgen ships these (tens of kB) instead of depending on kubernetes-validate (over 100 MB)
at run time: the closure of ROOTS, from the strict schemas kubernetes-validate bundles for
KUBERNETES_VERSION, cleaned as the values schema holds them. Run it after adding a KubeType
root or changing the version; tests/generator/test_kube_defs.py fails while the file is stale.

    .venv/bin/python tools/kube_defs.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from chartgen.kube_types import KUBERNETES_VERSION, ROOTS, VENDORED, closure


def bundled(version: str) -> dict[str, object]:
    import kubernetes_validate

    package = Path(kubernetes_validate.__file__).parent
    path = package / "kubernetes-json-schema" / f"v{version}-local-strict" / "_definitions.json"
    definitions: dict[str, object] = json.loads(path.read_text())["$defs"]
    return definitions


def vendored_text() -> str:
    document = {
        "kubernetes": KUBERNETES_VERSION,
        "roots": sorted(ROOTS),
        "$defs": closure(bundled(KUBERNETES_VERSION), ROOTS),
    }
    return json.dumps(document, indent=1, sort_keys=True) + "\n"


if __name__ == "__main__":
    VENDORED.write_text(vendored_text())
    sys.stdout.write(f"wrote {VENDORED}\n")
