"""Settings of the scheduler service (retention and maintenance)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from chartgen.roles import VALUE, Shared, Wired
from lookout.settings.base import Section, ServiceSettings
from lookout.settings.database import DatabaseSettings
from lookout.settings.logging import LoggingSettings
from lookout.settings.object_storage import ObjectStorageSettings
from lookout.settings.telemetry import TelemetrySettings

# Five whitespace-separated cron fields; the scheduler's parser reports finer errors.
CRON_PATTERN = r"^\S+(\s+\S+){4}$"


class RetentionSettings(Section):
    traces_days: Annotated[
        int,
        VALUE,
        Field(ge=1, le=3650, description="Days traces are kept before deletion."),
    ] = 30
    logs_days: Annotated[
        int,
        VALUE,
        Field(ge=1, le=3650, description="Days logs are kept before deletion."),
    ] = 30
    metrics_days: Annotated[
        int,
        VALUE,
        Field(ge=1, le=3650, description="Days metrics are kept before deletion."),
    ] = 90


class SchedulerSettings(ServiceSettings):
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

    retention: Annotated[
        RetentionSettings,
        Field(default_factory=RetentionSettings, description="How long data is kept."),
    ]
    compaction_interval_minutes: Annotated[
        int,
        VALUE,
        Field(ge=1, description="Minutes between merges of small data files."),
    ] = 60
    vacuum_schedule: Annotated[
        str,
        VALUE,
        Field(pattern=CRON_PATTERN, description="Cron schedule (UTC) of database vacuuming."),
    ] = "0 3 * * *"
    namespace: Annotated[
        str,
        Wired("namespace"),
        Field(min_length=1, description="Kubernetes namespace the scheduler runs in."),
    ] = "default"
