"""Settings of the api service (HTTP backend)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, HttpUrl

from chartgen.roles import INTERNAL, VALUE, Wired
from lookout.settings.base import Section
from lookout.settings.sections import (
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


class RateLimitSettings(Section):
    requests_per_minute: Annotated[
        int,
        VALUE,
        Field(ge=1, description="Sustained API requests per minute allowed per client."),
    ] = 600
    burst: Annotated[
        int,
        VALUE,
        Field(ge=1, description="Requests a client may send at once above the sustained rate."),
    ] = 100
    login_attempts_per_hour: Annotated[
        int,
        VALUE,
        Field(ge=1, description="Failed logins per account and hour before it is locked out."),
    ] = 20


class ApiSettings(SizedSettings):
    cost_model = sizing.MODEL
    budget_cpu_millicores: CpuBudget = DEFAULT_CPU_MILLICORES
    budget_memory_bytes: MemoryBudget = DEFAULT_MEMORY_BYTES

    instance: InstanceSection
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
    rate_limits: Annotated[
        RateLimitSettings,
        Field(default_factory=RateLimitSettings, description="Per-client request limits."),
    ]
    openapi_path: Annotated[
        str,
        INTERNAL,
        Field(description="Path serving the OpenAPI document."),
    ] = "/api/openapi.json"
