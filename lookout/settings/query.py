"""Settings of the query service (query API)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from chartgen.roles import VALUE, Shared, Wired
from lookout.settings.auth import AuthSettings
from lookout.settings.base import ServiceSettings
from lookout.settings.database import DatabaseSettings
from lookout.settings.logging import LoggingSettings
from lookout.settings.object_storage import ObjectStorageSettings
from lookout.settings.telemetry import TelemetrySettings


class QuerySettings(ServiceSettings):
    logging: Annotated[
        LoggingSettings,
        Shared(),
        Field(default_factory=LoggingSettings, description="Log output."),
    ]
    telemetry: Annotated[
        TelemetrySettings,
        Shared(),
        Field(default_factory=TelemetrySettings, description="Lookout's own telemetry."),
    ]
    database: Annotated[
        DatabaseSettings, Shared(), Field(description="PostgreSQL metadata database.")
    ]
    object_storage: Annotated[
        ObjectStorageSettings, Shared(), Field(description="Bucket holding telemetry data.")
    ]
    auth: Annotated[AuthSettings, Shared(), Field(description="Session and encryption keys.")]

    port: Annotated[
        int,
        Wired("port"),
        Field(ge=1, le=65535, description="Port the query API listens on."),
    ] = 8081
    max_concurrent_queries: Annotated[
        int,
        VALUE,
        Field(ge=1, description="Queries run at once per pod; more wait in line."),
    ] = 8
    memory_limit_bytes: Annotated[
        int,
        VALUE,
        Field(ge=1, description="Memory one query may use before it is cancelled."),
    ] = 536870912
    query_timeout_seconds: Annotated[
        int,
        VALUE,
        Field(ge=1, description="Seconds before a running query is cancelled."),
    ] = 60
    max_result_rows: Annotated[
        int,
        VALUE,
        Field(ge=1, description="Rows returned at most; larger results are truncated."),
    ] = 100000
    cache_ttl_seconds: Annotated[
        int,
        VALUE,
        Field(ge=0, description="Seconds a query result stays cached; 0 disables the cache."),
    ] = 300
