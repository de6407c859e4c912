"""Per-workload overrides a production install needs, in the names operators know.

Volumes, extra containers, security contexts, probe timings, spread, Service and
ServiceAccount overrides: the Kubernetes objects among them are typed by the API's own
definitions (chartgen.kube_types), so a typo fails the schema naming its path.
"""

from __future__ import annotations

import functools
from typing import Annotated, Any, Literal

from pydantic import Field, create_model

from chartgen.knobs import QUANTITY_PATTERN, ValuesSection, no_items
from chartgen.kube_types import KubeType

PodSecurityContext = Annotated[dict[str, Any], KubeType("core.v1.PodSecurityContext")]
SecurityContext = Annotated[dict[str, Any], KubeType("core.v1.SecurityContext")]
ServiceType = Literal["ClusterIP", "NodePort", "LoadBalancer"]

# The chart's defaults: restricted Pod Security, a fixed non-root UID/GID.
POD_SECURITY_CONTEXT: dict[str, Any] = {
    "runAsNonRoot": True,
    "runAsUser": 10001,
    "runAsGroup": 10001,
    "fsGroup": 10001,
    "seccompProfile": {"type": "RuntimeDefault"},
}
SECURITY_CONTEXT: dict[str, Any] = {
    "allowPrivilegeEscalation": False,
    "readOnlyRootFilesystem": True,
    "capabilities": {"drop": ["ALL"]},
}
OWN_OR_GLOBAL = "null uses the global one (replaced as a whole, not merged)"

Knobs = dict[str, tuple[object, object]]


def _list_of(name: str, nullable: bool = False) -> Any:
    items = list[dict[str, Any]] | None if nullable else list[dict[str, Any]]
    return Annotated[items, KubeType(name, many=True)]


class ProbeTimings(ValuesSection):
    initial_delay_seconds: int | None = Field(
        None, ge=0, description="Seconds before the first probe; null keeps the chart's."
    )
    period_seconds: int | None = Field(
        None, ge=1, description="Seconds between probes; null keeps the chart's."
    )
    timeout_seconds: int | None = Field(
        None, ge=1, description="Seconds a probe may take; null keeps the chart's."
    )
    failure_threshold: int | None = Field(
        None, ge=1, description="Failures in a row that count; null keeps the chart's."
    )


StartupProbe = create_model(
    "StartupProbe",
    __base__=ValuesSection,
    enabled=(
        bool,
        Field(
            False,
            description="Run the liveness check as a start-up probe first (liveness and "
            "readiness wait until it passes), for slow starts: it allows failureThreshold x "
            "periodSeconds.",
        ),
    ),
    **{name: (f.annotation, f) for name, f in ProbeTimings.model_fields.items()},
)


class ServiceValues(ValuesSection):
    type: ServiceType = Field("ClusterIP", description="Type of every Service.")
    annotations: dict[str, str] = Field(
        default_factory=dict, description="Annotations on every Service, e.g. for a load balancer."
    )


class WorkloadService(ValuesSection):
    type: ServiceType | None = Field(
        None, description="Its Service's type; null uses service.type."
    )
    annotations: dict[str, str] = Field(
        default_factory=dict, description="More annotations on its Service (over service's)."
    )
    extra_ports: _list_of("core.v1.ServicePort") = Field(  # type: ignore[valid-type]
        default_factory=no_items,
        description="More Service ports, e.g. a sidecar's (targetPort: its container port); "
        "its NetworkPolicy admits them from networkPolicy.clients.",
    )


class WorkloadServiceAccount(ValuesSection):
    annotations: dict[str, str] = Field(
        default_factory=dict,
        description="More annotations on its ServiceAccount (over serviceAccount's), e.g. "
        "its own workload identity.",
    )


def global_pod_knobs() -> Knobs:
    """Chart-wide defaults a workload may replace."""
    return {
        "pod_labels": (
            dict[str, str],
            Field(default_factory=dict, description="Extra labels on every pod."),
        ),
        "pod_security_context": (
            PodSecurityContext,
            Field(
                default_factory=lambda: dict(POD_SECURITY_CONTEXT),
                description="Security context of every pod. Where the platform assigns the "
                "UID and GID (OpenShift's restricted-v2 SCC), set runAsUser, runAsGroup and "
                "fsGroup to null: Helm then drops them.",
            ),
        ),
        "security_context": (
            SecurityContext,
            Field(
                default_factory=lambda: dict(SECURITY_CONTEXT),
                description="Security context of every app container.",
            ),
        ),
        "revision_history_limit": (
            int,
            Field(
                5,
                ge=0,
                description="Old revisions each Deployment or StatefulSet keeps for rollbacks.",
            ),
        ),
        "service": (
            ServiceValues,
            Field(default_factory=ServiceValues, description="Services of the workloads."),
        ),
    }


@functools.cache  # most workloads of a chart ask for the same knobs: each read, never changed
def pod_knobs(kind: str, scalable: bool, probes: tuple[str, ...], ports: bool) -> Knobs:
    """Per-workload overrides; ``probes`` are the kinds its container declares."""
    knobs: Knobs = {
        "pod_labels": (
            dict[str, str],
            Field(default_factory=dict, description="Extra labels on its pods."),
        ),
        # deploymentAnnotations, jobAnnotations…: the object's own kind, as charts name it.
        f"{kind.lower()}_annotations": (
            dict[str, str],
            Field(default_factory=dict, description=f"Extra annotations on its {kind}."),
        ),
        "termination_grace_period_seconds": (
            int | None,
            Field(
                None,
                ge=0,
                description="Seconds its pods get to stop after SIGTERM; null keeps "
                "Kubernetes' default (30).",
            ),
        ),
        "pod_security_context": (
            Annotated[dict[str, Any] | None, KubeType("core.v1.PodSecurityContext")],
            Field(None, description=f"Security context of its pods; {OWN_OR_GLOBAL}."),
        ),
        "security_context": (
            Annotated[dict[str, Any] | None, KubeType("core.v1.SecurityContext")],
            Field(None, description=f"Security context of its app container; {OWN_OR_GLOBAL}."),
        ),
        "tmp_size_limit": (
            Annotated[str, Field(pattern=QUANTITY_PATTERN)] | None,
            Field(
                None,
                description="Size limit of its /tmp (an emptyDir); null takes its "
                "ephemeral-storage limit, else request, else 1Gi.",
            ),
        ),
        "extra_volumes": (
            _list_of("core.v1.Volume"),
            Field(
                default_factory=no_items,
                description="More volumes of its pods, e.g. a ConfigMap with a corporate CA.",
            ),
        ),
        "extra_volume_mounts": (
            _list_of("core.v1.VolumeMount"),
            Field(default_factory=no_items, description="More volume mounts of its app container."),
        ),
        "init_containers": (
            _list_of("core.v1.Container"),
            Field(
                default_factory=no_items,
                description="Containers run before the app (restartPolicy: Always makes one a "
                "native sidecar, which a Job needs to complete).",
            ),
        ),
        "sidecars": (
            _list_of("core.v1.Container"),
            Field(
                default_factory=no_items,
                description="More containers beside the app, e.g. a Vault agent or a Cloud "
                "SQL proxy.",
            ),
        ),
    }
    for probe in probes:
        knobs[f"{probe}_probe"] = (
            ProbeTimings,
            Field(
                default_factory=ProbeTimings,
                description=f"Timings of its {probe} probe (the check itself is the app's).",
            ),
        )
    if probes:
        knobs["startup_probe"] = (
            StartupProbe,
            Field(default_factory=StartupProbe, description="A start-up probe."),
        )
    if scalable:
        knobs["topology_spread_constraints"] = (
            _list_of("core.v1.TopologySpreadConstraint", nullable=True),
            Field(
                None,
                description="Spread constraints replacing the preset's best-effort spread; "
                "an entry without labelSelector selects this workload's pods.",
            ),
        )
    if kind in ("Deployment", "StatefulSet"):
        kept = "ReplicaSets" if kind == "Deployment" else "revisions"
        knobs["revision_history_limit"] = (
            int | None,
            Field(None, ge=0, description=f"Old {kept} kept; null uses the global one."),
        )
    if ports:
        knobs["service"] = (
            WorkloadService,
            Field(default_factory=WorkloadService, description="Its Service."),
        )
    knobs["service_account"] = (
        WorkloadServiceAccount,
        Field(default_factory=WorkloadServiceAccount, description="Its ServiceAccount."),
    )
    return knobs
