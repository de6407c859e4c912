"""`helm upgrade` from the previous chart revision (E2E_PREVIOUS_REV, default 0e734b8: the
first whose dev containers carry their own commands, which the entrypoint-less local images
need) to the current one, on both Helm lines, with data kept: the same PVCs (UIDs), the
generated Secrets unchanged, a span ingested before still queryable; `helm rollback` to
revision 1 brings every pod Ready; `helm uninstall` leaves exactly what NOTES.txt says (the
kept Secrets and the dev PVCs) and nothing else of the release.

The previous chart runs the current lookout image: the cluster has only that one. It is
installed with `networkPolicy.enabled=false`, and the upgrade turns the policies on (the
chart's default): the cluster enforces NetworkPolicies, and the previous chart's MinIO bucket
Job connects once per pod, which the engine refuses in a new pod's first second (the current
chart's Job retries in its container), so that install would never complete."""

from __future__ import annotations

import os
import re
import subprocess
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.e2e import flows
from tests.e2e.kube import (
    CHART,
    DEV_VALUES,
    IMAGES_VALUES,
    REPO,
    Release,
    assert_all_ready,
    kube_json,
    new_name,
    restricted_namespace,
)
from tests.polling import wait_for

pytestmark = pytest.mark.e2e

PREVIOUS_REV = os.environ.get("E2E_PREVIOUS_REV", "0e734b8")
KEEP = "helm.sh/resource-policy"
# Namespaced kinds a release of the chart may create (what must be gone after uninstall).
KINDS = (
    "deployments,statefulsets,replicasets,jobs,pods,services,configmaps,serviceaccounts,"
    "networkpolicies,poddisruptionbudgets,roles,rolebindings,ingresses,"
    "horizontalpodautoscalers,secrets,persistentvolumeclaims"
)


@pytest.fixture(scope="module")
def previous_chart(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("previous")
    archive = target / "chart.tar"
    with archive.open("wb") as out:
        subprocess.run(
            ["git", "-C", str(REPO), "archive", PREVIOUS_REV, "generated/lookout"],
            stdout=out,
            check=True,
            timeout=60,
        )
    with tarfile.open(archive) as tar:
        tar.extractall(target, filter="data")
    return target / "generated" / "lookout"


@dataclass
class Before:
    """What the release held on the previous chart, to compare after the upgrade."""

    password: str
    project: dict[str, Any]
    trace_id: str
    claims: dict[str, str]
    secrets: dict[str, dict[str, str]]


@dataclass
class Upgraded:
    release: Release
    before: Before
    previous_chart: Path


def claims(release: Release) -> dict[str, str]:
    items = kube_json("-n", release.namespace, "get", "pvc", "-l", release.selector)["items"]
    return {c["metadata"]["name"]: c["metadata"]["uid"] for c in items}


def kept_secrets(release: Release) -> dict[str, dict[str, str]]:
    """The Secrets of the release that Helm keeps on uninstall, with their data."""
    items = kube_json("-n", release.namespace, "get", "secrets", "-l", release.selector)["items"]
    return {
        s["metadata"]["name"]: s["data"]
        for s in items
        if (s["metadata"].get("annotations") or {}).get(KEEP) == "keep"
    }


def ingest_before(release: Release) -> Before:
    password = flows.secret_value(release, f"{release.fullname}-admin", "bootstrapPassword")
    with flows.forwarded(release, release.fullname, mail=False) as urls:
        session = flows.login(urls, "admin@example.com", password)
        project = flows.create_project(session, "kept")
        trace_id = flows.send_span(urls, flows.ingest_key(session, project), "GET /kept")
        assert flows.queried_span(session, project, trace_id) == ["GET /kept"]
    return Before(password, project, trace_id, claims(release), kept_secrets(release))


@pytest.fixture(scope="module", params=["helm3", "helm4"])
def upgraded(request: pytest.FixtureRequest, previous_chart: Path) -> Iterator[Upgraded]:
    with restricted_namespace(f"upgrade-{request.param}") as namespace:
        release = Release(request.param, new_name("up"), namespace)
        try:
            previous_values = previous_chart / "ci" / "dev-values.yaml"
            release.install(
                previous_chart,
                previous_values,
                IMAGES_VALUES,
                sets=("networkPolicy.enabled=false",),
            )
            before = ingest_before(release)
            release.upgrade(CHART, DEV_VALUES, IMAGES_VALUES)
            yield Upgraded(release, before, previous_chart)
        finally:
            release.uninstall()


def test_upgrade_keeps_the_volumes_the_secrets_and_the_data(upgraded: Upgraded) -> None:
    release, before = upgraded.release, upgraded.before
    assert_all_ready(release)
    assert claims(release) == before.claims
    assert kept_secrets(release) == before.secrets
    with flows.forwarded(release, release.fullname, mail=False) as urls:
        session = flows.login(urls, "admin@example.com", before.password)
        assert flows.queried_span(session, before.project, before.trace_id) == ["GET /kept"]


def test_rollback_to_the_first_revision_brings_every_pod_ready(upgraded: Upgraded) -> None:
    release = upgraded.release
    release.run("rollback", release.name, "1", "--wait", "--wait-for-jobs", "--timeout", "10m")
    # The rollback's Jobs are the first revision's, recreated: wait for their pods too.
    wait_for("pods after rollback", lambda: settled(release), seconds=300, every=3)
    assert_all_ready(release)
    assert claims(release) == upgraded.before.claims


def settled(release: Release) -> bool:
    try:
        assert_all_ready(release)
    except AssertionError:
        return False
    return True


def notes_leftovers(release: Release) -> tuple[set[str], set[str]]:
    """The Secrets and PVCs NOTES.txt says `helm uninstall` leaves."""
    notes = release.run("get", "notes", release.name).stdout
    secrets = set(re.findall(r" in Secret (\S+)", notes))
    match = re.search(r"the PersistentVolumeClaims of (.+?), and the kept Secrets", notes)
    assert match, notes
    volumes = {f"data-{workload.strip()}-0" for workload in match.group(1).split(",")}
    return secrets, volumes


def remaining(release: Release) -> dict[str, set[str]]:
    items = kube_json("-n", release.namespace, "get", KINDS, "-l", release.selector)["items"]
    found: dict[str, set[str]] = {}
    for item in items:
        found.setdefault(item["kind"], set()).add(item["metadata"]["name"])
    return found


def test_uninstall_leaves_exactly_what_the_notes_say(upgraded: Upgraded) -> None:
    release = upgraded.release
    named_secrets, named_volumes = notes_leftovers(release)
    kept = set(kept_secrets(release))
    assert named_secrets <= kept, (named_secrets, kept)
    release.run("uninstall", release.name, "--wait", "--timeout", "5m")
    expected = {"Secret": kept, "PersistentVolumeClaim": named_volumes}
    wait_for("uninstall settled", lambda: remaining(release) == expected, seconds=180, every=3)
    history = release.run("history", release.name, check=False)
    assert history.returncode != 0, history.stdout
