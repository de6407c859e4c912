"""What an app declares about its chart besides its settings: workloads, ports, probes, image."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from pydantic_settings import BaseSettings

from chartgen.runtime.roles import Role

if TYPE_CHECKING:
    from chartgen.dev.base import DevPlugin

# How secret settings reach the container: files in the app's secrets_dir (never in the
# pod's environment), or env vars from secretKeyRef for apps that read no secret files.
SecretDelivery = Literal["files", "env"]


@dataclass(frozen=True)
class Port:
    name: str
    number: int
    protocol: Literal["TCP", "UDP"] = "TCP"
    # Accepts connections from clients elsewhere in the cluster (e.g. telemetry senders),
    # not only from the chart's own workloads: NetworkPolicy admits networkPolicy.clients.
    clients: bool = False


@dataclass(frozen=True)
class HttpProbe:
    path: str
    port: str = "http"


@dataclass(frozen=True)
class ExecProbe:
    command: tuple[str, ...]


Probe = HttpProbe | ExecProbe


@dataclass(frozen=True)
class IngressPath:
    """A path prefix on the public hostname routed to this workload's port."""

    path: str
    port: str = "http"


@dataclass(frozen=True)
class VolumeClaim:
    """A persistent volume every pod of a StatefulSet gets (one of its volumeClaimTemplates).

    Its name, and what the operator sets at ``key`` (size, class, access modes, annotations),
    are immutable once installed: the chart refuses an upgrade that would change them.
    """

    name: str  # the claim template's, and the pod volume's, name (PVCs: <name>-<pod>)
    mount_path: str  # where the app container mounts it
    size: str = "8Gi"  # the default of <workload>.<key>.size
    access_mode: Literal["ReadWriteOnce", "ReadWriteOncePod", "ReadWriteMany"] = "ReadWriteOnce"
    key: str = "persistence"  # its values section under the workload (another per claim)


@dataclass(frozen=True)
class WorkloadKind:
    """A kind of workload as a row of traits: adding a kind is one row plus one template."""

    kind: str  # the Kubernetes kind of its main object
    template: str  # workload/<template>.j2 renders that object
    scalable: bool  # takes replicas, autoscaling, a disruption budget and topology spread
    restart_policy: str  # of its pods ("" for the API's default)
    runs_alongside: bool  # counts in a preset's resource totals (a Job runs to completion)
    backoff_limit: bool  # takes backoffLimit
    scheduled: bool = False  # runs on a cron schedule: takes schedule, suspend, concurrency
    name_limit: int = 63  # its object's name: a CronJob's Jobs append 11 characters
    # Pods with stable names (a headless Service) and persistent volumes (VolumeClaims).
    stateful: bool = False


DEPLOYMENT = WorkloadKind("Deployment", "deployment.yaml", True, "", True, False)
# A Deployment that never has two pods: no replica knobs, a Recreate rollout.
SINGLETON = WorkloadKind("Deployment", "deployment.yaml", False, "", True, False)
JOB = WorkloadKind("Job", "job.yaml", False, "Never", False, True)
CRONJOB = WorkloadKind("CronJob", "cronjob.yaml", False, "Never", False, True, True, 52)
# Its pods' controller-revision-hash label is its name plus 11 characters: 52 at most.
STATEFULSET = WorkloadKind(
    "StatefulSet", "statefulset.yaml", True, "", True, False, name_limit=52, stateful=True
)
KINDS = {"Job": JOB, "CronJob": CRONJOB, "StatefulSet": STATEFULSET}


@dataclass(frozen=True)
class Workload:
    name: str
    description: str
    settings: type[BaseSettings]
    command: tuple[str, ...]
    kind: Literal["Deployment", "StatefulSet", "Job", "CronJob"] = "Deployment"
    # A CronJob's default schedule (cron syntax); the operator may change it.
    schedule: str = ""
    # A Job that runs as a pre-install,pre-upgrade hook (schema migrations).
    hook: bool = False
    # One replica at most, ever (e.g. a scheduler): no replicas, autoscaling or PDB knobs,
    # and a Recreate rollout so two never overlap.
    singleton: bool = False
    ports: tuple[Port, ...] = ()
    liveness: Probe | None = None
    readiness: Probe | None = None
    ingress: tuple[IngressPath, ...] = ()
    # A StatefulSet's persistent volumes, one PVC per pod each (a StatefulSet may have none).
    volumes: tuple[VolumeClaim, ...] = ()
    # Names of its ports on which its own pods reach each other (a cluster's replication or
    # gossip); the NetworkPolicies open nothing between them otherwise.
    peer_ports: tuple[str, ...] = ()

    @property
    def traits(self) -> WorkloadKind:
        if self.kind in KINDS:
            return KINDS[self.kind]
        return SINGLETON if self.singleton else DEPLOYMENT


@dataclass(frozen=True)
class DevMode:
    """How the app runs against the chart's own in-cluster services when dev.enabled.

    ``wiring`` maps setting field paths (as in public_url_setting) to facts of the dev plugins
    ("postgresql.dsn"; chartgen.dev), ``plugins`` adds the project's own; the operator sets none
    of them. ``wait_command`` runs in an init container of every workload reading a stand-in it
    awaits (the database), until that is up and migrated; "{service}" stands for the workload.
    """

    wiring: tuple[tuple[str, str], ...]
    database: str = "app"  # the role and database the PostgreSQL plugin creates
    bucket: str = "app"  # the bucket the MinIO plugin creates
    wait_command: tuple[str, ...] = ()
    plugins: tuple[DevPlugin, ...] = ()


@dataclass(frozen=True)
class Removal:
    """A values key the chart no longer has: a render that still sets it fails with ``reason``."""

    key: str  # dotted values path, e.g. "api.settings.legacyMode"
    since: str  # chart version that removed it
    reason: str  # what to do instead


@dataclass(frozen=True)
class Maintainer:
    name: str
    email: str = ""


@dataclass(frozen=True)
class ChartDeclaration:
    name: str
    description: str
    version: str
    app_version: str
    image_registry: str
    image_repository: str
    workloads: tuple[Workload, ...]
    # Dotted field path (in any workload's settings) of the public URL; the Ingress host
    # and TLS are derived from it so the operator sets the hostname once.
    public_url_setting: str = ""
    # Where the app reads secret files (its settings classes' secrets_dir, one file per env
    # name); the chart mounts the Secrets there. Only with secrets="files".
    secrets_dir: str = "/run/secrets/app"
    secrets: SecretDelivery = "files"
    # Roles of fields the app's models do not annotate (a third-party app's), by dotted field
    # path below a workload's settings class. A group path gives every leaf below it that
    # role unless a longer path says otherwise. Annotations on the field win over the map.
    roles: Mapping[str, Role] = field(default_factory=dict)
    # The role of a leaf neither annotated nor mapped; None: every leaf must be decided. A
    # default still cannot let a new leaf in silently: the lock file lists every leaf.
    default_role: Role | None = None
    # README prose: what the app is and does, in the vendor's words (Markdown paragraphs).
    about: str = ""
    # Field paths of switches that make the app contact its vendor (analytics, update
    # checks): the README names those on by default instead of claiming nothing calls home.
    calls_home: tuple[str, ...] = ()
    # Field paths (as in public_url_setting) of the first login's user and password, for
    # NOTES.txt; the password is typically a chart-generated, kept secret.
    bootstrap_login: tuple[str, str] | None = None
    dev: DevMode | None = None
    removals: tuple[Removal, ...] = ()
    home: str = ""
    keywords: tuple[str, ...] = ()
    maintainers: tuple[Maintainer, ...] = field(default_factory=tuple)
