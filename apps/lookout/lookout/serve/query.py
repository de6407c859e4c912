"""The query service: ingested spans by project and by trace, for signed-in users.

Concurrency: a threaded HTTP server; at most ``max_concurrent_queries`` queries run at once
(a semaphore; others wait in line up to ``query_timeout_seconds``, then 503). Each query
runs under a statement timeout of ``query_timeout_seconds``, returns at most
``max_result_rows`` rows (``truncated`` says when there were more) and is cancelled (507)
when its result grows past ``memory_limit_bytes``.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import time
from typing import Any

import psycopg
from psycopg import errors

from lookout.db.connection import DatabaseUnavailable
from lookout.serve.common import authenticate, database_check, storage_check
from lookout.serve.health import Health
from lookout.serve.otlp import HEX_TRACE_ID
from lookout.serve.pool import Pool
from lookout.serve.runtime import Stopper, listen_host
from lookout.serve.web import (
    HttpConfig,
    HttpError,
    Request,
    Response,
    Router,
    json_response,
    listening_socket,
    make_server,
    serve_until,
)
from lookout.settings.query import QuerySettings
from lookout.storage.s3 import S3Client, StorageError

log = logging.getLogger("lookout.query")

COLUMNS = (
    "trace_id",
    "span_id",
    "parent_span_id",
    "name",
    "service_name",
    "kind",
    "start_time",
    "end_time",
    "status_code",
    "attributes",
)
FETCH_ROWS = 500
DEFAULT_LIMIT = 100


class Query:
    def __init__(self, settings: QuerySettings, pool: Pool, storage: S3Client) -> None:
        self.settings = settings
        self.pool = pool
        self.storage = storage
        self.slots = threading.BoundedSemaphore(settings.max_concurrent_queries or 1)
        self.memory_limit = settings.memory_limit_bytes or 64 * 2**20

    def routes(self, router: Router) -> None:
        router.add("GET", "/v1/projects/{project_id}/spans", self.spans)
        router.add("GET", "/v1/projects/{project_id}/traces/{trace_id}", self.trace)

    def _project(self, request: Request) -> int:
        user = authenticate(request, self.settings.auth)
        project_id = request.params["project_id"]
        if not project_id.isdigit():
            raise HttpError(404, "no such project")
        with self.pool.connection() as conn:
            row = conn.execute(
                "SELECT organization_id FROM projects WHERE id = %s", (int(project_id),)
            ).fetchone()
        if row is None or (user.role != "instance-admin" and row[0] != user.organization_id):
            raise HttpError(404, "no such project")
        return int(project_id)

    def _run(
        self, sql: str, params: tuple[Any, ...], limit: int
    ) -> tuple[list[dict[str, Any]], bool]:
        """Rows of one query within the limits: (rows, truncated)."""
        timeout = self.settings.query_timeout_seconds
        waited = time.monotonic()
        if not self.slots.acquire(timeout=timeout):
            raise HttpError(503, "too many queries running; retry later", {"Retry-After": "5"})
        try:
            remaining = timeout - (time.monotonic() - waited)
            if remaining <= 0:
                raise HttpError(504, f"query waited past query_timeout_seconds ({timeout})")
            rows: list[dict[str, Any]] = []
            used = 0
            with self.pool.connection() as conn, conn.transaction():
                conn.execute(
                    "SELECT set_config('statement_timeout', %s, true)",
                    (str(int(remaining * 1000)),),
                )
                cursor = conn.execute(sql, (*params, limit + 1))
                while batch := cursor.fetchmany(FETCH_ROWS):
                    for values in batch:
                        if len(rows) == limit:
                            return rows, True
                        row = _row(values)
                        used += len(json.dumps(row, default=str))
                        if used > self.memory_limit:
                            raise HttpError(
                                507,
                                f"result exceeds memory_limit_bytes ({self.memory_limit}); "
                                "narrow the query",
                            )
                        rows.append(row)
            return rows, False
        except errors.QueryCanceled:
            raise HttpError(504, f"query ran past query_timeout_seconds ({timeout})") from None
        except (DatabaseUnavailable, psycopg.OperationalError) as error:
            raise HttpError(503, str(error)) from None
        finally:
            self.slots.release()

    def _limit(self, request: Request) -> int:
        raw = request.arg("limit") or str(DEFAULT_LIMIT)
        if not raw.isdigit() or int(raw) < 1:
            raise HttpError(400, "limit must be a positive integer")
        return min(int(raw), self.settings.max_result_rows)

    def spans(self, request: Request) -> Response:
        """The newest spans of a project, optionally of one trace or since a time."""
        project_id = self._project(request)
        limit = self._limit(request)
        where = ["project_id = %s"]
        params: list[Any] = [project_id]
        trace_id = request.arg("trace_id")
        if trace_id is not None:
            if not HEX_TRACE_ID.match(trace_id.lower()):
                raise HttpError(400, "trace_id must be 32 hex characters")
            where.append("trace_id = %s")
            params.append(trace_id.lower())
        since = request.arg("since")
        if since is not None:
            try:
                params.append(dt.datetime.fromisoformat(since))
            except ValueError:
                raise HttpError(400, "since must be an ISO 8601 time") from None
            where.append("start_time >= %s")
        rows, truncated = self._run(
            f"SELECT {', '.join(COLUMNS)} FROM spans WHERE {' AND '.join(where)}"
            " ORDER BY start_time DESC, id DESC LIMIT %s",
            tuple(params),
            limit,
        )
        return json_response({"spans": rows, "truncated": truncated})

    def trace(self, request: Request) -> Response:
        """One trace: its spans from the index, and each span as received from its object."""
        project_id = self._project(request)
        trace_id = request.params["trace_id"].lower()
        if not HEX_TRACE_ID.match(trace_id):
            raise HttpError(400, "trace_id must be 32 hex characters")
        rows, truncated = self._run(
            f"SELECT {', '.join(COLUMNS)}, b.object_key FROM spans"
            " JOIN span_batches b ON b.id = spans.batch_id"
            " WHERE spans.project_id = %s AND trace_id = %s ORDER BY start_time, spans.id LIMIT %s",
            (project_id, trace_id),
            self.settings.max_result_rows,
        )
        if not rows:
            raise HttpError(404, "no such trace")
        records: list[Any] = []
        used = 0
        for key in sorted({row.pop("object_key") for row in rows}):
            try:
                data = self.storage.get(key)
            except StorageError as error:
                raise HttpError(502, f"object storage: {error}") from None
            used += len(data)
            if used > self.memory_limit:
                raise HttpError(507, f"trace exceeds memory_limit_bytes ({self.memory_limit})")
            records += [
                record
                for record in json.loads(data)["spans"]
                if str(record["span"].get("traceId", "")).lower() == trace_id
            ]
        return json_response(
            {"trace_id": trace_id, "spans": rows, "records": records, "truncated": truncated}
        )


def _row(values: tuple[Any, ...]) -> dict[str, Any]:
    row = dict(zip((*COLUMNS, "object_key"), values, strict=False))
    start, end = row["start_time"], row["end_time"]
    row["duration_ms"] = round((end - start).total_seconds() * 1000, 3)
    row["start_time"] = start.isoformat()
    row["end_time"] = end.isoformat()
    return row


def serve(settings: QuerySettings, stop: Stopper) -> int:
    log.info(
        "query starting",
        extra={
            "port": settings.port,
            "max_concurrent_queries": settings.max_concurrent_queries,
            "memory_limit_bytes": settings.memory_limit_bytes,
            "query_timeout_seconds": settings.query_timeout_seconds,
            "max_result_rows": settings.max_result_rows,
        },
    )
    if settings.cache_ttl_seconds:
        log.info("cache_ttl_seconds is set but the result cache is not implemented")
    pool = Pool(settings.database, "lookout-query")
    storage = S3Client(settings.object_storage)
    health = Health(
        {"database": database_check(pool), "object_storage": storage_check(storage)}, stop.event
    )
    health.start()
    router = Router()
    health.routes(router)
    Query(settings, pool, storage).routes(router)
    config = HttpConfig(router, 64 * 1024, settings.query_timeout_seconds + 5)
    sock = listening_socket(listen_host(), settings.port)
    serve_until(make_server(config, sock), stop.event)
    pool.close()
    log.info("query stopped")
    return 0
