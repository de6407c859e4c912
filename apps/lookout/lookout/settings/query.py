"""Settings of the query service (query API)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from chartgen.runtime.roles import VALUE, Wired
from lookout.settings.sections import (
    AuthSection,
    DatabaseSection,
    LoggingSection,
    ObjectStorageSection,
    TelemetrySection,
)
from lookout.settings.sized import (
    DEFAULT_CPU_MILLICORES,
    DEFAULT_MEMORY_BYTES,
    SizedSettings,
    budget_types,
)
from lookout.sizing import query as sizing

# The budget fields again, with this service's minimums (the chart checks them too).
CpuBudget, MemoryBudget = budget_types(sizing.MODEL.range)


class QuerySettings(SizedSettings):
    cost_model = sizing.MODEL
    budget_cpu_millicores: CpuBudget = DEFAULT_CPU_MILLICORES
    budget_memory_bytes: MemoryBudget = DEFAULT_MEMORY_BYTES

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
    # Before max_concurrent_queries: derived in this order, and the count reads it.
    memory_limit_bytes: Annotated[
        Annotated[int, Field(ge=1)] | None,
        sizing.MEMORY_LIMIT_BYTES,
        Field(description="Memory one query may use before it is cancelled."),
    ] = None
    max_concurrent_queries: Annotated[
        Annotated[int, Field(ge=1)] | None,
        sizing.MAX_CONCURRENT_QUERIES,
        Field(description="Queries run at once per pod; more wait in line."),
    ] = None
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
