"""Base classes and type aliases shared by every settings model."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict
from pydantic_settings import BaseSettings, SettingsConfigDict

LogLevel = Literal["debug", "info", "warning", "error"]
LogFormat = Literal["json", "text"]

# Deliberately loose: a typo check, not RFC 5322 (avoids an email-validator dependency).
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


class Section(BaseModel):
    """A group of settings nested under a service (shared section or workload-local)."""

    model_config = ConfigDict(extra="forbid")


class ServiceSettings(BaseSettings):
    """What one Lookout service reads from its environment at start."""

    model_config = SettingsConfigDict(
        env_prefix="LOOKOUT_",
        env_nested_delimiter="__",
        extra="forbid",
        case_sensitive=False,
    )
