"""Settings of the worker service (background jobs and email)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, HttpUrl

from chartgen.roles import VALUE, Wired
from lookout.settings.sections import (
    AuthSection,
    DatabaseSection,
    InstanceSection,
    LoggingSection,
    ObjectStorageSection,
    SmtpSection,
    TelemetrySection,
)
from lookout.settings.sized import SizedSettings
from lookout.sizing import worker as sizing


class WorkerSettings(SizedSettings):
    cost_model = sizing.MODEL

    instance: InstanceSection
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
