"""Base classes and type aliases shared by every settings model."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from chartgen.runtime import RenamedEnvSource, secret_files_source

# In Kubernetes the chart mounts the app's Secrets here, one file per setting named like its
# env var (LOOKOUT_DATABASE__DSN), so credentials never sit in the pod's environment.
SECRETS_DIR = "/run/secrets/lookout"
# Overrides SECRETS_DIR outside Kubernetes (tests, a laptop).
SECRETS_DIR_ENV = "LOOKOUT_SECRETS_DIR"

LogLevel = Literal["debug", "info", "warning", "error"]
LogFormat = Literal["json", "text"]

# Deliberately loose: a typo check, not RFC 5322 (avoids an email-validator dependency).
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


class Section(BaseModel):
    """A group of settings nested under a service (shared section or workload-local)."""

    # defer_build: validators are built on first use, so reading the models (the chart
    # generator does, for every field) costs no validator construction.
    model_config = ConfigDict(extra="forbid", defer_build=True)


class ServiceSettings(BaseSettings):
    """What one Lookout service reads from its environment and secret files at start."""

    model_config = SettingsConfigDict(
        defer_build=True,
        env_prefix="LOOKOUT_",
        env_nested_delimiter="__",
        extra="forbid",
        case_sensitive=False,
        secrets_dir=SECRETS_DIR,
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # pydantic-settings' usual precedence, first wins: init kwargs, env vars, secret
        # files (then field defaults). An env var therefore overrides a mounted file, which
        # lets an operator debug with one `env` override. No .env file: a pod has none.
        # Renamed settings are still read under their old env var, with a warning.
        env = RenamedEnvSource(settings_cls)
        return init_settings, env, secret_files_source(file_secret_settings, SECRETS_DIR_ENV)
