"""Lookout's chart declaration: the workloads chartgen turns into a Helm chart."""

from __future__ import annotations

from chartgen.model.declaration import (
    ChartDeclaration,
    DevMode,
    ExecProbe,
    HttpProbe,
    IngressPath,
    Maintainer,
    Port,
    Workload,
)
from lookout import __version__
from lookout.settings.api import ApiSettings
from lookout.settings.base import SECRETS_DIR
from lookout.settings.frontend import FrontendSettings
from lookout.settings.ingest import IngestSettings
from lookout.settings.migrations import MigrationsSettings
from lookout.settings.query import QuerySettings
from lookout.settings.scheduler import SchedulerSettings
from lookout.settings.worker import WorkerSettings

# Probes and the migration hook run the module, so they do not depend on the console script.
MODULE = ("python", "-m", "lookout")
LIVENESS = HttpProbe("/healthz")
READINESS = HttpProbe("/readyz")


def _config_check(service: str) -> ExecProbe:
    # Services without a port: alive as long as their configuration still loads.
    return ExecProbe((*MODULE, "check-config", service))


WORKLOADS = (
    Workload(
        name="api",
        description="HTTP backend serving the REST API and authentication.",
        settings=ApiSettings,
        command=("lookout", "serve", "api"),
        ports=(Port("http", 8080),),
        liveness=LIVENESS,
        readiness=READINESS,
        ingress=(IngressPath("/api"),),
    ),
    Workload(
        name="frontend",
        description="Web UI.",
        settings=FrontendSettings,
        command=("lookout", "serve", "frontend"),
        ports=(Port("http", 3000),),
        liveness=LIVENESS,
        readiness=READINESS,
        ingress=(IngressPath("/"),),
    ),
    Workload(
        name="ingest",
        description="OTLP/HTTP intake of traces (JSON).",
        settings=IngestSettings,
        command=("lookout", "serve", "ingest"),
        # Applications in the cluster send OTLP here directly.
        ports=(Port("http", 4318, clients=True),),
        liveness=LIVENESS,
        readiness=READINESS,
        # OTLP/HTTP only: gRPC needs an HTTP/2-aware ingress, left to the operator.
        ingress=(IngressPath("/v1", port="http"),),
    ),
    Workload(
        name="query",
        description="Query API over stored telemetry, used by api.",
        settings=QuerySettings,
        command=("lookout", "serve", "query"),
        ports=(Port("http", 8081),),
        liveness=LIVENESS,
        readiness=READINESS,
    ),
    Workload(
        name="worker",
        description="Background jobs: exports, alerts and email.",
        settings=WorkerSettings,
        command=("lookout", "serve", "worker"),
        liveness=_config_check("worker"),
        readiness=_config_check("worker"),
    ),
    Workload(
        name="scheduler",
        description="Periodic maintenance: retention, compaction and vacuuming.",
        singleton=True,
        settings=SchedulerSettings,
        command=("lookout", "serve", "scheduler"),
        liveness=_config_check("scheduler"),
        readiness=_config_check("scheduler"),
    ),
    Workload(
        name="migrations",
        description="Database schema migration, run before every install and upgrade.",
        settings=MigrationsSettings,
        command=(*MODULE, "migrate"),
        kind="Job",
        hook=True,
    ),
)

CHART = ChartDeclaration(
    name="lookout",
    description="Self-hosted observability platform for OpenTelemetry traces, metrics and logs.",
    version="0.2.0",
    app_version=__version__,
    image_registry="ghcr.io",
    image_repository="acme/lookout",
    workloads=WORKLOADS,
    public_url_setting="instance.public_url",
    bootstrap_login=("admin.email", "admin.bootstrap_password"),
    # dev.enabled: in-cluster PostgreSQL, MinIO and MailDev stand in for these settings.
    dev=DevMode(
        wiring=(
            ("database.dsn", "postgresql.dsn"),
            ("object_storage.uri", "s3.uri"),
            ("object_storage.endpoint_url", "s3.endpoint"),
            ("object_storage.access_key_id", "s3.access_key"),
            ("object_storage.secret_access_key", "s3.secret_key"),
            ("object_storage.force_path_style", "s3.path_style"),
            ("smtp.host", "smtp.host"),
            ("smtp.port", "smtp.port"),
            ("smtp.starttls", "smtp.tls"),
        ),
        database="lookout",
        bucket="lookout",
        wait_command=(*MODULE, "check-database", "{service}", "--wait", "300"),
    ),
    # Where the services look for secret files by default, so the mount needs no env var.
    secrets_dir=SECRETS_DIR,
    home="https://github.com/acme/lookout",
    keywords=("observability", "opentelemetry", "otlp", "tracing", "logging", "metrics"),
    maintainers=(Maintainer("Acme Platform Team", "platform@acme.example"),),
)
