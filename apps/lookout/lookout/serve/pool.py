"""A small PostgreSQL connection pool: at most ``pool_size`` connections per process."""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
from collections.abc import Iterator

import psycopg

from lookout.db.connection import DatabaseUnavailable, connect
from lookout.settings.database import DatabaseSettings

log = logging.getLogger("lookout.db")


class Pool:
    """Connections opened on demand up to ``database.pool_size``, reused, checked on return.

    A caller waits up to the connect timeout for a free connection when all are in use.
    Connections are autocommit; open a transaction with ``conn.transaction()``.
    """

    def __init__(self, database: DatabaseSettings, application_name: str) -> None:
        self.database = database
        self.application_name = application_name
        self.size = database.pool_size
        self._idle: queue.LifoQueue[psycopg.Connection] = queue.LifoQueue()
        self._slots = threading.BoundedSemaphore(self.size)
        self._closed = False

    @contextlib.contextmanager
    def connection(self, timeout: float | None = None) -> Iterator[psycopg.Connection]:
        wait = self.database.connect_timeout_seconds if timeout is None else timeout
        if not self._slots.acquire(timeout=wait):
            raise DatabaseUnavailable(f"all {self.size} database connections are busy")
        conn: psycopg.Connection | None = None
        try:
            try:
                conn = self._idle.get_nowait()
            except queue.Empty:
                conn = connect(self.database, self.application_name, int(max(1, wait)))
            yield conn
        except psycopg.OperationalError:
            # A broken connection (server restart, network): never reuse it.
            if conn is not None:
                conn.close()
                conn = None
            raise
        finally:
            if conn is not None:
                if (
                    conn.closed
                    or conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE
                    or self._closed
                ):
                    conn.close()
                else:
                    self._idle.put(conn)
            self._slots.release()

    def close(self) -> None:
        self._closed = True
        while True:
            try:
                self._idle.get_nowait().close()
            except queue.Empty:
                return
