"""Settings of the ingest service (OTLP intake)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from chartgen.runtime.roles import VALUE, Wired
from chartgen.runtime.rules import AtLeast, cross_field
from lookout.settings.sections import (
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
from lookout.sizing import ingest as sizing

Signal = Literal["traces", "metrics", "logs"]


# The budget fields again, with this service's minimums (the chart checks them too).
CpuBudget, MemoryBudget = budget_types(sizing.MODEL.range)


class IngestSettings(SizedSettings):
    cost_model = sizing.MODEL
    budget_cpu_millicores: CpuBudget = DEFAULT_CPU_MILLICORES
    budget_memory_bytes: MemoryBudget = DEFAULT_MEMORY_BYTES

    logging: LoggingSection
    telemetry: TelemetrySection
    database: DatabaseSection
    object_storage: ObjectStorageSection

    http_port: Annotated[
        int,
        Wired("port", port="http"),
        Field(ge=1, le=65535, description="Port of the OTLP/HTTP receiver."),
    ] = 4318
    max_batch_bytes: Annotated[
        int,
        VALUE,
        Field(ge=1, description="Largest accepted export request in bytes."),
    ] = 4194304
    buffer_bytes: Annotated[
        Annotated[int, Field(ge=1)] | None,
        sizing.BUFFER_BYTES,
        Field(description="Memory for data awaiting upload; when full, clients are throttled."),
    ] = None
    flush_interval_ms: Annotated[
        int,
        VALUE,
        Field(ge=1, description="Milliseconds between uploads of buffered data."),
    ] = 1000
    submit_concurrency: Annotated[
        Annotated[int, Field(ge=1)] | None,
        sizing.SUBMIT_CONCURRENCY,
        Field(description="Parallel uploads to object storage."),
    ] = None
    accepted_signals: Annotated[
        list[Signal],
        VALUE,
        Field(min_length=1, description="Signal types accepted; others are rejected."),
    ] = ["traces", "metrics", "logs"]  # noqa: RUF012  pydantic copies defaults per instance

    # Otherwise a maximal batch could never be accepted. Runs after SizedSettings derived
    # buffer_bytes (parents' validators first).
    _buffer_holds_a_batch = cross_field(AtLeast("buffer_bytes", "max_batch_bytes"))
