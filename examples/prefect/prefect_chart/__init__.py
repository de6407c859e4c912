"""A chart for Prefect's server from Prefect's own settings models (prefect.settings.Settings).

Prefect's tree is 54 nested BaseSettings classes, each with its own env_prefix, AliasChoices
aliases and no nested delimiter: the env names are Prefect's, read from pydantic-settings.
Every leaf not mapped below is Internal (Prefect's default applies); chartgen.lock records
the decision for all 227, so a new leaf in a Prefect upgrade fails the build until decided.
"""

from prefect.settings import Settings

from chartgen.model.declaration import ChartDeclaration, HttpProbe, Port, Workload
from chartgen.runtime import INTERNAL, SECRET, VALUE, Endpoint, Wired

ROLES = {
    "server.database.connection_url": Endpoint("postgresql", sensitive=True, port=5432),
    "server.database.migrate_on_start": VALUE,
    "server.database.sqlalchemy.pool_size": VALUE,
    "server.api.port": Wired("port"),
    "server.api.auth_string": SECRET,
    "server.api.cors_allowed_origins": VALUE,
    "server.ui.enabled": VALUE,
    "server.ui.api_url": VALUE,
    "server.analytics_enabled": VALUE,
    "server.logging_level": VALUE,
    "logging.level": VALUE,
    "server.services.scheduler.enabled": VALUE,
}

CHART = ChartDeclaration(
    name="prefect-server",
    description="Prefect's orchestration server and UI.",
    about="Prefect schedules and observes data workflows; this chart runs its API server.",
    version="0.1.0",
    app_version="3.9.1",
    image_registry="docker.io",
    image_repository="prefecthq/prefect",
    public_url_setting="",
    secrets="env",  # Prefect reads no nested secret files
    roles=ROLES,
    default_role=INTERNAL,
    calls_home=("server.analytics_enabled",),
    workloads=(
        Workload(
            name="server",
            description="API server, UI and background services.",
            settings=Settings,
            command=("prefect", "server", "start", "--host", "0.0.0.0"),
            ports=(Port("http", 4200),),
            liveness=HttpProbe("/api/health"),
            readiness=HttpProbe("/api/ready"),
        ),
    ),
)
