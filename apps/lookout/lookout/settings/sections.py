"""The shared sections as service fields: each declared once, used by every service that reads it.

``Shared()`` makes the chart render each as one top-level values section. Sections without a
default are required: the service cannot start without them.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from chartgen.runtime.roles import Shared
from lookout.settings.admin import AdminSettings
from lookout.settings.auth import AuthSettings
from lookout.settings.database import DatabaseSettings
from lookout.settings.instance import InstanceSettings
from lookout.settings.logging import LoggingSettings
from lookout.settings.object_storage import ObjectStorageSettings
from lookout.settings.oidc import OIDCSettings
from lookout.settings.smtp import SMTPSettings
from lookout.settings.telemetry import TelemetrySettings

InstanceSection = Annotated[
    InstanceSettings, Shared(), Field(description="Identity of this installation.")
]
LoggingSection = Annotated[
    LoggingSettings,
    Shared(),
    Field(default_factory=LoggingSettings, description="Log output."),
]
TelemetrySection = Annotated[
    TelemetrySettings,
    Shared(),
    Field(default_factory=TelemetrySettings, description="Lookout's own telemetry."),
]
DatabaseSection = Annotated[
    DatabaseSettings, Shared(), Field(description="PostgreSQL metadata database.")
]
ObjectStorageSection = Annotated[
    ObjectStorageSettings, Shared(), Field(description="Bucket holding telemetry data.")
]
OidcSection = Annotated[
    OIDCSettings,
    Shared(),
    Field(default_factory=OIDCSettings, description="Single sign-on provider."),
]
SmtpSection = Annotated[
    SMTPSettings,
    Shared(),
    Field(default_factory=SMTPSettings, description="Outgoing email."),
]
AuthSection = Annotated[AuthSettings, Shared(), Field(description="Session and encryption keys.")]
AdminSection = Annotated[
    AdminSettings,
    Shared(),
    Field(description="Instance administration: the operator's settings, not per workload."),
]
