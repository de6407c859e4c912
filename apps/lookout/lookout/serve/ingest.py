"""The ingest service: OTLP/HTTP traces into object storage, indexed in PostgreSQL.

Concurrency: a threaded HTTP server receives ``POST /v1/traces`` (OTLP/JSON, at most
``max_batch_bytes``, else 413), authenticates its ingest key and adds its spans to a buffer
of at most ``buffer_bytes`` (full: 429, the client retries). Every ``flush_interval_ms`` a
flusher thread cuts the buffer into batches (one project and UTC day each) and
``submit_concurrency`` upload threads write each batch as one object to the bucket, then
index its spans in PostgreSQL; the bytes leave the buffer when both are done. On SIGTERM
the server stops accepting, and what is buffered is flushed before the process exits.

OTLP/gRPC is not implemented, so the chart opens no port for it.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import logging
import queue
import threading
import time
import uuid
import zlib
from dataclasses import dataclass, field

import psycopg

from lookout.db.connection import DatabaseUnavailable
from lookout.serve.common import database_check, storage_check
from lookout.serve.health import Health
from lookout.serve.otlp import InvalidExport, SpanRow, parse_traces
from lookout.serve.pool import Pool
from lookout.serve.runtime import Stopper, listen_host
from lookout.serve.tokens import key_hash, key_prefix
from lookout.serve.web import (
    Handler,
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
from lookout.settings.ingest import IngestSettings
from lookout.storage.s3 import S3Client, StorageError

log = logging.getLogger("lookout.ingest")

KEY_CACHE_SECONDS = 30.0  # a revoked key stops working within this
KEY_CACHE_ENTRIES = 1024
UPLOAD_ATTEMPTS = 5
DRAIN_SECONDS = 20.0  # flushing on SIGTERM, within the pod's grace period
KEY_HEADER = "x-lookout-key"


@dataclass
class Batch:
    project_id: int
    day: dt.date
    spans: list[SpanRow] = field(default_factory=list)
    size: int = 0  # bytes of the buffer it holds
    object_key: str = ""


class Buffer:
    """Spans awaiting upload, grouped by project and day, bounded by bytes."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.used = 0
        self._pending: dict[tuple[int, dt.date], Batch] = {}
        self._lock = threading.Lock()

    def offer(self, project_id: int, spans: list[SpanRow], size: int) -> bool:
        """Take the spans of one request (``size`` bytes), or False when the buffer is full."""
        with self._lock:
            if self.used + size > self.capacity:
                return False
            self.used += size
            share, rest = divmod(size, max(1, len(spans)))
            for number, span in enumerate(spans):
                day = span.start_time.date()
                batch = self._pending.setdefault((project_id, day), Batch(project_id, day))
                batch.spans.append(span)
                batch.size += share + (rest if number == 0 else 0)
            if not spans:
                self.used -= size
            return True

    def drain(self, max_bytes: int) -> list[Batch]:
        """Everything buffered, as batches of at most about ``max_bytes`` each."""
        with self._lock:
            pending, self._pending = self._pending, {}
        batches: list[Batch] = []
        for whole in pending.values():
            count = len(whole.spans)
            parts = max(1, -(-whole.size // max_bytes))
            each = -(-count // parts)
            assigned = 0
            for start in range(0, count, each):
                part = whole.spans[start : start + each]
                # Sizes proportional to the spans, adding up to the whole's exactly.
                size = whole.size * (start + len(part)) // count - assigned
                assigned += size
                batches.append(Batch(whole.project_id, whole.day, part, size))
        return batches

    def release(self, size: int) -> None:
        with self._lock:
            self.used -= size


class Ingest:
    def __init__(self, settings: IngestSettings, pool: Pool, storage: S3Client) -> None:
        self.settings = settings
        self.pool = pool
        self.storage = storage
        self.buffer = Buffer(settings.buffer_bytes or settings.max_batch_bytes)
        self.uploads: queue.Queue[Batch | None] = queue.Queue()
        self._keys: dict[str, tuple[float, int | None]] = {}
        self._keys_lock = threading.Lock()

    def routes(self, router: Router) -> None:
        router.add("POST", "/v1/traces", self.traces)
        router.add("POST", "/v1/metrics", self.unsupported("metrics"))
        router.add("POST", "/v1/logs", self.unsupported("logs"))

    # ---------------------------------------------------------------- receiving

    def _project_of(self, request: Request) -> int:
        key = request.headers.get(KEY_HEADER) or request.bearer()
        prefix = key_prefix(key or "")
        if key is None or prefix is None:
            raise HttpError(401, f"send an ingest key (Authorization: Bearer or {KEY_HEADER})")
        digest = key_hash(key).hex()
        now = time.monotonic()
        with self._keys_lock:
            cached = self._keys.get(digest)
        if cached is None or now - cached[0] > KEY_CACHE_SECONDS:
            cached = (now, self._lookup_key(prefix, key))
            with self._keys_lock:
                if len(self._keys) >= KEY_CACHE_ENTRIES:
                    self._keys.clear()
                self._keys[digest] = cached
        if cached[1] is None:
            raise HttpError(401, "unknown, revoked or expired ingest key")
        return cached[1]

    def _lookup_key(self, prefix: str, key: str) -> int | None:
        try:
            with self.pool.connection() as conn:
                row = conn.execute(
                    "UPDATE api_keys SET last_used_at = now()"
                    " WHERE prefix = %s AND revoked_at IS NULL"
                    " AND (expires_at IS NULL OR expires_at > now())"
                    " AND 'ingest' = ANY (scopes) RETURNING project_id, secret_hash",
                    (prefix,),
                ).fetchone()
        except (DatabaseUnavailable, psycopg.Error) as error:
            raise HttpError(
                503, f"cannot check the key now: {error}", {"Retry-After": "5"}
            ) from None
        if row is None or bytes(row[1]) != key_hash(key):
            return None
        return int(row[0])

    def _body(self, request: Request) -> bytes:
        encoding = (request.headers.get("Content-Encoding") or "identity").lower()
        if encoding == "identity":
            return request.body
        if encoding != "gzip":
            raise HttpError(415, f"Content-Encoding {encoding} is not supported (gzip is)")
        limit = self.settings.max_batch_bytes
        try:
            inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
            data = inflater.decompress(request.body, limit + 1)
        except (zlib.error, gzip.BadGzipFile):
            raise HttpError(400, "body is not valid gzip") from None
        if len(data) > limit:
            raise HttpError(413, f"decompressed body exceeds max_batch_bytes ({limit})")
        return data

    def traces(self, request: Request) -> Response:
        if "traces" not in self.settings.accepted_signals:
            raise HttpError(404, "traces are not accepted here (accepted_signals)")
        project_id = self._project_of(request)
        content_type = (request.headers.get("Content-Type") or "").split(";")[0].strip()
        if content_type != "application/json":
            raise HttpError(415, "send OTLP/JSON (application/json); protobuf is not implemented")
        body = self._body(request)
        try:
            spans = parse_traces(json.loads(body))
        except (ValueError, UnicodeDecodeError) as error:
            message = str(error) if isinstance(error, InvalidExport) else "body is not JSON"
            raise HttpError(400, message) from None
        if not self.buffer.offer(project_id, spans, len(body)):
            raise HttpError(429, "ingest buffer full; retry later", {"Retry-After": "2"})
        log.debug("accepted %d spans", len(spans), extra={"project_id": project_id})
        return json_response({"partialSuccess": {}})

    def unsupported(self, signal: str) -> Handler:
        def handler(request: Request) -> Response:
            if signal not in self.settings.accepted_signals:
                raise HttpError(404, f"{signal} are not accepted here (accepted_signals)")
            raise HttpError(501, f"{signal} ingestion is not implemented yet")

        return handler

    # ---------------------------------------------------------------- uploading

    def flush(self) -> int:
        batches = self.buffer.drain(self.settings.max_batch_bytes)
        for batch in batches:
            self.uploads.put(batch)
        return len(batches)

    def flusher(self, stop: threading.Event) -> None:
        interval = self.settings.flush_interval_ms / 1000
        while not stop.wait(interval):
            self.flush()

    def uploader(self) -> None:
        while True:
            batch = self.uploads.get()
            if batch is None:
                return
            try:
                self._upload(batch)
            except Exception:
                log.exception("upload failed")
                self.buffer.release(batch.size)

    def _upload(self, batch: Batch) -> None:
        batch.object_key = self.storage.key(
            f"traces/{batch.project_id}/{batch.day:%Y/%m/%d}/{uuid.uuid4().hex}.json"
        )
        body = json.dumps(
            {"project_id": batch.project_id, "spans": [span.record for span in batch.spans]},
            separators=(",", ":"),
        ).encode()
        for attempt in range(1, UPLOAD_ATTEMPTS + 1):
            try:
                self.storage.put(batch.object_key, body)
                self._index(batch, len(body))
                log.info(
                    "batch stored",
                    extra={
                        "project_id": batch.project_id,
                        "spans": len(batch.spans),
                        "object_key": batch.object_key,
                        "bytes": len(body),
                    },
                )
                break
            except (StorageError, DatabaseUnavailable, psycopg.Error) as error:
                log.warning("upload attempt %d failed: %s", attempt, error)
                if attempt == UPLOAD_ATTEMPTS:
                    log.error("dropped %d spans after %d attempts", len(batch.spans), attempt)
                else:
                    time.sleep(min(8.0, 0.5 * 2**attempt))
        self.buffer.release(batch.size)

    def _index(self, batch: Batch, size: int) -> None:
        with self.pool.connection() as conn, conn.transaction():
            row = conn.execute(
                "INSERT INTO span_batches (project_id, object_key, span_count, size_bytes)"
                " VALUES (%s, %s, %s, %s) ON CONFLICT (object_key) DO UPDATE"
                " SET span_count = EXCLUDED.span_count RETURNING id",
                (batch.project_id, batch.object_key, len(batch.spans), size),
            ).fetchone()
            assert row is not None
            conn.execute("DELETE FROM spans WHERE batch_id = %s", (row[0],))  # a retry
            with conn.cursor().copy(
                "COPY spans (project_id, batch_id, trace_id, span_id, parent_span_id, name,"
                " service_name, kind, start_time, end_time, status_code, attributes)"
                " FROM STDIN"
            ) as copy:
                for span in batch.spans:
                    copy.write_row(
                        (
                            batch.project_id,
                            row[0],
                            span.trace_id,
                            span.span_id,
                            span.parent_span_id,
                            span.name,
                            span.service_name,
                            span.kind,
                            span.start_time,
                            span.end_time,
                            span.status_code,
                            json.dumps(span.attributes),
                        )
                    )


def serve(settings: IngestSettings, stop: Stopper) -> int:
    concurrency = settings.submit_concurrency or 1
    log.info(
        "ingest starting",
        extra={
            "http_port": settings.http_port,
            "submit_concurrency": concurrency,
            "buffer_bytes": settings.buffer_bytes,
            "max_batch_bytes": settings.max_batch_bytes,
            "flush_interval_ms": settings.flush_interval_ms,
        },
    )
    if concurrency > settings.database.pool_size:
        log.warning("submit_concurrency exceeds database.pool_size: uploads wait for connections")
    pool = Pool(settings.database, "lookout-ingest")
    storage = S3Client(settings.object_storage)
    ingest = Ingest(settings, pool, storage)
    health = Health(
        {"database": database_check(pool), "object_storage": storage_check(storage)}, stop.event
    )
    health.start()
    uploaders = [
        threading.Thread(target=ingest.uploader, name=f"upload-{n}") for n in range(concurrency)
    ]
    for thread in uploaders:
        thread.start()
    flusher = threading.Thread(target=ingest.flusher, args=(stop.event,), name="flush")
    flusher.start()
    router = Router()
    health.routes(router)
    ingest.routes(router)
    config = HttpConfig(router, settings.max_batch_bytes, 30)
    sock = listening_socket(listen_host(), settings.http_port)
    serve_until(make_server(config, sock), stop.event)
    # Stopped accepting and answered what was in flight: upload the rest, then stop.
    flusher.join()
    left = ingest.flush()
    log.info("draining: %d batches to upload", left)
    for _ in uploaders:
        ingest.uploads.put(None)
    deadline = time.monotonic() + DRAIN_SECONDS
    for thread in uploaders:
        thread.join(max(0.0, deadline - time.monotonic()))
    pool.close()
    alive = sum(thread.is_alive() for thread in uploaders)
    log.info("ingest stopped", extra={"unfinished_uploads": alive})
    return 0
