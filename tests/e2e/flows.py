"""The app's own flow on an installed release, through its Services (port-forwards): log in,
create a project and an ingest key, send an OTLP span, query it back through the api, and
find the welcome email in MailDev. The calls are tests/lookout/test_serve_flow.py's."""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from lookout.serve.ingest import KEY_HEADER

from tests.e2e.kube import Release, kube_json, port_forward
from tests.lookout.serve_stack import http
from tests.polling import wait_for

PORTS = {"api": 8080, "ingest": 4318, "frontend": 3000, "query": 8081, "maildev": 1080}


@dataclass(frozen=True)
class Urls:
    api: str
    ingest: str
    frontend: str
    query: str
    maildev: str | None


@contextlib.contextmanager
def forwarded(release: Release, prefix: str = "lookout", mail: bool = True) -> Iterator[Urls]:
    """Port-forwards to the release's Services, all stopped on exit."""
    with contextlib.ExitStack() as stack:
        urls = {
            name: stack.enter_context(
                port_forward(release.namespace, f"service/{prefix}-{name}", port)
            )
            for name, port in PORTS.items()
            if name != "maildev" or mail
        }
        yield Urls(**{"maildev": None, **urls})


def secret_value(release: Release, secret: str, key: str) -> str:
    data = kube_json("-n", release.namespace, "get", "secret", secret)["data"]
    return base64.b64decode(data[key]).decode()


def otlp(trace_id: str, name: str) -> dict[str, Any]:
    nanos = int(dt.datetime.now(dt.UTC).timestamp() * 1e9)
    span = {
        "traceId": trace_id,
        "spanId": secrets.token_hex(8),
        "name": name,
        "kind": 2,
        "startTimeUnixNano": str(nanos),
        "endTimeUnixNano": str(nanos + 12_500_000),
        "status": {"code": 1},
    }
    resource = {"attributes": [{"key": "service.name", "value": {"stringValue": "shop"}}]}
    scope = {"scope": {"name": "e2e"}, "spans": [span]}
    return {"resourceSpans": [{"resource": resource, "scopeSpans": [scope]}]}


@dataclass(frozen=True)
class Session:
    urls: Urls
    auth: dict[str, str]

    def get(self, path: str) -> tuple[int, Any]:
        return http("GET", f"{self.urls.api}{path}", headers=self.auth)

    def post(self, path: str, body: Any) -> tuple[int, Any]:
        return http("POST", f"{self.urls.api}{path}", body, self.auth)


def login(urls: Urls, email: str, password: str) -> Session:
    """Signs in through the frontend's /api, as the page does."""
    status, page = http("GET", f"{urls.frontend}/")
    assert status == 200 and "<title>Lookout</title>" in page, (status, page)
    body = {"email": email, "password": password}

    def token() -> str | None:
        status, answer = http("POST", f"{urls.frontend}/api/login", body)
        return str(answer["token"]) if status == 200 else None

    return Session(urls, {"Authorization": f"Bearer {wait_for('login', token, seconds=60)}"})


def create_project(session: Session, slug: str) -> dict[str, Any]:
    status, org = session.post("/api/organizations", {"slug": f"org-{slug}", "name": slug})
    assert status == 201, org
    body = {"organization": f"org-{slug}", "slug": slug, "name": slug.title()}
    status, project = session.post("/api/projects", body)
    assert status == 201, project
    return project


def ingest_key(session: Session, project: dict[str, Any]) -> str:
    status, key = session.post(f"/api/projects/{project['id']}/keys", {"name": "e2e"})
    assert status == 201, key
    return str(key["key"])


def send_span(urls: Urls, key: str, name: str) -> str:
    trace_id = secrets.token_hex(16)
    body = otlp(trace_id, name)
    status, answer = http("POST", f"{urls.ingest}/v1/traces", body, {KEY_HEADER: key})
    assert (status, answer) == (200, {"partialSuccess": {}}), (status, answer)
    return trace_id


def queried_span(session: Session, project: dict[str, Any], trace_id: str) -> list[str]:
    def found() -> list[str] | None:
        path = f"/api/projects/{project['id']}/spans?trace_id={trace_id}"
        status, result = session.get(path)
        return [s["name"] for s in result["spans"]] if status == 200 and result["spans"] else None

    return wait_for("span queried back", found, seconds=60)


def mail_subjects(urls: Urls) -> list[str]:
    assert urls.maildev is not None
    status, messages = http("GET", f"{urls.maildev}/email")
    assert status == 200, messages
    return [str(message.get("subject")) for message in messages]


def wait_for_mail(urls: Urls, subject_part: str) -> list[str]:
    def arrived() -> list[str] | None:
        subjects = mail_subjects(urls)
        return subjects if any(subject_part in subject for subject in subjects) else None

    return wait_for(f"email {subject_part!r} in MailDev", arrived, seconds=90, every=2)
