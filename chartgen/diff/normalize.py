"""Rendered manifests with what is random on every `helm template` made comparable.

Without a cluster there is no live Secret to reuse, so a Secret the chart generates and
keeps (``helm.sh/resource-policy: keep``) gets new random data on every render, and every
``checksum/*`` pod annotation hashes rendered files that include it. Two renders of the
same chart would differ there, so neither says anything about an upgrade.
"""

from __future__ import annotations

import copy
from typing import Any

GENERATED = "<generated>"
CHECKSUM = "<checksum>"
POD_TEMPLATE_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "Job", "ReplicaSet")


def annotations_of(doc: dict[str, Any]) -> dict[str, Any]:
    return (doc.get("metadata") or {}).get("annotations") or {}


def is_kept(doc: dict[str, Any]) -> bool:
    """Helm leaves the object in place when the release (or the object) goes away."""
    return bool(annotations_of(doc).get("helm.sh/resource-policy") == "keep")


def _pod_metadata(doc: dict[str, Any]) -> dict[str, Any] | None:
    if doc.get("kind") == "CronJob":
        job = ((doc.get("spec") or {}).get("jobTemplate") or {}).get("spec") or {}
        return (job.get("template") or {}).get("metadata")
    if doc.get("kind") in POD_TEMPLATE_KINDS:
        return ((doc.get("spec") or {}).get("template") or {}).get("metadata")
    return None


def normalize(documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for doc in documents:
        doc = copy.deepcopy(doc)
        if doc.get("kind") == "Secret" and is_kept(doc):
            for field in ("data", "stringData"):
                if isinstance(doc.get(field), dict):
                    doc[field] = dict.fromkeys(doc[field], GENERATED)
        pod = _pod_metadata(doc) or {}
        for name in pod.get("annotations") or {}:
            if name.startswith("checksum/"):
                pod["annotations"][name] = CHECKSUM
        out.append(doc)
    return out
