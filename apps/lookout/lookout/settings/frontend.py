"""Settings of the frontend service (web UI)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, HttpUrl

from chartgen.runtime.roles import INTERNAL, VALUE, Wired
from lookout.settings.base import ServiceSettings
from lookout.settings.sections import InstanceSection, LoggingSection, TelemetrySection

Theme = Literal["light", "dark", "system"]


class FrontendSettings(ServiceSettings):
    instance: InstanceSection
    logging: LoggingSection
    telemetry: TelemetrySection

    port: Annotated[
        int,
        Wired("port"),
        Field(ge=1, le=65535, description="Port the web UI listens on."),
    ] = 3000
    api_url: Annotated[
        HttpUrl,
        Wired("url", workload="api"),
        Field(description="Base URL of the api service, used for server-side rendering."),
    ] = HttpUrl("http://localhost:8080")
    theme: Annotated[
        Theme,
        VALUE,
        Field(description="Default colour theme; users can override it."),
    ] = "system"
    feature_flags: Annotated[
        dict[str, bool],
        VALUE,
        Field(description="Preview features to switch on, by name."),
    ] = {"dashboards_v2": False, "ai_assistant": False}  # noqa: RUF012  pydantic copies defaults per instance
    static_dir: Annotated[
        str,
        INTERNAL,
        Field(description="Directory in the image holding the built UI assets."),
    ] = "/app/static"
