"""Settings of the api service (HTTP backend)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, HttpUrl

from chartgen.runtime.roles import INTERNAL, VALUE, Wired
from lookout.settings.sections import (
    AdminSection,
    AuthSection,
    DatabaseSection,
    InstanceSection,
    LoggingSection,
    ObjectStorageSection,
    OidcSection,
    TelemetrySection,
)
from lookout.settings.sized import (
    DEFAULT_CPU_MILLICORES,
    DEFAULT_MEMORY_BYTES,
    SizedSettings,
    budget_types,
)
from lookout.sizing import api as sizing

# The budget fields again, with this service's minimums (the chart checks them too).
CpuBudget, MemoryBudget = budget_types(sizing.MODEL.range)


class ApiSettings(SizedSettings):
    cost_model = sizing.MODEL
    budget_cpu_millicores: CpuBudget = DEFAULT_CPU_MILLICORES
    budget_memory_bytes: MemoryBudget = DEFAULT_MEMORY_BYTES

    instance: InstanceSection
    admin: AdminSection
    logging: LoggingSection
    telemetry: TelemetrySection
    database: DatabaseSection
    object_storage: ObjectStorageSection
    oidc: OidcSection
    auth: AuthSection

    port: Annotated[
        int,
        Wired("port"),
        Field(ge=1, le=65535, description="Port the HTTP server listens on."),
    ] = 8080
    query_url: Annotated[
        HttpUrl,
        Wired("url", workload="query"),
        Field(description="Base URL of the query service."),
    ] = HttpUrl("http://localhost:8081")
    workers: Annotated[
        Annotated[int, Field(ge=1, le=sizing.MAX_WORKERS)] | None,
        sizing.WORKERS,
        Field(description="HTTP worker processes per pod."),
    ] = None
    request_timeout_seconds: Annotated[
        int,
        VALUE,
        Field(ge=1, description="Seconds before an API request is aborted."),
    ] = 30
    max_request_body_bytes: Annotated[
        int,
        VALUE,
        Field(ge=1, description="Largest accepted request body in bytes."),
    ] = 10485760
    cors_allowed_origins: Annotated[
        list[str],
        VALUE,
        Field(description="Extra browser origins allowed to call the API (the UI needs none)."),
    ] = []  # noqa: RUF012  pydantic copies defaults per instance
    openapi_path: Annotated[
        str,
        INTERNAL,
        Field(description="Path serving the OpenAPI document."),
    ] = "/api/openapi.json"
