"""Every Lookout service as a real process, with what the chart renders for it (dev mode, tiny
preset), on a real PostgreSQL, a real MinIO and a real SMTP receiver: the whole path from
login to a span queried back, the welcome email, retention, and a clean stop on SIGTERM.

Needs `make postgres` and `make minio` (make test runs both) and Helm (make tools).
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import secrets
import time
from collections.abc import Iterator
from typing import Any

import pytest
from lookout.serve.ingest import KEY_HEADER
from lookout.storage.s3 import StorageError

from tests.lookout.serve_stack import (
    Stack,
    descendants,
    http,
    migrated_stack,
    rss_bytes,
    storage_client,
    thread_count,
    wait_for,
)

MiB = 2**20
# tiny preset limits (presets/tiny.yaml): what each container may use.
LIMITS = {"api": 512, "ingest": 512, "query": 768, "worker": 512, "scheduler": 256, "frontend": 256}


def span(trace_id: str, span_id: str, name: str, start: dt.datetime) -> dict[str, Any]:
    nanos = int(start.timestamp() * 1e9)
    return {
        "traceId": trace_id,
        "spanId": span_id,
        "name": name,
        "kind": 2,
        "startTimeUnixNano": str(nanos),
        "endTimeUnixNano": str(nanos + 12_500_000),
        "attributes": [{"key": "http.route", "value": {"stringValue": "/cart"}}],
        "status": {"code": 1},
    }


def export(*spans: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceSpans": [
            {
                "resource": {
                    "attributes": [{"key": "service.name", "value": {"stringValue": "shop"}}]
                },
                "scopeSpans": [{"scope": {"name": "test"}, "spans": list(spans)}],
            }
        ]
    }


@pytest.fixture(scope="module")
def running() -> Iterator[Stack]:
    with migrated_stack() as built:
        yield built


def test_whole_flow_login_project_key_span_query_email_retention_and_clean_stop(
    running: Stack,
) -> None:
    memory: dict[str, dict[str, int]] = {"idle": {}, "after": {}}
    services = {
        name: running.start(name) for name in ("query", "api", "ingest", "worker", "frontend")
    }
    for service in services.values():
        running.wait_ready(service)
    time.sleep(1)  # let start-up settle before measuring
    for name, service in services.items():
        memory["idle"][name] = rss_bytes(service.process.pid)

    # Derived settings are the real counts, and logged at start.
    api_start = next(e for e in services["api"].log_entries() if e["message"] == "api starting")
    workers = api_start["workers"]
    assert workers >= 1
    wait_for("api worker processes", lambda: services["api"].log().count("serving") == workers)
    assert len(descendants(services["api"].process.pid)) == workers
    ingest_start = next(
        e for e in services["ingest"].log_entries() if e["message"] == "ingest starting"
    )
    # main, accept loop, readiness checker, flusher, and one thread per upload.
    assert thread_count(services["ingest"].process.pid) >= ingest_start["submit_concurrency"] + 3
    worker_start = next(
        e for e in services["worker"].log_entries() if e["message"] == "worker starting"
    )
    assert thread_count(services["worker"].process.pid) >= worker_start["concurrency"] + 1
    query_start = next(
        e for e in services["query"].log_entries() if e["message"] == "query starting"
    )
    assert query_start["max_concurrent_queries"] >= 1

    # 1. Sign in as the bootstrap admin, through the frontend's /api (as the page does).
    api_config = running.config("api")
    admin_email = api_config.env["LOOKOUT_ADMIN__EMAIL"]
    password = api_config.secrets["LOOKOUT_ADMIN__BOOTSTRAP_PASSWORD"]
    front = services["frontend"].url
    status, page = http("GET", f"{front}/")
    assert status == 200 and 'fetch("/api" + path' in page and "<title>Lookout</title>" in page
    status, bad = http("POST", f"{front}/api/login", {"email": admin_email, "password": "nope"})
    assert status == 401, bad
    status, login = http("POST", f"{front}/api/login", {"email": admin_email, "password": password})
    assert status == 200, login
    auth = {"Authorization": f"Bearer {login['token']}"}
    api = services["api"].url
    assert http("GET", f"{api}/api/projects")[0] == 401  # no token

    # 2. An organization and a project in it; the project queues a welcome email.
    status, org = http("POST", f"{api}/api/organizations", {"slug": "acme", "name": "Acme"}, auth)
    assert status == 201, org
    body = {"organization": "acme", "slug": "shop", "name": "Shop"}
    status, project = http("POST", f"{api}/api/projects", body, auth)
    assert status == 201, project
    assert http("POST", f"{api}/api/projects", body, auth)[0] == 409
    status, listed = http("GET", f"{front}/api/projects", headers=auth)
    assert status == 200 and [p["slug"] for p in listed["projects"]] == ["shop"]

    # 3. An ingest key, shown once, stored as a hash.
    status, key = http("POST", f"{api}/api/projects/{project['id']}/keys", {"name": "ci"}, auth)
    assert status == 201, key
    with running.database.connect() as conn:
        stored = conn.execute("SELECT prefix, secret_hash FROM api_keys").fetchall()
    assert [row[0] for row in stored] == [key["prefix"]]
    assert key["key"].encode() not in bytes(stored[0][1])

    # 4. OTLP/JSON spans in: one now, one 40 days old (retention 30 days), in two requests.
    ingest = services["ingest"].url
    trace_id, old_trace = secrets.token_hex(16), secrets.token_hex(16)
    now = dt.datetime.now(dt.UTC)
    key_headers = {"Authorization": f"Bearer {key['key']}"}
    fresh = export(span(trace_id, secrets.token_hex(8), "GET /cart", now))
    old = export(span(old_trace, secrets.token_hex(8), "GET /old", now - dt.timedelta(days=40)))
    assert http("POST", f"{ingest}/v1/traces", fresh)[0] == 401  # no key
    assert http("POST", f"{ingest}/v1/traces", fresh, {KEY_HEADER: "lk_0123456789ab_x"})[0] == 401
    status, answer = http("POST", f"{ingest}/v1/traces", fresh, key_headers)
    assert (status, answer) == (200, {"partialSuccess": {}})
    gzipped = gzip.compress(json.dumps(old).encode())
    status, answer = http(
        "POST",
        f"{ingest}/v1/traces",
        raw=gzipped,
        headers={
            KEY_HEADER: key["key"],
            "Content-Type": "application/json",
            "Content-Encoding": "gzip",
        },
    )
    assert status == 200, answer

    # 5. Queried back through the api (which asks the query service).
    def found() -> Any:
        status, result = http(
            "GET", f"{api}/api/projects/{project['id']}/spans?trace_id={trace_id}", headers=auth
        )
        return result if status == 200 and result["spans"] else None

    result = wait_for("span queried back", found, seconds=30)
    assert [s["name"] for s in result["spans"]] == ["GET /cart"]
    assert result["spans"][0]["service_name"] == "shop"
    assert result["spans"][0]["duration_ms"] == pytest.approx(12.5, abs=0.01)
    status, trace = http(
        "GET", f"{api}/api/projects/{project['id']}/traces/{trace_id}", headers=auth
    )
    assert status == 200, trace
    assert trace["records"][0]["span"]["name"] == "GET /cart"  # read from the object
    wait_for(
        "old span indexed",
        lambda: http(
            "GET", f"{api}/api/projects/{project['id']}/spans?trace_id={old_trace}", headers=auth
        )[1]["spans"],
    )
    with running.database.connect() as conn:
        batches = dict(
            conn.execute(
                "SELECT s.trace_id, b.object_key FROM spans s JOIN span_batches b"
                " ON b.id = s.batch_id"
            ).fetchall()
        )
    storage = storage_client(running)
    assert json.loads(storage.get(batches[old_trace]))["spans"][0]["span"]["name"] == "GET /old"

    # 6. The welcome email and a test email reach the SMTP server through the worker.
    welcome = wait_for(
        "welcome email", lambda: running.mailbox.find("Project Shop created"), seconds=30
    )
    assert welcome["To"] == admin_email
    assert welcome["From"] == running.config("worker").env["LOOKOUT_SMTP__FROM_ADDRESS"]
    status, job = http("POST", f"{api}/api/emails/test", {}, auth)
    assert status == 202, job
    wait_for("test email", lambda: running.mailbox.find("Test email"), seconds=30)
    wait_for(
        "job done",
        lambda: http("GET", f"{api}/api/jobs/{job['job_id']}", headers=auth)[1]["status"] == "done",
    )

    # 7. Retention: the scheduler deletes the old span and its object, keeps the new one.
    scheduler = running.start("scheduler")
    wait_for("retention applied", lambda: "retention applied" in scheduler.log(), seconds=60)
    with running.database.connect() as conn:
        left = [row[0] for row in conn.execute("SELECT trace_id FROM spans")]
        batch_keys = [row[0] for row in conn.execute("SELECT object_key FROM span_batches")]
    assert left == [trace_id]
    assert batch_keys == [batches[trace_id]]
    with pytest.raises(StorageError) as gone:
        storage.get(batches[old_trace])
    assert gone.value.status == 404
    assert storage.get(batches[trace_id])  # still there
    entry = next(e for e in scheduler.log_entries() if e["message"] == "retention applied")
    assert (entry["deleted_spans"], entry["deleted_objects"]) == (1, 1)

    for name, service in running.services.items():
        memory["after"][name] = rss_bytes(service.process.pid)
    print("\nRSS MiB", {k: {n: round(v / MiB, 1) for n, v in d.items()} for k, d in memory.items()})
    print(
        "api master + workers MiB",
        [round(rss_bytes(services["api"].process.pid, children=False) / MiB, 1)]
        + [round(rss_bytes(p) / MiB, 1) for p in descendants(services["api"].process.pid)],
    )
    print(
        "derived",
        {
            "api.workers": workers,
            "ingest.submit_concurrency": ingest_start["submit_concurrency"],
            "ingest.buffer_bytes": ingest_start["buffer_bytes"],
            "query.max_concurrent_queries": query_start["max_concurrent_queries"],
            "query.memory_limit_bytes": query_start["memory_limit_bytes"],
            "worker.concurrency": worker_start["concurrency"],
        },
    )
    for name, used in memory["after"].items():
        assert used < LIMITS[name] * MiB * 0.9, (name, used)

    # 8. SIGTERM: every service stops by itself, exit 0, and says so.
    codes = running.stop_all()
    for number in range(workers):
        assert f"worker {number} stopped" in services["api"].log()
    assert codes == dict.fromkeys(running.services, 0), codes
    for name, service in running.services.items():
        assert f"{name} stopped" in service.log(), service.log()
        # Well within Kubernetes' 30 s grace period: nothing waited to be killed.
        assert service.stop_seconds is not None and service.stop_seconds < 10, name
        assert "Traceback" not in service.log(), service.log()
