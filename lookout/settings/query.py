"""Settings of the query service (query API)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from chartgen.roles import VALUE, Wired
from lookout.settings.base import ServiceSettings
from lookout.settings.sections import (
    AuthSection,
    DatabaseSection,
    LoggingSection,
    ObjectStorageSection,
    TelemetrySection,
)


class QuerySettings(ServiceSettings):
    logging: LoggingSection
    telemetry: TelemetrySection
    database: DatabaseSection
    object_storage: ObjectStorageSection
    auth: AuthSection

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
