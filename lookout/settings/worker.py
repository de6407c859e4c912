"""Settings of the worker service (background jobs and email)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, HttpUrl

from chartgen.roles import VALUE, Shared, Wired
from lookout.settings.auth import AuthSettings
from lookout.settings.base import ServiceSettings
from lookout.settings.database import DatabaseSettings
from lookout.settings.instance import InstanceSettings
from lookout.settings.logging import LoggingSettings
from lookout.settings.object_storage import ObjectStorageSettings
from lookout.settings.smtp import SMTPSettings
from lookout.settings.telemetry import TelemetrySettings


class WorkerSettings(ServiceSettings):
    instance: Annotated[
        InstanceSettings, Shared(), Field(description="Identity of this installation.")
    ]
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
    smtp: Annotated[
        SMTPSettings,
        Shared(),
        Field(default_factory=SMTPSettings, description="Outgoing email."),
    ]
    auth: Annotated[AuthSettings, Shared(), Field(description="Session and encryption keys.")]

    concurrency: Annotated[
        int,
        VALUE,
        Field(ge=1, description="Jobs run at once per pod."),
    ] = 4
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
