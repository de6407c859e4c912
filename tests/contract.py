"""The chart/app contract: what a rendered container starts with, and whether the app takes it.

``container_environment`` computes, from rendered manifests, the environment the kubelet gives a
container when its pod starts on a first install (``helm install``): ``envFrom`` sources, then
``env`` entries in order (later ones win), then the service link variables. ``container_files``
computes the files of its Secret, ConfigMap and projected volume mounts, as the kubelet writes
them. ``run_check_config`` hands exactly those to ``python -m lookout check-config SERVICE``,
which loads the settings as the service does at start: the environment as is, and the mounts
under a scratch directory standing in for the container's file system, with
``LOOKOUT_SECRETS_DIR`` pointing at the app's secrets directory in it (like replacing a host
name in a URL).

Only the objects that exist when the pod starts are visible: a pre-install hook sees the hooks
Helm creates before it (lower weight, or same weight and an earlier kind), a regular workload sees
the regular objects; Secrets the operator creates (``existing_secrets``) are always there.
"""

from __future__ import annotations

import base64
import binascii
import math
import os
import posixpath
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from lookout.settings.base import SECRETS_DIR, SECRETS_DIR_ENV

ROOT = Path(__file__).resolve().parent.parent

Manifest = Mapping[str, Any]

COMPONENT_LABEL = "app.kubernetes.io/component"
HOOK_ANNOTATION = "helm.sh/hook"
HOOK_WEIGHT_ANNOTATION = "helm.sh/hook-weight"
WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Pod")

# Helm's InstallOrder (pkg/release/util/kind_sorter.go): hooks of equal weight run in this order.
INSTALL_ORDER = [
    "PriorityClass",
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodSecurityPolicy",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "SecretList",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleList",
    "ClusterRoleBinding",
    "ClusterRoleBindingList",
    "Role",
    "RoleList",
    "RoleBinding",
    "RoleBindingList",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "IngressClass",
    "Ingress",
    "APIService",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
]

# Names the kubelet accepts from envFrom (the classic rule; newer clusters relax it). Keys that
# fail it are skipped with an InvalidEnvironmentVariableNames event, not passed to the container.
ENV_VAR_NAME = re.compile(r"^[-._a-zA-Z][-._a-zA-Z0-9]*$")

# The `kubernetes` Service in `default`: the kubelet always adds its link variables.
MASTER_SERVICE_IP = "10.96.0.1"
# Rendered Services have no ClusterIP yet; the API server would assign one from this range.
SERVICE_IP_PREFIX = "10.96.1."


class ContractError(Exception):
    """The rendered manifests cannot give a container its environment."""


class MissingReferenceError(ContractError, LookupError):
    """A non-optional ConfigMap/Secret (or key) is missing: the pod would not start."""


class InvalidManifestError(ContractError, ValueError):
    """A manifest the API server would reject, or that the kubelet cannot use."""


class UnknownAtRenderTimeError(ContractError):
    """The value depends on the node or cluster, which a rendering does not know."""


# --------------------------------------------------------------------------------------------
# Workloads


def workloads(manifests: Sequence[Manifest]) -> list[Manifest]:
    """Every rendered object that runs pods, in rendering order."""
    return [doc for doc in manifests if doc.get("kind") in WORKLOAD_KINDS]


def pod_spec(workload_doc: Manifest) -> Mapping[str, Any]:
    """The pod spec of a workload object."""
    kind = workload_doc.get("kind")
    spec = workload_doc.get("spec") or {}
    if kind == "Pod":
        return spec
    if kind == "CronJob":
        spec = (spec.get("jobTemplate") or {}).get("spec") or {}
    elif kind not in WORKLOAD_KINDS:
        raise InvalidManifestError(f"{_describe(workload_doc)} does not run pods")
    return (spec.get("template") or {}).get("spec") or {}


def containers(workload_doc: Manifest) -> list[Mapping[str, Any]]:
    """Init containers, then containers, of a workload's pods."""
    spec = pod_spec(workload_doc)
    return [*(spec.get("initContainers") or []), *(spec.get("containers") or [])]


def container_names(workload_doc: Manifest, image: str | None = None) -> list[str]:
    """Names of the workload's init containers, then containers; only those running ``image``
    if given (the app's, say: other images, like a dev database's, do not read its config)."""
    return [
        str(item.get("name"))
        for item in containers(workload_doc)
        if image is None or item.get("image") == image
    ]


def chart_container_names(workload_doc: Manifest) -> list[str]:
    """The containers the chart renders: the app's (named after its service) and dev mode's
    waits. The operator's own (a workload's initContainers and sidecars values, which the chart
    refuses to name so) read no app config."""
    service = service_of(workload_doc)
    return [n for n in container_names(workload_doc) if n == service or n.startswith("wait-for-")]


def service_of(workload_doc: Manifest) -> str:
    """The Lookout service a workload runs: its ``app.kubernetes.io/component`` label."""
    labels = (workload_doc.get("metadata") or {}).get("labels") or {}
    component = labels.get(COMPONENT_LABEL)
    if not component:
        raise InvalidManifestError(f"{_describe(workload_doc)} has no {COMPONENT_LABEL} label")
    return str(component)


def find_workload(manifests: Sequence[Manifest], service: str) -> Manifest:
    """The one workload running ``service``."""
    found = [doc for doc in workloads(manifests) if service_of(doc) == service]
    if len(found) != 1:
        names = [_describe(doc) for doc in found]
        raise LookupError(f"expected one workload for service {service!r}, found {names}")
    return found[0]


def _describe(doc: Manifest) -> str:
    return f"{doc.get('kind')} {(doc.get('metadata') or {}).get('name')!r}"


# --------------------------------------------------------------------------------------------
# Which objects exist when the pod starts (first install)


def _hook_phases(doc: Manifest) -> frozenset[str]:
    annotations = (doc.get("metadata") or {}).get("annotations") or {}
    raw = str(annotations.get(HOOK_ANNOTATION) or "")
    return frozenset(part.strip() for part in raw.split(",") if part.strip())


def _hook_order(doc: Manifest) -> tuple[int, int, str]:
    annotations = (doc.get("metadata") or {}).get("annotations") or {}
    weight = int(str(annotations.get(HOOK_WEIGHT_ANNOTATION) or "0"))
    kind = str(doc.get("kind"))
    rank = INSTALL_ORDER.index(kind) if kind in INSTALL_ORDER else len(INSTALL_ORDER)
    return weight, rank, str((doc.get("metadata") or {}).get("name"))


def objects_at_start(manifests: Sequence[Manifest], workload_doc: Manifest) -> list[Manifest]:
    """Rendered objects that exist when the workload's pods start on a first install."""
    phases = _hook_phases(workload_doc)
    if not phases:
        # Regular objects are applied together; pre-install hooks may be gone (delete policy).
        return [doc for doc in manifests if not _hook_phases(doc)]
    phase = "pre-install" if "pre-install" in phases else min(phases)
    # Helm runs a phase's hooks by weight, then kind, then name, waiting for each Job.
    earlier = [
        doc
        for doc in manifests
        if phase in _hook_phases(doc) and _hook_order(doc) < _hook_order(workload_doc)
    ]
    if phase == "pre-install":
        return earlier  # nothing of the release exists yet
    return [*(doc for doc in manifests if not _hook_phases(doc)), *earlier]


# --------------------------------------------------------------------------------------------
# ConfigMaps and Secrets as the kubelet reads them


def _same_namespace(doc: Manifest, namespace: str | None) -> bool:
    theirs = (doc.get("metadata") or {}).get("namespace")
    return namespace is None or theirs is None or theirs == namespace


def _config_map_data(doc: Manifest) -> dict[str, str]:
    data = doc.get("data") or {}
    for key, value in data.items():
        if not isinstance(value, str):
            # The API server rejects it: ConfigMap data values are strings.
            raise InvalidManifestError(
                f"{_describe(doc)}: data.{key} is {type(value).__name__} {value!r}, "
                "not a string (quote it)"
            )
    return dict(data)


def _config_map_bytes(doc: Manifest) -> dict[str, bytes]:
    """A ConfigMap's keys as files hold them: ``data`` as UTF-8, ``binaryData`` decoded."""
    values = {key: value.encode() for key, value in _config_map_data(doc).items()}
    for key, encoded in (doc.get("binaryData") or {}).items():
        values[key] = _base64(doc, f"binaryData.{key}", encoded)
    return values


def _base64(doc: Manifest, where: str, encoded: object) -> bytes:
    try:
        return base64.b64decode(str(encoded or ""), validate=True)
    except binascii.Error as error:
        raise InvalidManifestError(f"{_describe(doc)}: {where} is not base64 ({error})") from None


def _secret_bytes(doc: Manifest) -> dict[str, bytes]:
    """A Secret's keys as the API server stores them: ``data`` decoded, ``stringData`` over it."""
    data = doc.get("data") or {}
    values = {key: _base64(doc, f"data.{key}", encoded) for key, encoded in data.items()}
    for key, value in (doc.get("stringData") or {}).items():
        if not isinstance(value, str):
            raise InvalidManifestError(f"{_describe(doc)}: stringData.{key} is not a string")
        values[key] = value.encode()  # the API server merges stringData over data
    return values


def _secret_data(doc: Manifest) -> dict[str, str]:
    values: dict[str, str] = {}
    for key, raw in _secret_bytes(doc).items():
        try:
            values[key] = raw.decode()
        except UnicodeDecodeError as error:
            raise InvalidManifestError(
                f"{_describe(doc)}: data.{key} is not base64 of UTF-8 text ({error})"
            ) from None
    return values


class _Sources:
    """ConfigMaps and Secrets visible to one pod, by name."""

    def __init__(
        self,
        visible: Sequence[Manifest],
        namespace: str | None,
        existing_secrets: Mapping[str, Mapping[str, str]],
    ) -> None:
        self._visible = [doc for doc in visible if _same_namespace(doc, namespace)]
        self._existing = existing_secrets

    def _rendered(self, kind: str, name: str) -> Manifest | None:
        for doc in self._visible:
            if doc.get("kind") == kind and (doc.get("metadata") or {}).get("name") == name:
                return doc
        return None

    def config_map(self, name: str) -> dict[str, str] | None:
        doc = self._rendered("ConfigMap", name)
        return None if doc is None else _config_map_data(doc)

    def secret(self, name: str) -> dict[str, str] | None:
        doc = self._rendered("Secret", name)
        if doc is not None:
            return _secret_data(doc)
        existing = self._existing.get(name)
        return None if existing is None else dict(existing)

    def get(self, kind: str, name: str) -> dict[str, str] | None:
        return self.config_map(name) if kind == "ConfigMap" else self.secret(name)

    def get_bytes(self, kind: str, name: str) -> dict[str, bytes] | None:
        """The object's keys as the kubelet writes them to a volume (bytes, any encoding)."""
        doc = self._rendered(kind, name)
        if doc is not None:
            return _config_map_bytes(doc) if kind == "ConfigMap" else _secret_bytes(doc)
        existing = self._existing.get(name) if kind == "Secret" else None
        if existing is None:
            return None
        return {key: value.encode() for key, value in existing.items()}


# --------------------------------------------------------------------------------------------
# Resource quantities (downward API resourceFieldRef)

_QUANTITY = re.compile(
    r"^(?P<number>[+-]?(?:\d+\.?\d*|\.\d+))"
    r"(?:[eE](?P<exponent>[+-]?\d+)|(?P<suffix>Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?$"
)
_SUFFIXES: dict[str, Fraction] = {
    "": Fraction(1),
    "n": Fraction(1, 10**9),
    "u": Fraction(1, 10**6),
    "m": Fraction(1, 10**3),
    "k": Fraction(10**3),
    "M": Fraction(10**6),
    "G": Fraction(10**9),
    "T": Fraction(10**12),
    "P": Fraction(10**15),
    "E": Fraction(10**18),
    **{
        suffix: Fraction(1024**power)
        for power, suffix in enumerate(["Ki", "Mi", "Gi", "Ti", "Pi", "Ei"], 1)
    },
}


def parse_quantity(raw: object) -> Fraction:
    """A Kubernetes resource quantity (``250m``, ``1Gi``, ``1e3``) as an exact number."""
    text = str(raw).strip()
    match = _QUANTITY.match(text)
    if match is None:
        raise InvalidManifestError(f"{text!r} is not a Kubernetes quantity")
    number = Fraction(match["number"])
    if match["exponent"] is not None:
        return number * Fraction(10) ** int(match["exponent"])
    return number * _SUFFIXES[match["suffix"] or ""]


def _resource_value(
    spec: Mapping[str, Any], container_name: str, selector: Mapping[str, Any]
) -> str:
    """The kubelet's ExtractContainerResourceValue, after the API server's request defaults."""
    target = next((c for c in _all_containers(spec) if c.get("name") == container_name), None)
    if target is None:
        raise InvalidManifestError(f"resourceFieldRef names unknown container {container_name!r}")
    resource = str(selector.get("resource") or "")
    bucket, _, name = resource.partition(".")
    if bucket not in ("limits", "requests") or not (
        name in ("cpu", "memory", "ephemeral-storage") or name.startswith("hugepages-")
    ):
        raise InvalidManifestError(f"resourceFieldRef: unsupported resource {resource!r}")
    resources = target.get("resources") or {}
    limits = resources.get("limits") or {}
    requests = resources.get("requests") or {}
    if bucket == "limits":
        if name not in limits:
            raise UnknownAtRenderTimeError(
                f"resourceFieldRef {resource} of container {container_name!r}: no limit is set, "
                "so the kubelet uses the node's allocatable amount, unknown in a rendering"
            )
        quantity = parse_quantity(limits[name])
    else:
        # The API server defaults a missing request to the limit; neither set means zero.
        quantity = parse_quantity(requests.get(name, limits.get(name, 0)))
    divisor = parse_quantity(selector.get("divisor") or "1")
    if divisor <= 0:
        raise InvalidManifestError(f"resourceFieldRef {resource}: divisor must be positive")
    if name == "cpu":
        # ceil(MilliValue / divisor.MilliValue), each MilliValue rounded up.
        value = Fraction(math.ceil(quantity * 1000), math.ceil(divisor * 1000))
    else:
        value = Fraction(math.ceil(quantity), math.ceil(divisor))
    return str(math.ceil(value))


def _all_containers(spec: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    yield from spec.get("initContainers") or []
    yield from spec.get("containers") or []


def _container(workload_doc: Manifest, container: str) -> Mapping[str, Any]:
    spec = pod_spec(workload_doc)
    found = [item for item in _all_containers(spec) if item.get("name") == container]
    if len(found) != 1:
        raise LookupError(
            f"container {container!r} of {_describe(workload_doc)}: not found "
            f"(containers: {container_names(workload_doc)})"
        )
    return found[0]


def _sources(
    visible: Sequence[Manifest],
    workload_doc: Manifest,
    existing_secrets: Mapping[str, Mapping[str, str]],
) -> _Sources:
    namespace = (workload_doc.get("metadata") or {}).get("namespace")
    return _Sources(visible, namespace, existing_secrets)


# --------------------------------------------------------------------------------------------
# Service links and $(VAR) expansion


def _env_name(name: str) -> str:
    return name.replace("-", "_").upper()


def _link_variables(name: str, ip: str, ports: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """envvars.FromServices for one Service (Docker-link style variables)."""
    prefix = _env_name(name)
    result = {
        f"{prefix}_SERVICE_HOST": ip,
        f"{prefix}_SERVICE_PORT": str(ports[0].get("port")),
    }
    for port in ports:
        if port.get("name"):
            result[f"{prefix}_SERVICE_PORT_{_env_name(str(port['name']))}"] = str(port["port"])
    for index, port in enumerate(ports):
        protocol = str(port.get("protocol") or "TCP")
        address = f"{protocol.lower()}://{ip}:{port.get('port')}"
        if index == 0:
            result[f"{prefix}_PORT"] = address
        port_prefix = f"{prefix}_PORT_{port.get('port')}_{protocol.upper()}"
        result[port_prefix] = address
        result[f"{port_prefix}_PROTO"] = protocol.lower()
        result[f"{port_prefix}_PORT"] = str(port.get("port"))
        result[f"{port_prefix}_ADDR"] = ip
    return result


def service_environment(visible: Sequence[Manifest], enable_service_links: bool) -> dict[str, str]:
    """Service link variables: the `kubernetes` Service always, the pod's namespace if enabled."""
    result = _link_variables("kubernetes", MASTER_SERVICE_IP, [{"name": "https", "port": 443}])
    if not enable_service_links:
        return result
    services = sorted(
        (doc for doc in visible if doc.get("kind") == "Service"),
        key=lambda doc: str(doc["metadata"]["name"]),
    )
    for number, doc in enumerate(services, 1):
        spec = doc.get("spec") or {}
        ip = spec.get("clusterIP") or (
            None if spec.get("type") == "ExternalName" else f"{SERVICE_IP_PREFIX}{number}"
        )
        if ip in (None, "None") or not spec.get("ports"):
            continue  # headless and ExternalName Services get no variables
        result.update(_link_variables(str(doc["metadata"]["name"]), ip, spec["ports"]))
    return result


def expand(value: str, *contexts: Mapping[str, str]) -> str:
    """Kubernetes ``$(VAR)`` expansion: unknown references stay, ``$$`` escapes a ``$``."""
    out: list[str] = []
    cursor = 0
    while cursor < len(value):
        char = value[cursor]
        if char != "$" or cursor + 1 == len(value):
            out.append(char)
            cursor += 1
            continue
        following = value[cursor + 1]
        if following == "$":
            out.append("$")
            cursor += 2
        elif following == "(":
            close = value.find(")", cursor + 2)
            if close == -1:
                out.append("$(")
                cursor += 2
                continue
            name = value[cursor + 2 : close]
            found = next((context[name] for context in contexts if name in context), None)
            out.append(f"$({name})" if found is None else found)
            cursor = close + 1
        else:
            out.append("$" + following)
            cursor += 2
    return "".join(out)


# --------------------------------------------------------------------------------------------
# The container's environment


def container_environment(
    manifests: Sequence[Manifest],
    workload_doc: Manifest,
    container: str,
    existing_secrets: Mapping[str, Mapping[str, str]],
) -> dict[str, str]:
    """Exactly the environment the kubelet gives ``container`` of ``workload_doc``'s pods.

    ``existing_secrets`` maps the name of each Secret the operator creates to its keys and
    (plain text) values. Raises MissingReferenceError where the kubelet would refuse to start
    the container (CreateContainerConfigError), InvalidManifestError for objects the API
    server would reject, NotImplementedError for ``fieldRef``, UnknownAtRenderTimeError for
    values only the node knows.
    """
    spec = pod_spec(workload_doc)
    where = f"container {container!r} of {_describe(workload_doc)}"
    target = _container(workload_doc, container)
    visible = objects_at_start(manifests, workload_doc)
    sources = _sources(visible, workload_doc, existing_secrets)
    env: dict[str, str] = {}

    for source in target.get("envFrom") or []:
        for field, kind in (("configMapRef", "ConfigMap"), ("secretRef", "Secret")):
            ref = source.get(field)
            if ref is None:
                continue
            data = sources.get(kind, str(ref.get("name")))
            if data is None:
                if ref.get("optional") is True:
                    continue
                raise MissingReferenceError(
                    f"{where}: envFrom {kind} {ref.get('name')!r} does not exist at start "
                    "(not rendered before it, not among the existing Secrets)"
                )
            prefix = str(source.get("prefix") or "")
            for key, value in data.items():
                if ENV_VAR_NAME.match(prefix + key):
                    env[prefix + key] = value

    services = service_environment(visible, spec.get("enableServiceLinks", True) is not False)

    for entry in target.get("env") or []:
        name = str(entry["name"])
        value = entry.get("value")
        if value is not None and not isinstance(value, str):
            raise InvalidManifestError(
                f"{where}: env {name} value is {type(value).__name__} {value!r}, not a string"
            )
        source = entry.get("valueFrom")
        if value:
            env[name] = expand(value, env, services)
        elif source is None:
            env[name] = ""
        else:
            resolved = _value_from(source, name, where, spec, target, sources)
            if resolved is not None:
                env[name] = resolved

    for name, value in services.items():
        env.setdefault(name, value)
    return env


def _value_from(
    source: Mapping[str, Any],
    name: str,
    where: str,
    spec: Mapping[str, Any],
    target: Mapping[str, Any],
    sources: _Sources,
) -> str | None:
    """One ``valueFrom``; None when an optional reference is missing (the variable stays unset)."""
    if "fieldRef" in source:
        path = (source["fieldRef"] or {}).get("fieldPath")
        raise NotImplementedError(
            f"{where}: env {name} uses valueFrom.fieldRef ({path}); the contract helper does not "
            "resolve the downward API's pod fields yet"
        )
    if "resourceFieldRef" in source:
        selector = source["resourceFieldRef"] or {}
        container_name = str(selector.get("containerName") or target.get("name"))
        return _resource_value(spec, container_name, selector)
    for field, kind in (("configMapKeyRef", "ConfigMap"), ("secretKeyRef", "Secret")):
        ref = source.get(field)
        if ref is None:
            continue
        optional = ref.get("optional") is True
        data = sources.get(kind, str(ref.get("name")))
        if data is None:
            if optional:
                return None
            raise MissingReferenceError(
                f"{where}: env {name} reads {kind} {ref.get('name')!r}, which does not exist at "
                "start (not rendered before it, not among the existing Secrets)"
            )
        key = str(ref.get("key"))
        if key not in data:
            if optional:
                return None
            raise MissingReferenceError(
                f"{where}: env {name} reads key {key!r} of {kind} {ref.get('name')!r}, which has "
                f"only {sorted(data)}"
            )
        return data[key]
    raise InvalidManifestError(f"{where}: env {name} has an empty or unknown valueFrom {source}")


# --------------------------------------------------------------------------------------------
# The container's files: Secret, ConfigMap and projected volume mounts

# The API server's default for secret, configMap and projected volumes' defaultMode.
DEFAULT_FILE_MODE = 0o644
# What the kubelet adds to every file of a read-only volume when the pod sets an fsGroup.
FS_GROUP_READ = 0o440


@dataclass(frozen=True)
class MountedFile:
    """One file of a volume mount as the kubelet writes it (owned by root)."""

    content: bytes
    mode: int  # permission bits, after the fsGroup change
    group: int = 0  # the pod's fsGroup if set, else root's group


Mounts = dict[str, dict[str, MountedFile]]  # mount path -> path inside the mount -> file


def container_files(
    manifests: Sequence[Manifest],
    workload_doc: Manifest,
    container: str,
    existing_secrets: Mapping[str, Mapping[str, str]],
) -> Mounts:
    """The files of every Secret, ConfigMap or projected volume ``container`` mounts, by mount path.

    As the kubelet sets the volumes up (pkg/volume/secret, configmap, projected): each source
    is read among the objects that exist at start (``objects_at_start``, then
    ``existing_secrets``); without ``items`` every key becomes a file named after it, with
    ``items`` each listed key goes to its ``path``; a missing object or key is skipped when the
    source is ``optional`` and raises MissingReferenceError otherwise (the pod stays in
    ContainerCreating: FailedMount); a later projected source overwrites an earlier one's file.
    Volumes of other kinds (emptyDir, PVCs, a StatefulSet's volumeClaimTemplates…) hold
    nothing at start and are left out.

    Raises InvalidManifestError for what the API server rejects (a mount of an undefined volume,
    an item path that is absolute or has ``..``, duplicate item paths in a projected volume)
    and NotImplementedError for ``subPath`` and for projected downwardAPI or token sources.
    """
    spec = pod_spec(workload_doc)
    where = f"container {container!r} of {_describe(workload_doc)}"
    target = _container(workload_doc, container)
    sources = _sources(objects_at_start(manifests, workload_doc), workload_doc, existing_secrets)
    volumes = {str(item.get("name")): item for item in spec.get("volumes") or []}
    # A StatefulSet's claim templates are volumes too (an empty PVC at first start).
    for claim in (workload_doc.get("spec") or {}).get("volumeClaimTemplates") or []:
        name = str((claim.get("metadata") or {}).get("name"))
        volumes.setdefault(name, {"name": name, "persistentVolumeClaim": {"claimName": name}})
    fs_group = (spec.get("securityContext") or {}).get("fsGroup")
    mounts: Mounts = {}
    for mount in target.get("volumeMounts") or []:
        name = str(mount.get("name"))
        if name not in volumes:
            raise InvalidManifestError(f"{where}: volumeMounts names volume {name!r}, not defined")
        files = _volume_files(volumes[name], sources, f"{where}: volume {name!r}")
        if files is None:
            continue
        if mount.get("subPath") or mount.get("subPathExpr"):
            raise NotImplementedError(
                f"{where}: volume {name!r} is mounted with a subPath; the contract helper "
                "only materialises whole volumes"
            )
        path = _mount_path(mount, where)
        if path in mounts:
            raise InvalidManifestError(f"{where}: mountPath {path} is used twice")
        if fs_group is not None:
            # SetVolumeOwnership: group fsGroup, group-readable (these volumes are read-only).
            files = {
                relative: MountedFile(file.content, file.mode | FS_GROUP_READ, int(fs_group))
                for relative, file in files.items()
            }
        mounts[path] = files
    return mounts


def _mount_path(mount: Mapping[str, Any], where: str) -> str:
    raw = str(mount.get("mountPath") or "")
    if not raw.startswith("/"):
        raise InvalidManifestError(f"{where}: mountPath {raw!r} is not an absolute path")
    return posixpath.normpath(raw)


def _volume_files(
    volume: Mapping[str, Any], sources: _Sources, where: str
) -> dict[str, MountedFile] | None:
    """A volume's files (path inside the volume -> file); None for volumes of other kinds."""
    if volume.get("secret") is not None:
        source = volume["secret"]
        mode = _file_mode(source.get("defaultMode"), DEFAULT_FILE_MODE, where)
        return _payload("Secret", source.get("secretName"), source, mode, sources, where)
    if volume.get("configMap") is not None:
        source = volume["configMap"]
        mode = _file_mode(source.get("defaultMode"), DEFAULT_FILE_MODE, where)
        return _payload("ConfigMap", source.get("name"), source, mode, sources, where)
    if volume.get("projected") is None:
        return None
    projected = volume["projected"]
    mode = _file_mode(projected.get("defaultMode"), DEFAULT_FILE_MODE, where)
    files: dict[str, MountedFile] = {}
    item_paths: set[str] = set()
    for index, item in enumerate(projected.get("sources") or []):
        kinds = [kind for kind, value in item.items() if value is not None]
        if len(kinds) != 1:
            raise InvalidManifestError(f"{where}: sources[{index}] sets {kinds}, not one source")
        [kind] = kinds
        if kind not in ("secret", "configMap"):
            raise NotImplementedError(
                f"{where}: sources[{index}] is a {kind} source; the contract helper only "
                "resolves secret and configMap sources"
            )
        source = item[kind]
        for entry in source.get("items") or []:
            if entry.get("path") in item_paths:
                raise InvalidManifestError(
                    f"{where}: sources[{index}] item path {entry.get('path')!r}: conflicting "
                    "duplicate paths"
                )
            item_paths.add(entry.get("path"))
        object_kind = "Secret" if kind == "secret" else "ConfigMap"
        files.update(_payload(object_kind, source.get("name"), source, mode, sources, where))
    return files


def _payload(
    kind: str,
    name: object,
    source: Mapping[str, Any],
    default_mode: int,
    sources: _Sources,
    where: str,
) -> dict[str, MountedFile]:
    """secret.MakePayload / configmap.MakePayload for one source."""
    if not name:
        raise InvalidManifestError(f"{where}: a {kind} source has no name")
    optional = source.get("optional") is True
    items = source.get("items") or []
    for item in items:
        _check_key_to_path(item, where)
    data = sources.get_bytes(kind, str(name))
    if data is None:
        if not optional:
            raise MissingReferenceError(
                f"{where}: {kind} {name!r} does not exist at start (not rendered before it, "
                "not among the existing Secrets), so the volume cannot be mounted"
            )
        data = {}
    if not items:
        return {key: MountedFile(value, default_mode) for key, value in data.items()}
    files: dict[str, MountedFile] = {}
    for item in items:
        key, path = str(item["key"]), str(item["path"])
        if key not in data:
            if optional:
                continue
            raise MissingReferenceError(
                f"{where}: file {path} reads key {key!r} of {kind} {name!r}, which has only "
                f"{sorted(data)}"
            )
        files[path] = MountedFile(data[key], _file_mode(item.get("mode"), default_mode, where))
    return files


def _check_key_to_path(item: Mapping[str, Any], where: str) -> None:
    """The API server's validateKeyToPath."""
    key, path = item.get("key"), item.get("path")
    if not key or not path:
        raise InvalidManifestError(f"{where}: item {dict(item)} needs a key and a path")
    path = str(path)
    if path.startswith("/") or ".." in path.split("/") or path.startswith(".."):
        raise InvalidManifestError(
            f"{where}: item path {path!r} must be relative, without '..' and not start with '..'"
        )


def _file_mode(raw: object, default: int, where: str) -> int:
    if raw is None:
        return default
    if not isinstance(raw, int) or isinstance(raw, bool) or not 0 <= raw <= 0o777:
        raise InvalidManifestError(f"{where}: file mode {raw!r} is not between 0 and 0777")
    return raw


def visible_files(mounts: Mapping[str, Mapping[str, MountedFile]]) -> dict[str, MountedFile]:
    """Absolute path -> file, as the container sees them: a deeper mount hides what it covers."""
    result: dict[str, MountedFile] = {}
    for mount_path in sorted(mounts, key=lambda path: len(Path(path).parts)):
        result = {
            path: file
            for path, file in result.items()
            if path != mount_path and not path.startswith(mount_path.rstrip("/") + "/")
        }
        for relative, file in mounts[mount_path].items():
            result[posixpath.join(mount_path, relative)] = file
    return result


def write_volume(files: Mapping[str, MountedFile], directory: Path) -> None:
    """Write one volume's files into ``directory`` as the kubelet's AtomicWriter lays them out.

    The files live in a hidden timestamped directory, ``..data`` links to it and each
    top-level entry links into ``..data``: what the app meets in a pod. Modes are not applied:
    the test process stands in for the container's user, whose access ``unreadable_files``
    checks.
    """
    directory.mkdir(parents=True, exist_ok=True)
    stamp = "..2025_01_01_00_00_00.000000001"
    for relative, file in files.items():
        target = directory / stamp / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(file.content)
    (directory / stamp).mkdir(exist_ok=True)
    (directory / "..data").symlink_to(stamp)
    for top in sorted({relative.split("/")[0] for relative in files}):
        (directory / top).symlink_to(f"..data/{top}")


def write_mounts(mounts: Mapping[str, Mapping[str, MountedFile]], root: Path) -> None:
    """Write every mount at its mount path under ``root`` (the container's ``/``)."""
    for mount_path in sorted(mounts, key=lambda path: len(Path(path).parts)):
        directory = root / mount_path.lstrip("/")
        if directory.is_symlink() or directory.is_file():
            directory.unlink()  # a deeper mount hides what the outer one has there
        elif directory.exists():
            shutil.rmtree(directory)
        write_volume(mounts[mount_path], directory)


def app_secrets_dir(env: Mapping[str, str]) -> str:
    """Where the app reads secret files in the container: its env override, else its default."""
    directory = env.get(SECRETS_DIR_ENV) or SECRETS_DIR
    if not directory.startswith("/"):
        raise UnknownAtRenderTimeError(
            f"{SECRETS_DIR_ENV}={directory!r} is relative to the container's working directory"
        )
    return posixpath.normpath(directory)


def app_secret_files(
    env: Mapping[str, str], mounts: Mapping[str, Mapping[str, MountedFile]]
) -> dict[str, bytes]:
    """The files the app loads from its secrets directory: relative name -> content."""
    directory = app_secrets_dir(env).rstrip("/") + "/"
    return {
        path[len(directory) :]: file.content
        for path, file in visible_files(mounts).items()
        if path.startswith(directory)
        and not any(part.startswith(".") for part in path[len(directory) :].split("/"))
    }


def unreadable_files(
    workload_doc: Manifest, container: str, mounts: Mapping[str, Mapping[str, MountedFile]]
) -> list[str]:
    """Mounted files the container's user may not read (owner root, group and mode as mounted).

    Only decidable when the pod or container sets runAsUser; root reads everything.
    """
    pod_context = pod_spec(workload_doc).get("securityContext") or {}
    context = _container(workload_doc, container).get("securityContext") or {}
    uid = context.get("runAsUser", pod_context.get("runAsUser"))
    if uid is None or int(uid) == 0:
        return []
    gid = context.get("runAsGroup", pod_context.get("runAsGroup"))
    supplemental = pod_context.get("supplementalGroups") or []
    groups = {
        int(group)
        for group in (gid, pod_context.get("fsGroup"), *supplemental)
        if group is not None
    }
    problems = []
    for path, file in sorted(visible_files(mounts).items()):
        readable = bool(file.mode & 0o004) or (file.group in groups and bool(file.mode & 0o040))
        if not readable and not (gid is None and file.group == 0):
            problems.append(
                f"{path} (root:{file.group}, mode {file.mode:04o}) is not readable by user "
                f"{uid} (groups {sorted(groups)})"
            )
    return problems


# --------------------------------------------------------------------------------------------
# Secrets stay out of the environment


def secret_env_references(workload_doc: Manifest) -> list[str]:
    """Every ``env`` secretKeyRef and ``envFrom`` secretRef of the workload's containers."""
    found = []
    for target in containers(workload_doc):
        where = f"container {target.get('name')!r} of {_describe(workload_doc)}"
        for source in target.get("envFrom") or []:
            if source.get("secretRef") is not None:
                found.append(f"{where}: envFrom secretRef {source['secretRef'].get('name')!r}")
        for entry in target.get("env") or []:
            ref = (entry.get("valueFrom") or {}).get("secretKeyRef")
            if ref is not None:
                found.append(
                    f"{where}: env {entry.get('name')} from secretKeyRef {ref.get('name')!r} "
                    f"key {ref.get('key')!r}"
                )
    return found


# --------------------------------------------------------------------------------------------
# Running the app


@dataclass(frozen=True)
class ContainerStart:
    """What the kubelet gives a container when its pod starts."""

    env: dict[str, str]
    mounts: Mounts

    def secret_files(self) -> dict[str, bytes]:
        """The secret files the app reads: file name (its env var) -> content."""
        return app_secret_files(self.env, self.mounts)


def container_start(
    manifests: Sequence[Manifest],
    workload_doc: Manifest,
    container: str,
    existing_secrets: Mapping[str, Mapping[str, str]],
) -> ContainerStart:
    """``container_environment`` and ``container_files`` together."""
    return ContainerStart(
        container_environment(manifests, workload_doc, container, existing_secrets),
        container_files(manifests, workload_doc, container, existing_secrets),
    )


def run_check_config(
    service: str,
    env: Mapping[str, str],
    mounts: Mapping[str, Mapping[str, MountedFile]] | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """``python -m lookout check-config SERVICE`` with only ``env`` and ``mounts``.

    The process gets ``env`` plus PATH and PYTHONPATH. ``mounts`` (from ``container_files``)
    are written under a scratch directory standing in for the container's ``/``, and
    ``LOOKOUT_SECRETS_DIR`` points at the app's secrets directory in it: the container's own
    ``LOOKOUT_SECRETS_DIR`` if it sets one, else the app's default. With nothing mounted there
    the directory does not exist, as in the pod; never the host's own.
    """
    return run_app(["check-config", service], env, mounts, timeout)


def run_app(
    arguments: Sequence[str],
    env: Mapping[str, str],
    mounts: Mapping[str, Mapping[str, MountedFile]] | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """``python -m lookout ARGUMENTS`` as ``run_check_config`` runs check-config."""
    with tempfile.TemporaryDirectory(prefix="contract-") as scratch:
        root = Path(scratch, "root")
        write_mounts(mounts or {}, root)
        cwd = Path(scratch, "cwd")
        cwd.mkdir()
        environment = {
            **env,
            SECRETS_DIR_ENV: str(root / app_secrets_dir(env).lstrip("/")),
            "PATH": os.environ.get("PATH", os.defpath),
            "PYTHONPATH": str(
                ROOT / "apps" / "lookout"
            ),  # the repository's lookout, whatever the container said
        }
        return subprocess.run(
            [sys.executable, "-m", "lookout", *arguments],
            env=environment,
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


def contract_problems(
    manifests: Sequence[Manifest],
    workload_doc: Manifest,
    existing_secrets: Mapping[str, Mapping[str, str]],
) -> list[str]:
    """Why the workload's containers would not start with their config; empty when they would."""
    service = service_of(workload_doc)
    problems = []
    for name in chart_container_names(workload_doc):
        where = f"{_describe(workload_doc)} container {name!r} (service {service})"
        try:
            start = container_start(manifests, workload_doc, name, existing_secrets)
            unreadable = unreadable_files(workload_doc, name, start.mounts)
        except (ContractError, NotImplementedError) as error:
            problems.append(f"{where}: {error}")
            continue
        problems += [f"{where}: {item}" for item in unreadable]
        result = run_check_config(service, start.env, start.mounts)
        if result.returncode != 0:
            problems.append(
                f"{where}: check-config exited {result.returncode}:\n{result.stderr.strip()}"
            )
    return problems


def with_secret_file(mounts: Mounts, name: str, content: bytes) -> Mounts:
    """A copy of ``mounts`` with every mounted file called ``name`` holding ``content``."""
    hits = 0
    result: Mounts = {}
    for path, files in mounts.items():
        result[path] = {}
        for relative, file in files.items():
            if posixpath.basename(relative) == name:
                file = MountedFile(content, file.mode, file.group)
                hits += 1
            result[path][relative] = file
    if not hits:
        raise LookupError(f"no mounted file {name!r}")
    return result


def with_config_value(
    manifests: Sequence[Manifest], config_map: str, key: str, value: str
) -> list[dict[str, Any]]:
    """A copy of the manifests with one ConfigMap entry replaced (the others untouched)."""
    result: list[dict[str, Any]] = []
    hits = 0
    for doc in manifests:
        if doc.get("kind") == "ConfigMap" and doc["metadata"]["name"] == config_map:
            if key not in (doc.get("data") or {}):
                raise KeyError(f"ConfigMap {config_map!r} has no key {key!r}")
            doc = {**doc, "data": {**doc["data"], key: value}}
            hits += 1
        result.append(dict(doc))
    if hits != 1:
        raise LookupError(f"expected one ConfigMap {config_map!r}, found {hits}")
    return result
