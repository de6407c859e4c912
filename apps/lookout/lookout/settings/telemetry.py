"""Lookout's own traces and metrics (self-monitoring)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, HttpUrl, SecretStr

from chartgen.runtime.roles import SECRET, VALUE, Endpoint, Renamed
from chartgen.runtime.rules import Shape
from lookout.settings.base import Section


# Lookout's only outbound traffic of its own: export stays off until the operator sets
# otlp_endpoint. There are no analytics or update checks; keep it that way, so the chart's
# egress rules (one per Endpoint kind) are the complete list of what the app reaches.
class TelemetrySettings(Section):
    otlp_endpoint: Annotated[
        HttpUrl | None,
        Endpoint("otlp", port=4318),
        Field(description="OTLP/HTTP endpoint for Lookout's own telemetry; empty sends nothing."),
    ] = None
    otlp_headers: Annotated[
        SecretStr | None,
        SECRET,
        # Every comma-separated item holds an "=". The value is never echoed (an API key).
        Shape("must be comma-separated key=value pairs", pattern="[^,]*=[^,]*(,[^,]*=[^,]*)*"),
        Field(description="Headers for the OTLP exporter as k=v,k2=v2 (often an API key)."),
    ] = None
    trace_sample_ratio: Annotated[
        float,
        VALUE,
        # Named for what it samples now that logs and metrics are exported too.
        Renamed("sample_ratio", since="0.2.0"),
        Field(ge=0.0, le=1.0, description="Fraction of Lookout's own traces to keep."),
    ] = 0.1
    service_namespace: Annotated[
        str,
        VALUE,
        Field(min_length=1, description="service.namespace resource attribute on own telemetry."),
    ] = "lookout"
