"""``lookout serve SERVICE``: each service's process, on the standard library and psycopg."""

from __future__ import annotations

import importlib
import logging

from lookout.serve.runtime import Stopper, setup_logging
from lookout.settings import ServiceSettings

log = logging.getLogger("lookout")

# Services that run as long-lived processes; migrations is a Job (``lookout migrate``).
MODULES = {
    "api": "lookout.serve.api",
    "frontend": "lookout.serve.frontend",
    "ingest": "lookout.serve.ingest",
    "query": "lookout.serve.query",
    "worker": "lookout.serve.worker",
    "scheduler": "lookout.serve.scheduler",
}


def run(service: str, settings: ServiceSettings) -> int:
    """Run ``service`` until SIGTERM (or SIGINT); its exit code."""
    logging_settings = settings.logging  # every service has the section
    setup_logging(logging_settings, service)
    stop = Stopper().install()
    module = importlib.import_module(MODULES[service])
    try:
        code: int = module.serve(settings, stop)
    except Exception:
        log.exception("%s failed", service)
        return 1
    if stop.signal is not None:
        log.info("%s exited after signal %d", service, stop.signal)
    return code
