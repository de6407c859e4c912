"""PostgreSQL (the official image) for the app's database: a StatefulSet and PVC, the app's
role and DevMode.database made by a rendered init script, the DSN kept in its Secret."""

from __future__ import annotations

from collections.abc import Mapping

from chartgen.dev.base import DevPlugin, Fact, SecretKey
from chartgen.dev.knobs import STORAGE, DevStorage, dev_image, dev_resources, image_field
from chartgen.knobs import ValuesSection
from chartgen.model.declaration import DevMode

PostgresImage = dev_image("PostgresImage", "docker.io/library/postgres", "16.6-bookworm")
_RESOURCES, PostgresResources = dev_resources("Postgres", "1", "1Gi")


class DevPostgresql(ValuesSection):
    image: PostgresImage = image_field(PostgresImage)  # type: ignore[valid-type]
    storage: DevStorage = STORAGE
    resources: PostgresResources = _RESOURCES  # type: ignore[valid-type]


class PostgreSQL(DevPlugin):
    component = kind = "postgresql"
    port = 5432
    title, summary = "PostgreSQL", "PostgreSQL."
    values = DevPostgresql
    template = "dev/postgresql.yaml.j2"
    awaited = True

    def facts(self, mode: DevMode) -> Mapping[str, Fact]:
        return {"dsn": SecretKey("dsn")}
