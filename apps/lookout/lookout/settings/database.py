"""PostgreSQL connection used for metadata, users and dashboards."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, PostgresDsn

from chartgen.runtime.roles import VALUE, Endpoint
from lookout.settings.base import Section

SslMode = Literal["disable", "prefer", "require", "verify-ca", "verify-full"]


class DatabaseSettings(Section):
    dsn: Annotated[
        PostgresDsn,
        Endpoint("postgresql", sensitive=True, port=5432),
        Field(
            description="PostgreSQL URL including credentials, e.g. postgresql://user:pw@host/db."
        ),
    ]
    pool_size: Annotated[
        int,
        VALUE,
        Field(ge=1, le=200, description="Maximum open connections per process."),
    ] = 10
    connect_timeout_seconds: Annotated[
        int,
        VALUE,
        Field(ge=1, description="Seconds to wait for a new connection before failing."),
    ] = 10
    statement_timeout_ms: Annotated[
        int,
        VALUE,
        Field(ge=0, description="Server-side statement timeout in milliseconds; 0 disables it."),
    ] = 30000
    ssl_mode: Annotated[
        SslMode,
        VALUE,
        Field(description="libpq sslmode; use verify-full when the server has a trusted cert."),
    ] = "prefer"
