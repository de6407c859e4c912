"""Dev mode's stand-ins for the endpoints an evaluation install needs, as plugins
(chartgen.dev.base.DevPlugin). The app's DevMode wires its settings to their facts
("postgresql.dsn") and may list plugins of its own beside these."""

from chartgen.dev.base import DevPlugin, Fact, SecretKey
from chartgen.dev.maildev import MailDev
from chartgen.dev.minio import MinIO
from chartgen.dev.postgresql import PostgreSQL
from chartgen.dev.wiring import DevWiring, Source, dev_wiring

POSTGRESQL, MINIO, MAILDEV = PostgreSQL(), MinIO(), MailDev()
BUILTIN: tuple[DevPlugin, ...] = (POSTGRESQL, MINIO, MAILDEV)  # in the order the chart lists

__all__ = ["BUILTIN", "MAILDEV", "MINIO", "POSTGRESQL", "DevPlugin", "DevWiring", "Fact"]
__all__ += ["SecretKey", "Source", "dev_wiring"]
