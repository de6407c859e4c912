"""Settings of the scheduler service (retention and maintenance)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from chartgen.runtime.roles import VALUE, Wired
from lookout.settings.base import Section, ServiceSettings
from lookout.settings.sections import (
    AdminSection,
    DatabaseSection,
    LoggingSection,
    ObjectStorageSection,
    TelemetrySection,
)

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
    admin: AdminSection
    logging: LoggingSection
    telemetry: TelemetrySection
    database: DatabaseSection
    object_storage: ObjectStorageSection

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

    @model_validator(mode="after")
    def _retention_within_instance_cap(self) -> SchedulerSettings:
        # The operator's cap binds every retention; name each offender, as the error has
        # no single field location.
        cap = self.admin.max_retention_days
        over = [f"retention.{name} ({days})" for name, days in self.retention if days > cap]
        if over:
            raise ValueError(f"{', '.join(over)} must not exceed admin.max_retention_days ({cap})")
        return self
