"""The limits the services' settings promise, on the real servers (see test_serve_flow):
ingest's max_batch_bytes, buffer_bytes and drain on SIGTERM; query's max_concurrent_queries,
query_timeout_seconds and max_result_rows."""

from __future__ import annotations

import datetime as dt
import json
import secrets
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from lookout.serve.tokens import issue_token, key_hash, new_ingest_key

from tests.lookout.serve_stack import Stack, http, migrated_stack, wait_for


@pytest.fixture(scope="module")
def running() -> Iterator[Stack]:
    with migrated_stack() as built:
        yield built


def make_project(running: Stack) -> tuple[int, int]:
    """(organization id, project id) of a new project, made directly in the database."""
    slug = f"p{secrets.token_hex(4)}"
    with running.database.connect() as conn:
        org = conn.execute(
            "INSERT INTO organizations (slug, name) VALUES (%s, 'Org') RETURNING id", (slug,)
        ).fetchone()
        assert org is not None
        project = conn.execute(
            "INSERT INTO projects (organization_id, slug, name) VALUES (%s, %s, 'P') RETURNING id",
            (org[0], slug),
        ).fetchone()
        assert project is not None
    return int(org[0]), int(project[0])


def otlp_body(size: int, start: dt.datetime | None = None) -> bytes:
    """An OTLP/JSON export of one span padded with an attribute to about ``size`` bytes."""
    nanos = int((start or dt.datetime.now(dt.UTC)).timestamp() * 1e9)
    span = {
        "traceId": secrets.token_hex(16),
        "spanId": secrets.token_hex(8),
        "name": "padded",
        "startTimeUnixNano": str(nanos),
        "endTimeUnixNano": str(nanos + 1000),
        "attributes": [{"key": "pad", "value": {"stringValue": ""}}],
    }
    body = {"resourceSpans": [{"scopeSpans": [{"spans": [span]}]}]}
    pad = size - len(json.dumps(body))
    span["attributes"][0]["value"]["stringValue"] = "x" * max(0, pad)
    return json.dumps(body).encode()


def test_ingest_rejects_large_batches_throttles_when_full_and_drains_on_sigterm(
    running: Stack,
) -> None:
    _, project = make_project(running)
    key, prefix = new_ingest_key()
    with running.database.connect() as conn:
        conn.execute(
            "INSERT INTO api_keys (project_id, name, prefix, secret_hash) VALUES (%s, 'k', %s, %s)",
            (project, prefix, key_hash(key)),
        )
    ingest = running.start(
        "ingest",
        {
            "LOOKOUT_MAX_BATCH_BYTES": "4096",
            "LOOKOUT_BUFFER_BYTES": "6000",
            "LOOKOUT_FLUSH_INTERVAL_MS": "600000",  # nothing leaves the buffer but the drain
            "LOOKOUT_ACCEPTED_SIGNALS": '["traces", "metrics"]',
        },
        name="ingest-limits",
    )
    running.wait_ready(ingest)
    url = f"{ingest.url}/v1/traces"
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}

    def post(body: bytes, extra: dict[str, str] | None = None) -> tuple[int, Any]:
        return http("POST", url, raw=body, headers={**headers, **(extra or {})})

    assert post(otlp_body(5000))[0] == 413  # over max_batch_bytes
    assert post(b"{not json")[0] == 400
    assert post(otlp_body(100), {"Content-Type": "application/x-protobuf"})[0] == 415
    assert http("POST", f"{ingest.url}/v1/metrics", raw=b"{}", headers=headers)[0] == 501
    assert http("POST", f"{ingest.url}/v1/logs", raw=b"{}", headers=headers)[0] == 404
    assert post(otlp_body(3500))[0] == 200
    status, answer = post(otlp_body(3500))  # 7000 > buffer_bytes
    assert status == 429, answer
    with running.database.connect() as conn:
        assert conn.execute(
            "SELECT count(*) FROM spans WHERE project_id = %s", (project,)
        ).fetchone() == (0,)
    assert ingest.stop() == 0
    assert ingest.stop_seconds is not None and ingest.stop_seconds < 10
    # The buffered span was uploaded and indexed on the way out.
    with running.database.connect() as conn:
        assert conn.execute(
            "SELECT count(*) FROM spans WHERE project_id = %s", (project,)
        ).fetchone() == (1,)
    assert "draining: 1 batches to upload" in ingest.log()


def insert_spans(running: Stack, project: int, count: int) -> None:
    now = dt.datetime.now(dt.UTC)
    with running.database.connect() as conn:
        batch = conn.execute(
            "INSERT INTO span_batches (project_id, object_key, span_count, size_bytes)"
            " VALUES (%s, %s, %s, 0) RETURNING id",
            (project, f"test/{secrets.token_hex(8)}", count),
        ).fetchone()
        assert batch is not None
        for number in range(count):
            conn.execute(
                "INSERT INTO spans (project_id, batch_id, trace_id, span_id, name, start_time,"
                " end_time) VALUES (%s, %s, %s, %s, %s, %s, %s)",
                (
                    project,
                    batch[0],
                    secrets.token_hex(16),
                    secrets.token_hex(8),
                    f"s{number}",
                    now,
                    now,
                ),
            )


def test_query_limits_rows_concurrency_and_time(running: Stack) -> None:
    org, project = make_project(running)
    insert_spans(running, project, 3)
    secret = running.config("query").secrets["LOOKOUT_AUTH__JWT_SECRET"]
    token = issue_token(secret, {"sub": "1", "email": "a@b.c", "role": "member", "org": org}, 600)
    other = issue_token(secret, {"sub": "2", "email": "d@b.c", "role": "member", "org": 0}, 600)
    query = running.start(
        "query",
        {
            "LOOKOUT_MAX_CONCURRENT_QUERIES": "1",
            "LOOKOUT_QUERY_TIMEOUT_SECONDS": "3",
            "LOOKOUT_MAX_RESULT_ROWS": "2",
        },
        name="query-limits",
    )
    running.wait_ready(query)
    url = f"{query.url}/v1/projects/{project}/spans"
    auth = {"Authorization": f"Bearer {token}"}
    assert http("GET", url)[0] == 401
    assert http("GET", url, headers={"Authorization": f"Bearer {other}"})[0] == 404
    status, result = http("GET", url, headers=auth)
    assert status == 200 and len(result["spans"]) == 2 and result["truncated"]  # max_result_rows
    status, result = http("GET", f"{url}?limit=5", headers=auth)
    assert len(result["spans"]) == 2 and result["truncated"]

    # Hold a lock the query needs: the first request waits on it inside its slot, the
    # others wait for the slot; only one ever reaches the database at a time.
    outcomes: list[tuple[int, float]] = []

    def ask() -> None:
        started = time.monotonic()
        status, _ = http("GET", url, headers=auth, timeout=30)
        outcomes.append((status, time.monotonic() - started))

    with running.database.connect() as holder:
        holder.execute("BEGIN")
        holder.execute("LOCK TABLE spans IN ACCESS EXCLUSIVE MODE")
        threads = [threading.Thread(target=ask) for _ in range(3)]
        for thread in threads:
            thread.start()

        def waiting() -> int:
            row = holder.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'lookout-query'"
                " AND wait_event_type = 'Lock'"
            ).fetchone()
            return int(row[0]) if row else 0

        wait_for("a query waiting on the lock", waiting, seconds=10)
        time.sleep(1)
        assert waiting() == 1  # max_concurrent_queries
        for thread in threads:
            thread.join(30)
        holder.execute("ROLLBACK")
    statuses = sorted(status for status, _ in outcomes)
    # The first is cancelled by the statement timeout (504); the others waited in line for
    # query_timeout_seconds (503) or got the slot with too little time left (504).
    assert statuses[0] in (503, 504) and set(statuses) <= {503, 504}, outcomes
    assert 504 in statuses, outcomes
    assert all(seconds < 3 + 3 for _, seconds in outcomes), outcomes
    # Without the lock, queries run again.
    assert http("GET", url, headers=auth)[0] == 200
    assert query.stop() == 0
