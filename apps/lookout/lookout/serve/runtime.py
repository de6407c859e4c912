"""What every service process shares: logging to stdout, and stopping cleanly on SIGTERM."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import signal
import sys
import threading
from types import FrameType

from lookout.settings.logging import LoggingSettings

# Where HTTP servers listen: every interface in a pod; tests set 127.0.0.1. Not a setting
# (operators have no reason to change it), like LOOKOUT_SECRETS_DIR.
LISTEN_HOST_ENV = "LOOKOUT_LISTEN_HOST"
DEFAULT_LISTEN_HOST = "0.0.0.0"

LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
}
# LogRecord attributes that are not extra fields.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


def listen_host() -> str:
    return os.environ.get(LISTEN_HOST_ENV) or DEFAULT_LISTEN_HOST


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, extra fields, exception."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname.lower(),
            "service": self.service,
            "pid": record.process,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__(f"%(asctime)s %(levelname)s {service}[%(process)d] %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extra = {
            key: value
            for key, value in vars(record).items()
            if key not in _STANDARD and not key.startswith("_")
        }
        if extra:
            line += " " + " ".join(f"{key}={value}" for key, value in extra.items())
        return line


def setup_logging(settings: LoggingSettings, service: str) -> None:
    """Log at the configured level to stdout, as JSON or text."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        JsonFormatter(service) if settings.format == "json" else TextFormatter(service)
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(LEVELS[settings.level])
    # Driver chatter only when asked for debug.
    logging.getLogger("psycopg").setLevel(max(LEVELS[settings.level], logging.WARNING))


class Stopper:
    """Set once SIGTERM or SIGINT arrives; everything long-running watches ``event``."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.signal: int | None = None

    def install(self) -> Stopper:
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)
        return self

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.signal = signum
        self.event.set()

    @property
    def stopping(self) -> bool:
        return self.event.is_set()

    def wait(self, seconds: float | None = None) -> bool:
        """Sleep up to ``seconds``; True when told to stop meanwhile."""
        return self.event.wait(seconds)
