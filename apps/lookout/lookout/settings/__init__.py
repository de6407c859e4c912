"""Settings of every Lookout service, by service name."""

from __future__ import annotations

from lookout.settings.api import ApiSettings
from lookout.settings.base import ServiceSettings
from lookout.settings.frontend import FrontendSettings
from lookout.settings.ingest import IngestSettings
from lookout.settings.migrations import MigrationsSettings
from lookout.settings.query import QuerySettings
from lookout.settings.scheduler import SchedulerSettings
from lookout.settings.worker import WorkerSettings

SERVICES: dict[str, type[ServiceSettings]] = {
    "api": ApiSettings,
    "frontend": FrontendSettings,
    "ingest": IngestSettings,
    "query": QuerySettings,
    "worker": WorkerSettings,
    "scheduler": SchedulerSettings,
    "migrations": MigrationsSettings,
}

__all__ = ["SERVICES", "ServiceSettings"]
