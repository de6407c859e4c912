"""Settings of the migrations job (database schema upgrades)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from chartgen.roles import INTERNAL, VALUE, Shared
from lookout.settings.base import ServiceSettings
from lookout.settings.database import DatabaseSettings
from lookout.settings.logging import LoggingSettings
from lookout.settings.telemetry import TelemetrySettings


class MigrationsSettings(ServiceSettings):
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
        DatabaseSettings, Shared(), Field(description="PostgreSQL database to migrate.")
    ]

    lock_timeout_seconds: Annotated[
        int,
        VALUE,
        Field(ge=1, description="Seconds to wait for the migration lock held by another run."),
    ] = 300
    target_revision: Annotated[
        str,
        INTERNAL,
        Field(min_length=1, description="Schema revision to migrate to."),
    ] = "head"
