"""The dev install on both Helm lines, in a namespace enforcing the restricted Pod Security
Standard: `helm install --wait`, every pod Ready and the migrations Job complete; then the
app's whole flow through the Services (tests/e2e/flows.py), no container restarted or
OOM-killed, and each container's peak memory under its limit (the table goes to
.cluster/e2e-memory-LINE.txt and, with -s, stdout)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e import flows, memory
from tests.e2e.kube import (
    CHART,
    DEV_VALUES,
    IMAGES_VALUES,
    STATE,
    Release,
    assert_all_ready,
    kubectl,
    new_name,
    restricted_namespace,
)

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module", params=["helm3", "helm4"])
def release(request: pytest.FixtureRequest) -> Iterator[Release]:
    with restricted_namespace(f"flow-{request.param}") as namespace:
        installed = Release(request.param, new_name("lookout"), namespace)
        try:
            installed.install(CHART, DEV_VALUES, IMAGES_VALUES)
            yield installed
        finally:
            installed.uninstall()


def test_every_pod_is_ready_and_the_migrations_job_completed(release: Release) -> None:
    assert_all_ready(release)
    # Named by its content (a hash), so found by its labels.
    jobs = f"{release.selector},app.kubernetes.io/component=migrations"
    args = ("wait", "job", "-l", jobs, "--for=condition=Complete", "--timeout=60s")
    kubectl("-n", release.namespace, *args)


def test_login_project_key_span_query_and_email_through_the_services(release: Release) -> None:
    password = flows.secret_value(release, f"{release.fullname}-admin", "bootstrapPassword")
    with flows.forwarded(release, release.fullname) as urls:
        session = flows.login(urls, "admin@example.com", password)
        project = flows.create_project(session, "shop")
        key = flows.ingest_key(session, project)
        trace_id = flows.send_span(urls, key, "GET /cart")
        assert flows.queried_span(session, project, trace_id) == ["GET /cart"]
        assert flows.http("GET", f"{urls.query}/readyz")[0] == 200
        flows.wait_for_mail(urls, "Project Shop created")


def test_no_restarts_and_peak_memory_under_every_limit(release: Release) -> None:
    assert memory.restarts(release.pods()) == []
    found = memory.usages(release)
    report = memory.table(f"{release.line}: peak memory after the flow", found)
    (STATE / f"e2e-memory-{release.line}.txt").write_text(report + "\n")
    print(f"\n{report}")
    over = [usage for usage in found if usage.peak >= usage.limit]
    assert not over, report
