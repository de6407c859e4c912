"""Settings of the worker service (background jobs and email)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, HttpUrl

from chartgen.runtime.roles import VALUE, Wired
from lookout.settings.sections import (
    AdminSection,
    AuthSection,
    DatabaseSection,
    InstanceSection,
    LoggingSection,
    ObjectStorageSection,
    SmtpSection,
    TelemetrySection,
)
from lookout.settings.sized import (
    DEFAULT_CPU_MILLICORES,
    DEFAULT_MEMORY_BYTES,
    SizedSettings,
    budget_types,
)
from lookout.sizing import worker as sizing

# The budget fields again, with this service's minimums (the chart checks them too).
CpuBudget, MemoryBudget = budget_types(sizing.MODEL.range)


class WorkerSettings(SizedSettings):
    cost_model = sizing.MODEL
    budget_cpu_millicores: CpuBudget = DEFAULT_CPU_MILLICORES
    budget_memory_bytes: MemoryBudget = DEFAULT_MEMORY_BYTES

    instance: InstanceSection
    admin: AdminSection
    logging: LoggingSection
    telemetry: TelemetrySection
    database: DatabaseSection
    object_storage: ObjectStorageSection
    smtp: SmtpSection
    auth: AuthSection

    concurrency: Annotated[
        Annotated[int, Field(ge=1)] | None,
        sizing.CONCURRENCY,
        Field(description="Jobs run at once per pod."),
    ] = None
    poll_interval_ms: Annotated[
        int,
        VALUE,
        Field(ge=1, description="Milliseconds between polls of the job queue when idle."),
    ] = 500
    max_attempts: Annotated[
        int,
        VALUE,
        Field(ge=1, description="Tries per job before it is marked failed."),
    ] = 5
    email_batch_size: Annotated[
        int,
        VALUE,
        Field(ge=1, description="Emails sent per SMTP connection."),
    ] = 50
    api_url: Annotated[
        HttpUrl,
        Wired("url", workload="api"),
        Field(description="Base URL of the api service, for callbacks from jobs."),
    ] = HttpUrl("http://localhost:8080")
    job_timeouts: Annotated[
        dict[str, Annotated[int, Field(ge=1)]],
        VALUE,
        Field(description="Seconds each job type may run before it is aborted, by type."),
    ] = {"export": 600, "email": 60, "alert": 30}  # noqa: RUF012  pydantic copies defaults per instance
