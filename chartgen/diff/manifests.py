"""Changes between two renders of one values file: objects added or removed, and changes to
fields Kubernetes refuses to update in place (`helm upgrade` then fails, or needs the object
deleted first).

Objects are matched by kind and name. Both renders are normalized first (``normalize``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from chartgen.diff.model import Change
from chartgen.diff.normalize import annotations_of, is_kept
from chartgen.runtime.quantity import bytes_of

Doc = dict[str, Any]
ObjectId = tuple[str, str]  # (kind, name)

# Added objects that hold data or run something as soon as they exist.
WEIGHTY = frozenset({"PersistentVolumeClaim", "StatefulSet", "Job", "CronJob"})
# Removed objects whose data goes with them (unless kept: see is_kept).
HOLDS_DATA = frozenset({"PersistentVolumeClaim", "StatefulSet", "Secret", "ConfigMap"})
SELECTED = frozenset({"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"})
# What to run before `helm upgrade` when an immutable field changes, by kind, and its cost.
RECREATE = {
    "Deployment": ("kubectl delete deployment {name}", "its pods go with it"),
    "DaemonSet": ("kubectl delete daemonset {name}", "its pods go with it"),
    "ReplicaSet": ("kubectl delete replicaset {name}", "its pods go with it"),
    "StatefulSet": (
        "kubectl delete statefulset {name} --cascade=orphan",
        "keeps its pods and volumes for the upgrade to adopt; existing claims keep their "
        "old size and class",
    ),
    "Service": ("kubectl delete service {name}", "clients lose it until the upgrade recreates it"),
    "Job": ("kubectl delete job {name}", ""),
    "PersistentVolumeClaim": (
        "",
        "a claim cannot change: copy the data to a new volume, or back it up, delete the "
        "claim and restore after the upgrade",
    ),
}


def object_id(doc: Doc) -> ObjectId:
    return str(doc.get("kind")), str((doc.get("metadata") or {}).get("name"))


def label(obj: ObjectId) -> str:
    return f"{obj[0]}/{obj[1]}"


def is_hook(doc: Doc) -> bool:
    return "helm.sh/hook" in annotations_of(doc)


def _get(doc: Any, *path: str) -> Any:
    for key in path:
        doc = doc.get(key) if isinstance(doc, dict) else None
    return doc


def _same(a: Any, b: Any) -> bool:
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def _immutable(obj: ObjectId, field: str, before: Any, after: Any, why: str) -> Change:
    kind, name = obj
    command, cost = RECREATE.get(kind, ("", f"recreate {label(obj)} when upgrading"))
    action = f"before upgrading, run `{command.format(name=name)}`" if command else ""
    action = f"{action} ({cost})" if action and cost else action or cost
    return Change(
        "immutable-field-changed",
        "breaking",
        f"{why}: Kubernetes cannot update it in place, so `helm upgrade` fails",
        object=label(obj),
        field=field,
        before=before,
        after=after,
        action=action,
    )


def _size(claim: Any) -> Any:
    return _get(claim, "spec", "resources", "requests", "storage")


def _claim_changes(obj: ObjectId, field: str, old: Any, new: Any) -> Iterator[Change]:
    """A PVC (or a StatefulSet's claim template): storage class or size."""
    old_class, new_class = (
        _get(old, "spec", "storageClassName"),
        _get(new, "spec", "storageClassName"),
    )
    if old_class != new_class:
        yield _immutable(
            obj, f"{field}spec.storageClassName", old_class, new_class, "storage class changed"
        )
    old_size, new_size = _size(old), _size(new)
    if old_size is not None and new_size is not None and old_size != new_size:
        if bytes_of(new_size) < bytes_of(old_size):
            yield _immutable(
                obj,
                f"{field}spec.resources.requests.storage",
                old_size,
                new_size,
                "volume size decreased",
            )
        elif not field:
            yield Change(
                "volume-expanded",
                "needs-attention",
                "volume size increased: only storage classes with allowVolumeExpansion grow it",
                object=label(obj),
                field="spec.resources.requests.storage",
                before=old_size,
                after=new_size,
                action="check that the storage class allows volume expansion",
            )


def _claim_templates(obj: ObjectId, old: Doc, new: Doc) -> Iterator[Change]:
    field = "spec.volumeClaimTemplates"
    before = {
        _get(c, "metadata", "name"): c for c in _get(old, "spec", "volumeClaimTemplates") or []
    }
    after = {
        _get(c, "metadata", "name"): c for c in _get(new, "spec", "volumeClaimTemplates") or []
    }
    if _same(before, after):
        return
    if set(before) != set(after):
        yield _immutable(
            obj, field, sorted(before), sorted(after), "volume claim templates changed"
        )
        return
    specific = [
        change
        for name in before
        for change in _claim_changes(obj, f"{field}[{name}].", before[name], after[name])
    ]
    # Any other difference in a claim template is as immutable as these two.
    yield from specific or [
        _immutable(
            obj, field, list(before.values()), list(after.values()), "claim template changed"
        )
    ]


def _field_change(obj: ObjectId, old: Doc, new: Doc, *path: str) -> Iterator[Change]:
    before, after = _get(old, *path), _get(new, *path)
    if not _same(before, after):
        yield _immutable(obj, ".".join(path), before, after, f"{path[-1]} changed")


def immutable_changes(
    obj: ObjectId, old: Doc, new: Doc, renamed_per_revision: Callable[[ObjectId], bool]
) -> Iterator[Change]:
    kind = obj[0]
    if kind in SELECTED:
        yield from _field_change(obj, old, new, "spec", "selector")
    if kind == "StatefulSet":
        yield from _field_change(obj, old, new, "spec", "serviceName")
        yield from _claim_templates(obj, old, new)
    if kind == "Service":
        yield from _field_change(obj, old, new, "spec", "clusterIP")
    if kind == "PersistentVolumeClaim":
        yield from _claim_changes(obj, "", old, new)
    # A hook is deleted and recreated (before-hook-creation), and a Job named after the
    # release revision is a new object on every upgrade: neither is updated in place.
    if kind == "Job" and not (is_hook(old) or is_hook(new) or renamed_per_revision(obj)):
        yield from _field_change(obj, old, new, "spec", "template")


# Service types whose clients reach it from outside the cluster.
EXTERNAL = frozenset({"NodePort", "LoadBalancer"})


def _service_changes(obj: ObjectId, old: Doc, new: Doc) -> Iterator[Change]:
    """What a Service's clients notice: a port dropped or speaking another protocol (their
    connections are refused), a node port moved, the Service's type changed."""
    where = label(obj)
    kept = {port.get("port"): port for port in _get(new, "spec", "ports") or []}
    for port in _get(old, "spec", "ports") or []:
        number, named = port.get("port"), f" ({port['name']})" if port.get("name") else ""
        now = kept.get(number)
        if now is None:
            yield Change(
                "service-port-removed",
                "breaking",
                f"port {number}{named} is gone: clients that use it are refused",
                object=where,
                field="spec.ports",
                before=number,
                action=f"make sure no client uses port {number} of {where}",
            )
            continue
        was, becomes = port.get("protocol", "TCP"), now.get("protocol", "TCP")
        if was != becomes:
            yield Change(
                "service-port-protocol",
                "breaking",
                f"port {number}{named} speaks {becomes}, not {was}: {was} clients are refused",
                object=where,
                field="spec.ports",
                before=was,
                after=becomes,
                action=f"move the clients of port {number} of {where} to {becomes}",
            )
        if port.get("nodePort") and now.get("nodePort") and port["nodePort"] != now["nodePort"]:
            yield Change(
                "service-node-port",
                "needs-attention",
                f"port {number}{named} moves from node port {port['nodePort']} to "
                f"{now['nodePort']}",
                object=where,
                field="spec.ports",
                before=port["nodePort"],
                after=now["nodePort"],
                action=f"point clients outside the cluster at {where}'s node port "
                f"{now['nodePort']}",
            )
    was_type = _get(old, "spec", "type") or "ClusterIP"
    new_type = _get(new, "spec", "type") or "ClusterIP"
    if was_type != new_type:
        gone = was_type in EXTERNAL and new_type not in EXTERNAL
        yield Change(
            "service-type",
            "breaking" if gone else "needs-attention",
            f"type {was_type} becomes {new_type}"
            + (": clients outside the cluster lose it" if gone else ""),
            object=where,
            field="spec.type",
            before=was_type,
            after=new_type,
            action=f"check who reaches {where} and from where",
        )


def _added(obj: ObjectId, doc: Doc) -> Change:
    if obj[0] in WEIGHTY:
        return Change(
            "object-added",
            "needs-attention",
            f"new {obj[0]}: it "
            + ("holds data" if obj[0] == "PersistentVolumeClaim" else "runs")
            + " from the upgrade on",
            object=label(obj),
            action=f"check that the cluster has room (and storage) for {label(obj)}",
        )
    return Change("object-added", "safe", "new object", object=label(obj))


def _removed(obj: ObjectId, doc: Doc) -> Change:
    if is_hook(doc):
        return Change(
            "object-removed",
            "needs-attention",
            "hook no longer runs on install and upgrade",
            object=label(obj),
            action=f"check that nothing relied on the {obj[0]} hook {obj[1]}",
        )
    if is_kept(doc):
        return Change(
            "object-removed",
            "needs-attention",
            "no longer in the chart; Helm leaves it in place (resource-policy keep), unmanaged",
            object=label(obj),
            action=f"delete {label(obj)} by hand once nothing needs it",
        )
    holds = obj[0] in HOLDS_DATA
    return Change(
        "object-removed",
        "breaking",
        "deleted by the upgrade" + (", with what it holds" if holds else ""),
        object=label(obj),
        action=f"back up what {label(obj)} holds before upgrading"
        if holds
        else f"make sure nothing outside the release uses {label(obj)}",
    )


def compare_objects(
    base: list[Doc], current: list[Doc], renamed_per_revision: Callable[[ObjectId], bool]
) -> list[Change]:
    old = {object_id(doc): doc for doc in base}
    new = {object_id(doc): doc for doc in current}
    changes = [_removed(obj, doc) for obj, doc in old.items() if obj not in new]
    changes += [_added(obj, doc) for obj, doc in new.items() if obj not in old]
    for obj in new:  # in rendering order, so the report reads the same every time
        if obj in old:
            changes.extend(immutable_changes(obj, old[obj], new[obj], renamed_per_revision))
            if obj[0] == "Service":
                changes.extend(_service_changes(obj, old[obj], new[obj]))
    return changes
