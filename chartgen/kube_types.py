"""Kubernetes API types of the values the chart passes through, from the real definitions.

A values key annotated ``KubeType("core.v1.Affinity")`` is, in values.schema.json, a ``$ref`` to
that Kubernetes definition: pydantic writes a placeholder (it resolves every ``$ref`` it
writes), which chartgen.schema turns into the ``$ref``, copying the definitions (and the ones
those refer to) into the schema's ``$defs``. The definitions come from the strict JSON schemas
kubernetes-validate bundles (no unknown field anywhere), for one pinned Kubernetes version,
vendored in kube_defs.json (tools/kube_defs.py): a typo such as ``podAntiAfinity`` fails
``helm lint`` naming its path.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from chartgen.draft7 import DEFS_REF

# The API the values are checked against: newer fields than the cluster's are the API
# server's to refuse. One of the versions kubernetes-validate bundles.
KUBERNETES_VERSION = "1.34.0"
# What pydantic writes where a Kubernetes type goes; chartgen.schema makes it a $ref.
PLACEHOLDER = "$kubernetes"
# The suffix of the definition a list's items refer to: the type, and never null.
ITEM = ".item"
# Short names ("core.v1.Affinity") are API types; others are spelled out in full.
API_PREFIX = "io.k8s.api."
# Kept from the definitions: what validates. Descriptions are the Kubernetes API reference's
# (and would triple the schema); x-kubernetes-* and format are not checked by Helm.
DROPPED = ("description", "format")


def full_name(name: str) -> str:
    return name if name.startswith("io.k8s.") else API_PREFIX + name


# The types chartgen's values pass through; their definitions (and what those refer to) ship
# in kube_defs.json, written by tools/kube_defs.py from kubernetes-validate's bundle.
ROOTS = frozenset(
    {
        "apps.v1.RollingUpdateStatefulSetStrategy",
        "autoscaling.v2.HorizontalPodAutoscalerBehavior",
        "core.v1.Affinity",
        "core.v1.Container",
        "core.v1.EnvFromSource",
        "core.v1.EnvVar",
        "core.v1.PodSecurityContext",
        "core.v1.SecurityContext",
        "core.v1.ServicePort",
        "core.v1.Toleration",
        "core.v1.TopologySpreadConstraint",
        "core.v1.Volume",
        "core.v1.VolumeMount",
        "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector",
        "networking.v1.NetworkPolicyPeer",
    }
)
VENDORED = Path(__file__).with_name("kube_defs.json")

# In-tree volume types Kubernetes has deprecated (removed from the kubelet, or working only
# through CSI migration). A Volume still names them, so a misspelt key fails, but what one
# holds passes unchecked: typing them (with ObjectMeta, below) was a tenth of what Helm 4
# spends on the schema per render, for volumes a new install does not use.
DEPRECATED_VOLUME_SOURCES = frozenset(
    full_name(f"core.v1.{kind}VolumeSource")
    for kind in (
        "AWSElasticBlockStore",
        "AzureDisk",
        "AzureFile",
        "CephFS",
        "Cinder",
        "Flex",
        "Flocker",
        "GCEPersistentDisk",
        "GitRepo",
        "Glusterfs",
        "PhotonPersistentDisk",
        "Portworx",
        "Quobyte",
        "RBD",
        "ScaleIO",
        "StorageOS",
        "VsphereVirtualDisk",
    )
)
UNCHECKED = {
    "type": ["object", "null"],
    "description": "A volume type Kubernetes has deprecated: passed through unchecked.",
}
# Properties the API accepts only part of: an ephemeral volume's claim template "may contain
# labels and annotations ...; no other fields are allowed and will be rejected during
# validation" (the API reference), so its metadata is those two, not all of ObjectMeta.
NARROWED = {
    full_name("core.v1.PersistentVolumeClaimTemplate"): {"metadata": ("labels", "annotations")}
}


def _narrowed(source: dict[str, Any], name: str, definition: dict[str, Any]) -> dict[str, Any]:
    """``definition`` with each NARROWED property inlined as its type's listed fields (the
    vendored definitions are already narrowed: nothing to do)."""
    for prop, kept in NARROWED.get(name, {}).items():
        ref = definition["properties"][prop].get("$ref")
        if ref is None:
            continue
        whole = _cleaned(source[_local(ref)])
        whole["properties"] = {key: whole["properties"][key] for key in kept}
        definition["properties"][prop] = whole
    return definition


@functools.cache
def _vendored() -> dict[str, Any]:
    document = json.loads(VENDORED.read_text())
    if document["kubernetes"] != KUBERNETES_VERSION:
        raise RuntimeError(f"{VENDORED} is for {document['kubernetes']}: run tools/kube_defs.py")
    definitions: dict[str, Any] = document["$defs"]
    return definitions


def _local(ref: str) -> str:
    """A definition's name from its $ref, local ("#/$defs/x") or to the bundle's file."""
    _, _, name = ref.rpartition("/")
    return name


def _cleaned(node: Any) -> Any:
    """A definition as the values schema holds it: refs local, only validating keywords."""
    if isinstance(node, list):
        return [_cleaned(item) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "properties":
            out[key] = {name: _cleaned(sub) for name, sub in value.items()}
        elif key == "$ref":
            out[key] = DEFS_REF + _local(value)
        elif key not in DROPPED and not key.startswith("x-kubernetes-"):
            out[key] = _cleaned(value)
    return out


def _refs(node: Any) -> set[str]:
    if isinstance(node, list):
        return set().union(*(_refs(item) for item in node)) if node else set()
    if not isinstance(node, dict):
        return set()
    found = {_local(node["$ref"])} if isinstance(node.get("$ref"), str) else set()
    return found.union(*(_refs(value) for value in node.values()))


def closure(source: dict[str, Any], names: frozenset[str] | tuple[str, ...]) -> dict[str, Any]:
    """The named definitions of ``source`` and every one they refer to, transitively,
    cleaned, by name."""
    out: dict[str, Any] = {}
    todo = sorted(full_name(n) for n in names)
    while todo:
        name = todo.pop()
        if name in out:
            continue
        if name not in source:
            raise KeyError(
                f"Kubernetes {KUBERNETES_VERSION}: no vendored definition {name}; add its type "
                "to chartgen.kube_types.ROOTS and run tools/kube_defs.py"
            )
        if name in DEPRECATED_VOLUME_SOURCES:
            out[name] = dict(UNCHECKED)
            continue
        out[name] = _narrowed(source, name, _cleaned(source[name]))
        todo.extend(sorted(_refs(out[name]) - out.keys()))
    return dict(sorted(out.items()))


def definitions(*names: str) -> dict[str, Any]:
    """The named definitions and every one they refer to, from the vendored ones.

    Shared with every caller asking for the same names (the vendored file is pinned, so the
    result is too): a copy of the mapping, the definitions themselves not to be changed."""
    return dict(_vendored_closure(frozenset(full_name(n) for n in names)))


@functools.cache
def _vendored_closure(names: frozenset[str]) -> dict[str, Any]:
    return closure(_vendored(), names)


@dataclass(frozen=True)
class KubeType:
    """Annotation metadata: the value is a Kubernetes ``name`` (a list of them if ``many``).

    Null is accepted where the field allows it: the definitions accept null themselves.
    """

    name: str
    many: bool = False

    @property
    def label(self) -> str:
        """The type's name for the README, e.g. "Affinity" or "list of Toleration"."""
        short = full_name(self.name).rpartition(".")[2]
        return f"list of {short}" if self.many else short

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        if not self.many:
            return {PLACEHOLDER: full_name(self.name)}
        nullable = core_schema.get("type") == "nullable"
        item = {PLACEHOLDER: full_name(self.name) + ITEM}
        return {"type": ["array", "null"] if nullable else "array", "items": item}


def item_definitions(names: frozenset[str]) -> dict[str, Any]:
    """The definitions of list items (``<name>.item``, one per type however many lists hold
    it) among ``names``: the definitions accept null, an item of a list may not be one (a
    template reads it). Beside allOf, not $ref: drafts before 2019-09 (Helm 3's validator)
    ignore $ref's siblings."""
    return {
        name: {"type": "object", "allOf": [{"$ref": DEFS_REF + name.removesuffix(ITEM)}]}
        for name in sorted(names)
        if name.endswith(ITEM)
    }
