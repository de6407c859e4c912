"""A workload kind is a row of traits plus one template: a CronJob, added to the tiny app of
tests/generator/test_diff.py, builds (the env-contract proof included), renders valid objects on
both Helm lines with its schedule in values, and its pods get what the app's loader accepts."""

from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path
from typing import Annotated, Any

import pytest
import yaml
from pydantic import Field
from pydantic_settings import BaseSettings

from chartgen.model.declaration import ChartDeclaration, Workload
from chartgen.model.proof import check_delivered
from chartgen.model.spec import SpecError, build_spec
from chartgen.runtime.roles import VALUE
from tests import kube_validation
from tests.contract import container_start, find_workload, visible_files
from tests.generator.test_diff import APP_FILE, PRESET_FILE, build, write_project
from tests.helm import Helm

CLEANUP = """

class CleanupSettings(Base):
    site: SiteSection
    keep_days: Annotated[int, VALUE, Field(ge=1, description="Days of data kept.")] = 30


WORKLOADS += (
    Workload(
        name="cleanup",
        description="Nightly cleanup.",
        settings=CleanupSettings,
        command=("tiny", "cleanup"),
        kind="CronJob",
        schedule="15 3 * * *",
    ),
)
REMOVALS"""
EDITS = (
    (APP_FILE, "\nREMOVALS", CLEANUP),
    (PRESET_FILE, "  worker: *scaled\n", "  worker: *scaled\n  cleanup: {resources: *resources}\n"),
)
LONG = "a-release-name-long-enough-to-need-cutting-down"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = write_project(tmp_path_factory.mktemp("cronjob"), EDITS)
    build(root)
    return root


def render_chart(helm: Helm, chart: Path, *sets: str, release: str = "rel") -> Any:
    """`helm template` of a generated chart with its minimal values and ``--set``s."""
    args = ["template", release, str(chart), "-f", str(chart / "ci/minimal-values.yaml")]
    return helm.run(*args, *(arg for value in sets for arg in ("--set", value)))


def chart_docs(helm: Helm, chart: Path, *sets: str, release: str = "rel") -> list[dict[str, Any]]:
    result = render_chart(helm, chart, *sets, release=release)
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def _render(helm: Helm, project: Path, *sets: str, release: str = "rel") -> Any:
    return render_chart(helm, project / "generated" / "tiny", *sets, release=release)


def _docs(helm: Helm, project: Path, *sets: str, release: str = "rel") -> list[dict[str, Any]]:
    return chart_docs(helm, project / "generated" / "tiny", *sets, release=release)


def test_a_cronjob_renders_valid_objects(helm: Helm, project: Path) -> None:
    docs = _docs(helm, project)
    for doc in docs:
        kube_validation.validate(doc, "1.34")
    [cron] = [d for d in docs if d["kind"] == "CronJob"]
    assert cron["spec"]["schedule"] == "15 3 * * *"
    assert cron["spec"]["concurrencyPolicy"] == "Forbid"
    job = cron["spec"]["jobTemplate"]["spec"]
    assert job["backoffLimit"] == 3
    assert job["template"]["spec"]["restartPolicy"] == "Never"
    [container] = job["template"]["spec"]["containers"]
    assert container["command"] == ["tiny", "cleanup"]
    # Its own NetworkPolicy and ServiceAccount, like every workload; no Service (no ports).
    components = {
        (d["kind"], d["metadata"].get("labels", {}).get("app.kubernetes.io/component"))
        for d in docs
    }
    assert {("NetworkPolicy", "cleanup"), ("ServiceAccount", "cleanup")} <= components
    assert ("Service", "cleanup") not in components


def test_its_schedule_is_a_values_key(helm: Helm, project: Path) -> None:
    docs = _docs(helm, project, "cleanup.schedule=@hourly", "cleanup.suspend=true")
    [cron] = [d for d in docs if d["kind"] == "CronJob"]
    assert cron["spec"]["schedule"] == "@hourly" and cron["spec"]["suspend"] is True
    refused = _render(helm, project, "cleanup.schedule=every night")
    assert refused.returncode != 0
    assert re.search(r"cleanup[./]schedule", refused.stderr), refused.stderr  # Helm 3 . / 4 /


def test_its_name_leaves_room_for_its_jobs(helm: Helm, project: Path) -> None:
    docs = _docs(helm, project, release=LONG)
    [cron] = [d for d in docs if d["kind"] == "CronJob"]
    assert len(cron["metadata"]["name"]) <= 52  # the controller appends -<11 characters>


def test_its_pods_get_what_the_app_accepts(helm: Helm, project: Path) -> None:
    sys.path.insert(0, str(project))
    try:
        sys.modules.pop("tinyapp", None)
        spec = build_spec(importlib.import_module("tinyapp").CHART)
    finally:
        sys.path.remove(str(project))
    docs = _docs(helm, project)
    start = container_start(docs, find_workload(docs, "cleanup"), "cleanup", {})
    directory = spec.decl.secrets_dir.rstrip("/") + "/"
    files = {
        path.removeprefix(directory): file.content.decode()
        for path, file in visible_files(start.mounts).items()
        if path.startswith(directory)
    }
    assert "TINY_SITE__SESSION_KEY" in files
    assert start.env["TINY_KEEP_DAYS"] == "30"
    assert check_delivered(spec.workload("cleanup"), start.env, files) == []


class _Tiny(BaseSettings):
    level: Annotated[str, VALUE, Field(description="Log level.")] = "info"


def _declaration(workload: Workload) -> ChartDeclaration:
    return ChartDeclaration(
        name="x",
        description="x",
        version="1.0.0",
        app_version="1.0.0",
        image_registry="ghcr.io",
        image_repository="acme/x",
        workloads=(workload,),
    )


@pytest.mark.parametrize(
    ("traits", "message"),
    [
        ({"kind": "CronJob"}, "a CronJob needs a schedule"),
        ({"schedule": "@daily"}, "only a CronJob takes one"),
        ({"kind": "CronJob", "schedule": "@daily", "hook": True}, "only a Job can be a hook"),
    ],
)
def test_a_kind_without_its_traits_is_refused(traits: dict[str, Any], message: str) -> None:
    workload = Workload(name="x", description="x", settings=_Tiny, command=("x",), **traits)
    with pytest.raises(SpecError, match=message):
        build_spec(_declaration(workload))
