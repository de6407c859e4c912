"""Whether a service may start: its database answers and carries every known migration."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import psycopg

from lookout.db.connection import DatabaseUnavailable, connect, describe, redact
from lookout.db.migrate import recorded_versions
from lookout.db.migrations import VERSIONS
from lookout.settings.database import DatabaseSettings

RETRY_SECONDS = 2.0
MIGRATE_HINT = "run `python -m lookout migrate`"


def problem(database: DatabaseSettings, connect_timeout: int | None = None) -> str | None:
    """Why the database is not ready, or None when it is reachable and migrated to head."""
    try:
        with connect(database, "lookout-check-database", connect_timeout) as conn:
            recorded = recorded_versions(conn)
    except DatabaseUnavailable as error:
        return str(error)
    except psycopg.Error as error:
        return f"{describe(database)}: {redact(str(error).strip(), database)}"
    if recorded is None:
        return f"{describe(database)} has no schema_migrations table yet: {MIGRATE_HINT}"
    missing = [version for version in VERSIONS if version not in recorded]
    if missing:
        return f"{describe(database)} lacks migrations {', '.join(missing)}: {MIGRATE_HINT}"
    return None


def wait_until_ready(
    database: DatabaseSettings, wait_seconds: float, report: Callable[[str], None]
) -> str | None:
    """Check, then every RETRY_SECONDS until ready or ``wait_seconds`` passed.

    Reports each new reason as it appears; returns None when ready, else the last reason.
    """
    deadline = time.monotonic() + wait_seconds
    last: str | None = None
    while True:
        timeout = database.connect_timeout_seconds
        if wait_seconds > 0:
            # An unreachable host must not hold a connect attempt far past the deadline.
            timeout = min(timeout, max(1, math.ceil(deadline - time.monotonic())))
        reason = problem(database, timeout)
        if reason is None:
            return None
        if reason != last:
            # One line per new reason: an init container's log stays readable over minutes.
            report(reason)
            last = reason
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return reason
        time.sleep(min(RETRY_SECONDS, remaining))
