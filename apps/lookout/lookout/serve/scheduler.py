"""The scheduler service: retention of trace data, one instance at a time.

Concurrency: one thread. It holds a PostgreSQL advisory lock while it works, so a second
replica (a rolling update, a mistake) waits instead of deleting alongside. Retention runs
at start and then every ``compaction_interval_minutes`` (its maintenance interval): spans
that started more than ``retention.traces_days`` ago are deleted, then the batches left
without spans, each object first, then its row. Compaction and ``vacuum_schedule`` are not
implemented.
"""

from __future__ import annotations

import logging
import time

import psycopg

from lookout.db.connection import DatabaseUnavailable, connect, redact
from lookout.serve.runtime import Stopper
from lookout.settings.scheduler import SchedulerSettings
from lookout.storage.s3 import S3Client, StorageError

log = logging.getLogger("lookout.scheduler")

# "look-sch" in ASCII: distinct from the migrations' lock.
LEADER_LOCK = 0x6C6F6F6B2D736368
RETRY_SECONDS = 10.0
DELETE_CHUNK = 5000


def apply_retention(conn: psycopg.Connection, storage: S3Client, days: int) -> tuple[int, int]:
    """Delete spans older than ``days`` and the objects of batches left empty."""
    spans = 0
    while True:
        # In chunks: no long transaction over a large table.
        cursor = conn.execute(
            "DELETE FROM spans WHERE id IN (SELECT id FROM spans"
            " WHERE start_time < now() - make_interval(days => %s) LIMIT %s)",
            (days, DELETE_CHUNK),
        )
        spans += cursor.rowcount
        if cursor.rowcount < DELETE_CHUNK:
            break
    empty = conn.execute(
        "SELECT id, object_key FROM span_batches b"
        # A batch and its spans commit together: an empty one is never half-written.
        " WHERE NOT EXISTS (SELECT 1 FROM spans s WHERE s.batch_id = b.id)"
    ).fetchall()
    objects = 0
    for batch_id, key in empty:
        storage.delete(key)  # first: a crash in between only repeats an idempotent delete
        conn.execute("DELETE FROM span_batches WHERE id = %s", (batch_id,))
        objects += 1
    return spans, objects


def serve(settings: SchedulerSettings, stop: Stopper) -> int:
    interval = settings.compaction_interval_minutes * 60
    days = settings.retention.traces_days
    log.info(
        "scheduler starting",
        extra={"traces_days": days, "interval_seconds": interval, "concurrency": 1},
    )
    storage = S3Client(settings.object_storage)
    conn: psycopg.Connection | None = None
    leading = False
    while not stop.stopping:
        try:
            if conn is None or conn.closed:
                conn = connect(settings.database, "lookout-scheduler")
                leading = False
            if not leading:
                row = conn.execute("SELECT pg_try_advisory_lock(%s)", (LEADER_LOCK,)).fetchone()
                leading = row == (True,)
                if not leading:
                    log.info("another scheduler is running; waiting")
                    stop.wait(RETRY_SECONDS)
                    continue
                log.info("leading: this instance applies retention")
            started = time.monotonic()
            spans, objects = apply_retention(conn, storage, days)
            log.info(
                "retention applied",
                extra={
                    "deleted_spans": spans,
                    "deleted_objects": objects,
                    "seconds": round(time.monotonic() - started, 3),
                },
            )
            stop.wait(interval)
        except (DatabaseUnavailable, psycopg.Error, StorageError) as error:
            log.warning("retention failed, retrying: %s", redact(str(error), settings.database))
            if (
                conn is not None
                and conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE
            ):
                conn.close()
            stop.wait(RETRY_SECONDS)
    if conn is not None:
        conn.close()  # releases the lock
    log.info("scheduler stopped")
    return 0
