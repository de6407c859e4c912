"""Log output of every service."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from chartgen.runtime.roles import VALUE
from lookout.settings.base import LogFormat, LogLevel, Section


class LoggingSettings(Section):
    level: Annotated[
        LogLevel,
        VALUE,
        Field(description="Minimum severity written to stdout."),
    ] = "info"
    format: Annotated[
        LogFormat,
        VALUE,
        Field(description="json for log collectors, text for reading in a terminal."),
    ] = "json"
