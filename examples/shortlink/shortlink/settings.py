"""shortlink's settings: one pydantic-settings class per service, roles on every field."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, SecretStr
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from chartgen.runtime import SECRET, VALUE, Endpoint, Secret, Shared, Wired, secret_files_source

SECRETS_DIR = "/run/secrets/shortlink"


class Database(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: Annotated[
        SecretStr,
        Endpoint("postgresql", sensitive=True, port=5432),
        Field(description="PostgreSQL DSN, with its password."),
    ]
    pool_size: Annotated[int, VALUE, Field(ge=1, le=100, description="Connections per pod.")] = 5


DatabaseSection = Annotated[Database, Shared(), Field(description="The links database.")]


class Base(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="SHORTLINK_", env_nested_delimiter="__", secrets_dir=SECRETS_DIR, extra="forbid"
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
        return init_settings, env_settings, secret_files_source(file_secret_settings)

    database: DatabaseSection
    log_level: Annotated[
        Literal["debug", "info", "warning"], VALUE, Field(description="Log level.")
    ] = "info"


class WebSettings(Base):
    public_url: Annotated[HttpUrl, VALUE, Field(description="Where users open short links.")]
    port: Annotated[int, Wired("port"), Field(description="HTTP port.")] = 8000
    session_secret: Annotated[
        SecretStr, Secret(generate=48), Field(description="Signs the admin session cookie.")
    ]
    admin_password: Annotated[SecretStr, SECRET, Field(description="The admin's password.")]
    worker_url: Annotated[
        HttpUrl,
        Wired("url", workload="worker", path="/events"),
        Field(description="Clicks go here."),
    ] = HttpUrl("http://localhost:9000/events")


class WorkerSettings(Base):
    port: Annotated[int, Wired("port"), Field(description="Event intake port.")] = 9000
    batch_size: Annotated[int, VALUE, Field(ge=1, description="Clicks written at once.")] = 100
    flush_seconds: Annotated[float, VALUE, Field(gt=0, description="Longest wait.")] = 2.0
