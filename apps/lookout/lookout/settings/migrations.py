"""Settings of the migrations job (database schema upgrades)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from chartgen.runtime.roles import INTERNAL, VALUE
from lookout.settings.base import ServiceSettings
from lookout.settings.sections import DatabaseSection, LoggingSection, TelemetrySection


class MigrationsSettings(ServiceSettings):
    logging: LoggingSection
    telemetry: TelemetrySection
    database: DatabaseSection

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
