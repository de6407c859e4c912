"""Chart-owned values: the Kubernetes knobs every generated chart offers besides app settings.

Sections are Sections (or ValuesSection classes, where a list's items are one), so one
walker turns them and the app's settings into values.yaml, the schema and the README: each
is printed key by key in values.yaml; other models (resources) are printed as their (empty)
default and documented as a whole.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.fields import FieldInfo

from chartgen.kube_names import (
    INT32_MAX,
    Annotations,
    Cidr,
    Int32,
    OptionalResourceName,
    Percent,
    PositiveInt32,
    ResourceName,
)
from chartgen.kube_types import KubeType
from chartgen.model.declaration import VolumeClaim, Workload
from chartgen.naming import camel


class ValuesSection(BaseModel):
    """A mapping in values.yaml: closed to unknown keys, camelCase keys."""

    # defer_build: the values model is only ever turned into a JSON schema, which
    # chartgen.section_schema writes field by field, so no section needs a validator.
    model_config = ConfigDict(
        extra="forbid", alias_generator=camel, populate_by_name=True, defer_build=True
    )


FieldDef = tuple[Any, FieldInfo]  # (annotation, Field(...)), as a model would declare it


@dataclass(frozen=True, eq=False)
class Section:
    """A mapping of values.yaml as the generator reads it: its fields by values key.

    The sections a build makes (a workload's knobs, an app's settings group) are only this,
    not pydantic models: nothing validates values with them, and creating a model for each
    was a third of the build of a large chart. A ValuesSection class (declared, so that a
    list's items can be one) has its Section too, from section_of.
    """

    name: str  # its $defs name in the schema
    fields: dict[str, FieldInfo]  # by values key; each knows its annotation
    doc: str | None = None


def section(
    name: str, fields: Mapping[str, FieldDef | FieldInfo], doc: str | None = None
) -> Section:
    """A closed mapping of ``fields`` (field name -> definition, or a complete FieldInfo,
    which knows its annotation), keys in camelCase."""
    complete = {}
    for attribute, definition in fields.items():
        if isinstance(definition, FieldInfo):
            field = definition
        else:
            field = FieldInfo.from_annotated_attribute(*definition)
        complete[field.alias or camel(attribute)] = field
    return Section(name, complete, doc)


@functools.cache
def _declared_section(model: type[ValuesSection]) -> Section:
    doc = inspect.cleandoc(model.__doc__) if model.__doc__ else None
    fields = {field.alias or name: field for name, field in model.model_fields.items()}
    return Section(model.__name__, fields, doc)


def section_of(annotation: Any) -> Section | None:
    """The Section a field's annotation is, if it is one (or a ValuesSection class)."""
    if isinstance(annotation, Section):
        return annotation
    if isinstance(annotation, type) and issubclass(annotation, ValuesSection):
        return _declared_section(annotation)
    return None


def no_items() -> list[Any]:
    """An empty list, as a default_factory. pydantic reads every default factory's signature
    on each schema build; ``list``'s, a builtin's, is parsed from text (~70 µs, against ~5 µs
    for a function), and the values model has dozens of list knobs."""
    return []


# Kubernetes objects the chart passes through, typed by the API's own definitions.
Affinity = Annotated[dict[str, Any], KubeType("core.v1.Affinity")]
Tolerations = Annotated[list[dict[str, Any]], KubeType("core.v1.Toleration", many=True)]
LabelSelector = Annotated[
    dict[str, Any], KubeType("io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector")
]
NetworkPolicyPeers = Annotated[
    list[dict[str, Any]], KubeType("networking.v1.NetworkPolicyPeer", many=True)
]


# Kubernetes quantity: a plain number, or digits with an optional decimal part and suffix.
QUANTITY_PATTERN = r"^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$"
# "" removes the preset's quantity, e.g. `limits.cpu: ""` for no CPU limit.
Quantity = (
    Annotated[str, Field(pattern=QUANTITY_PATTERN)] | Annotated[float, Field(ge=0)] | Literal[""]
)


class ResourceList(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    cpu: Quantity | None = Field(None, description="CPU, e.g. 500m or 2.")
    memory: Quantity | None = Field(None, description="Memory, e.g. 512Mi or 2Gi.")
    ephemeral_storage: Quantity | None = Field(
        None, alias="ephemeral-storage", description="Ephemeral storage, e.g. 1Gi."
    )


class Resources(BaseModel):
    model_config = ConfigDict(extra="forbid")

    requests: ResourceList | None = None
    limits: ResourceList | None = None


class ImagePullSecret(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: ResourceName


class ServiceAccountValues(ValuesSection):
    create: bool = Field(
        True, description="Create one ServiceAccount per workload (named after the workload)."
    )
    name: OptionalResourceName = Field(
        "",
        description='ServiceAccount every workload runs as when create is false; "" uses the '
        "namespace's default one.",
    )
    annotations: Annotations = Field(
        default_factory=dict,
        description="Annotations on every ServiceAccount, e.g. for workload identity.",
    )
    automount_token: bool = Field(
        False,
        description="Mount the ServiceAccount token in the pods. The app does not call the "
        "Kubernetes API: opt in only for a sidecar that does.",
    )


class IngressTls(ValuesSection):
    enabled: bool = Field(True, description="Serve TLS when the public URL is https.")
    secret_name: OptionalResourceName = Field(
        "", description='TLS Secret for the host; "" uses <fullname>-tls (e.g. from cert-manager).'
    )


class IngressValues(ValuesSection):
    enabled: bool = Field(True, description="Expose the public URL's host through an Ingress.")
    class_name: OptionalResourceName = Field(
        "", description='IngressClass name; "" uses the cluster default.'
    )
    annotations: Annotations = Field(
        default_factory=dict, description="Annotations, e.g. cert-manager.io/cluster-issuer."
    )
    tls: IngressTls = Field(default_factory=IngressTls, description="TLS for the public host.")


PullPolicy = Literal["Always", "IfNotPresent", "Never"]

Port = Annotated[int, Field(ge=1, le=65535)]


ANY_ADDRESS = (
    "Any address on these ports counts as this peer (the rule lists no peers): for when its "
    "addresses cannot be listed; the ports still bound it."
)


class DnsPeer(ValuesSection):
    namespace_selector: LabelSelector = Field(
        default_factory=dict, description="Namespaces of the cluster DNS ({} = any)."
    )
    pod_selector: LabelSelector = Field(
        default_factory=lambda: {"matchLabels": {"k8s-app": "kube-dns"}},
        description="Pods of the cluster DNS (CoreDNS keeps the kube-dns label).",
    )
    cidrs: list[Cidr] = Field(
        default_factory=no_items,
        description="Addresses of a DNS outside the pod network as well, e.g. NodeLocal "
        "DNSCache's 169.254.20.10/32.",
    )
    any_address: bool = Field(False, description=ANY_ADDRESS)


class IngressControllerPeer(ValuesSection):
    namespace_selector: LabelSelector = Field(
        default_factory=lambda: {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}},
        description="Namespace(s) of the ingress controller allowed to reach the public workloads.",
    )
    pod_selector: LabelSelector = Field(
        default_factory=dict, description="Pods of the ingress controller ({} = any there)."
    )
    cidrs: list[Cidr] = Field(
        default_factory=no_items,
        description="Source addresses outside the pod network as well, e.g. the subnets of a "
        "load balancer that sends to pod IPs (AWS ALB IP targets, GKE container-native).",
    )
    any_address: bool = Field(False, description=ANY_ADDRESS)


class ClientsPeer(ValuesSection):
    namespace_selector: LabelSelector = Field(
        default_factory=dict,
        description="Namespaces whose pods may send to the client-facing ports ({} = all).",
    )
    pod_selector: LabelSelector = Field(
        default_factory=dict, description="Pods there that may ({} = any)."
    )
    cidrs: list[Cidr] = Field(
        default_factory=no_items,
        description="Client addresses outside the pod network as well, e.g. behind a "
        "LoadBalancer Service that keeps the client's address.",
    )
    any_address: bool = Field(False, description=ANY_ADDRESS)


def egress_rule(kind: str, port: int, used_by: str) -> Section:
    """Values of one kind of outbound peer: where it is (CIDRs or selectors), which ports."""
    fields: dict[str, FieldDef] = {
        "cidrs": (
            list[Cidr],
            Field(
                default_factory=no_items,
                description=f"CIDRs of the {kind} peer(s) ({used_by}); these or peers are "
                "required while networkPolicy.enabled and the connection is configured.",
            ),
        ),
        "peers": (
            NetworkPolicyPeers,
            Field(
                default_factory=no_items,
                description="NetworkPolicy peers (namespaceSelector/podSelector) for a peer "
                "inside the cluster, where CIDRs would not match pod addresses.",
            ),
        ),
        "any_address": (
            bool,
            Field(
                False,
                description="Allow any address on these ports for this peer (e.g. a SaaS "
                "provider whose addresses change) instead of listing cidrs or peers.",
            ),
        ),
        "ports": (list[Port], Field(default_factory=lambda: [port], description="TCP ports.")),
    }
    return section("Egress" + kind[:1].upper() + kind[1:], fields)


# A PodDisruptionBudget count: pods, or a percentage of them.
Disruption = Int32 | Percent


class AutoscalingValues(ValuesSection):
    enabled: bool | None = Field(None, description="Scale with a HorizontalPodAutoscaler.")
    min_replicas: PositiveInt32 | None = Field(None, description="Fewest replicas.")
    max_replicas: PositiveInt32 | None = Field(None, description="Most replicas.")
    target_cpu_utilization_percentage: int | None = Field(
        None,
        ge=1,
        le=100,
        alias="targetCPUUtilizationPercentage",
        description="Average CPU use, in percent of the request, the autoscaler aims for.",
    )
    target_memory_utilization_percentage: int | None = Field(
        None,
        ge=1,
        le=100,
        alias="targetMemoryUtilizationPercentage",
        description="Average memory use, in percent of the request, the autoscaler aims for "
        "as well; null (and no preset value) scales on CPU only.",
    )
    behavior: Annotated[
        dict[str, Any] | None, KubeType("autoscaling.v2.HorizontalPodAutoscalerBehavior")
    ] = Field(None, description="Scale-up and scale-down policies (HPA v2 behavior).")


class DisruptionBudgetValues(ValuesSection):
    enabled: bool | None = Field(None, description="Create a PodDisruptionBudget.")
    min_available: Disruption | None = Field(
        None, description="Pods (or %) that must stay up; exclusive with maxUnavailable."
    )
    max_unavailable: Disruption | None = Field(
        None, description="Pods (or %) a voluntary disruption may take down at once."
    )


class TopologySpreadValues(ValuesSection):
    enabled: bool | None = Field(
        None, description="Spread replicas across zones and hosts (best effort)."
    )


FROM_PRESET = "null takes the preset's"

# A C identifier is what every shell and the app's loader can read; Kubernetes allows more.
EnvName = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]


class ExtraEnvVar(BaseModel):
    """An env var of the container, as in a Kubernetes EnvVar."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    name: EnvName = Field(description="Variable name.")
    value: str | None = Field(None, description="Its value (a string).")
    value_from: Annotated[dict[str, Any] | None, KubeType("core.v1.EnvVarSource")] = Field(
        None, alias="valueFrom", description="secretKeyRef, configMapKeyRef, fieldRef…"
    )


# A cron schedule: five fields, or a macro such as @daily (the CronJob controller's syntax).
CRON_PATTERN = r"^(@(yearly|annually|monthly|weekly|daily|midnight|hourly)|(\S+\s+){4}\S+)$"


Retention = Literal["Retain", "Delete"]
FIXED = "Fixed once installed: the API refuses a change, and so does the chart on upgrade."


class ClaimRetention(ValuesSection):
    when_deleted: Retention = Field(
        "Retain",
        description="Retain keeps the PVCs when the StatefulSet goes (helm uninstall); Delete "
        "deletes them, and the data.",
    )
    when_scaled: Retention = Field(
        "Retain", description="Retain keeps the PVCs of pods a scale-down removes."
    )


class StatefulUpdateStrategy(ValuesSection):
    type: Literal["RollingUpdate", "OnDelete"] = Field(
        "RollingUpdate",
        description="RollingUpdate replaces pods one at a time, highest ordinal first; "
        "OnDelete only as you delete them.",
    )
    rolling_update: Annotated[
        dict[str, Any] | None, KubeType("apps.v1.RollingUpdateStatefulSetStrategy")
    ] = Field(None, description="partition (pods below it keep the old revision), maxUnavailable.")


def _persistence(workload: str, claim: VolumeClaim) -> FieldDef:
    """The values section of one claim, in the names Bitnami-style charts use."""
    fields: dict[str, FieldDef] = {
        "enabled": (
            bool,
            Field(
                True,
                description="A PVC per pod; false mounts an emptyDir of this size instead, "
                f"whose data goes with the pod (evaluation only). {FIXED}",
            ),
        ),
        "size": (
            Annotated[str, Field(pattern=QUANTITY_PATTERN)],
            Field(
                claim.size,
                description="Size of each pod's volume. Fixed once installed: to grow it, "
                "resize every PVC (kubectl patch pvc, if its StorageClass allows expansion), "
                "delete the StatefulSet with --cascade=orphan (its pods keep running), then "
                "upgrade with the new size.",
            ),
        ),
        "storage_class": (
            OptionalResourceName,
            Field("", description=f'StorageClass of the PVCs; "" for the default. {FIXED}'),
        ),
        "access_modes": (
            list[Literal["ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod"]],
            Field([claim.access_mode], min_length=1, description=f"Access modes. {FIXED}"),
        ),
        "annotations": (
            Annotations,
            Field(default_factory=dict, description=f"Annotations on the PVCs. {FIXED}"),
        ),
    }
    name = workload[:1].upper() + workload[1:] + claim.key[:1].upper() + claim.key[1:]
    text = f"The volume {claim.name} each pod mounts at {claim.mount_path} (a PVC per pod)."
    return section(name, fields), Field(default_factory=dict, description=text)


def _stateful_knobs() -> dict[str, FieldDef]:
    return {
        "pod_management_policy": (
            Literal["OrderedReady", "Parallel"],
            Field(
                "OrderedReady",
                description="OrderedReady starts pods one at a time, each once the previous "
                f"is ready, and stops them in reverse; Parallel all at once. {FIXED}",
            ),
        ),
        "update_strategy": (
            StatefulUpdateStrategy,
            Field(default_factory=StatefulUpdateStrategy, description="How pods are updated."),
        ),
    }


def persistence_knobs(decl: Workload) -> dict[str, FieldDef]:
    """A StatefulSet's PVCs: their retention, and a section per declared volume (its key)."""
    if not decl.volumes:
        return {}
    knobs: dict[str, FieldDef] = {
        "persistent_volume_claim_retention_policy": (
            ClaimRetention,
            Field(default_factory=ClaimRetention, description="What becomes of the PVCs."),
        )
    }
    knobs.update({claim.key: _persistence(decl.name, claim) for claim in decl.volumes})
    return knobs


def workload_knobs(decl: Workload) -> dict[str, FieldDef]:
    """Per-workload Kubernetes knobs, as field definitions of its Section.

    Every sizing knob defaults to null: the preset decides until the operator sets it.
    """
    traits = decl.traits
    knobs: dict[str, FieldDef] = {}
    scalable = traits.scalable
    if scalable:
        knobs["replicas"] = (
            int | None,
            Field(
                None,
                ge=0,
                le=INT32_MAX,
                description=f"Replicas without autoscaling; {FROM_PRESET}.",
            ),
        )
    knobs["resources"] = (
        Resources,
        Field(
            default_factory=Resources,
            description="Requests and limits; each key set here overrides the preset's, "
            '"" removes it (e.g. limits.cpu: "" for no CPU limit). Derived settings follow the '
            "CPU limit (else request) and the memory limit (else request).",
        ),
    )
    if scalable:
        knobs["autoscaling"] = (
            AutoscalingValues,
            Field(default_factory=AutoscalingValues, description=f"Autoscaling; {FROM_PRESET}."),
        )
        knobs["pod_disruption_budget"] = (
            DisruptionBudgetValues,
            Field(
                default_factory=DisruptionBudgetValues,
                description=f"Disruption budget; {FROM_PRESET}.",
            ),
        )
        knobs["topology_spread"] = (
            TopologySpreadValues,
            Field(
                default_factory=TopologySpreadValues,
                description=f"Topology spread; {FROM_PRESET}.",
            ),
        )
    knobs["pod_annotations"] = (
        dict[str, str],
        Field(default_factory=dict, description="Extra annotations on this workload's pods."),
    )
    knobs["extra_env"] = (
        list[ExtraEnvVar],
        Field(
            default_factory=no_items,
            description="More env vars for settings the chart does not expose; a variable the "
            "chart sets is refused (set its values key instead).",
        ),
    )
    knobs["extra_env_from"] = (
        Annotated[list[dict[str, Any]], KubeType("core.v1.EnvFromSource", many=True)],
        Field(
            default_factory=no_items,
            description="More envFrom sources (configMapRef / secretRef), read after the "
            "chart's own ConfigMap.",
        ),
    )
    knobs["node_selector"] = (
        dict[str, str] | None,
        Field(None, description="Node labels its pods require; null uses the global one."),
    )
    knobs["tolerations"] = (
        Annotated[list[dict[str, Any]] | None, KubeType("core.v1.Toleration", many=True)],
        Field(None, description="Taints its pods tolerate; null uses the global ones."),
    )
    knobs["affinity"] = (
        Annotated[dict[str, Any] | None, KubeType("core.v1.Affinity")],
        Field(None, description="Affinity of its pods; null uses the global one."),
    )
    if traits.backoff_limit:
        knobs["backoff_limit"] = (
            int,
            Field(3, ge=0, le=INT32_MAX, description="Retries before the Job is marked failed."),
        )
    if traits.scheduled:
        knobs["schedule"] = (
            Annotated[str, Field(pattern=CRON_PATTERN)],
            Field(
                decl.schedule, description="When it runs (cron syntax, in the controller's zone)."
            ),
        )
        knobs["suspend"] = (bool, Field(False, description="Stop starting new runs."))
        knobs["concurrency_policy"] = (
            Literal["Allow", "Forbid", "Replace"],
            Field("Forbid", description="Whether a run may start while the previous one runs."),
        )
    if traits.stateful:
        knobs.update(_stateful_knobs())
    return knobs
