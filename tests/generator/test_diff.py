"""`chartgen diff`: each kind of change is found and classified, and the semver gate holds.

The table cases change a tiny app written here (not lookout), build its chart before and
after with the real CLI, and diff the two; the real chart's immutable-field changes are
rendered with both Helm lines.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from chartgen.diff.manifests import compare_objects
from chartgen.diff.model import Change
from chartgen.diff.normalize import CHECKSUM, GENERATED, normalize
from chartgen.diff.schema_keys import schema_keys
from chartgen.diff.semver import verdict
from chartgen.diff.values_api import compare_values
from tests.copies import ROOT, chartgen
from tests.helm import CHART, PINNED

HELM4 = PINNED["helm4"]
BASE_VERSION = "1.0.0"

APP = '''"""A tiny app: two workloads, a shared section, a few settings."""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from chartgen.model.declaration import ChartDeclaration, HttpProbe, Port, Removal, Workload
from chartgen.runtime import secret_files_source
from chartgen.runtime.roles import VALUE, Renamed, Secret, Shared, Wired

TIMEOUT = "Seconds before a request is aborted."
Mode = Literal["fast", "safe", "strict"]


class Site(BaseModel):
    model_config = ConfigDict(extra="forbid")
    public_url: Annotated[HttpUrl, VALUE, Field(description="External URL.")]
    mode: Annotated[Mode, VALUE, Field(description="Processing mode.")] = "safe"
    session_key: Annotated[SecretStr, Secret(generate=32), Field(description="Signs sessions.")]


SiteSection = Annotated[Site, Shared(), Field(description="The site.")]


class Base(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="TINY_", env_nested_delimiter="__", secrets_dir="/run/secrets/app"
    )

    @classmethod
    def settings_customise_sources(  # noqa: ANN206
        cls,
        settings_cls,  # noqa: ANN001
        init_settings,  # noqa: ANN001
        env_settings,  # noqa: ANN001
        dotenv_settings,  # noqa: ANN001
        file_secret_settings,  # noqa: ANN001
    ):
        # Nested secret files (TINY_SITE__SESSION_KEY): the plain secrets source reads only
        # top-level fields, which the build-time proof reports.
        return init_settings, env_settings, secret_files_source(file_secret_settings)


class WebSettings(Base):
    site: SiteSection
    port: Annotated[int, Wired("port"), Field(description="Listen port.")] = 8080
    timeout_seconds: Annotated[int, VALUE, Field(ge=1, le=300, description=TIMEOUT)] = 30
    page_size: Annotated[int, VALUE, Field(ge=1, description="Items per page.")] = 50


class WorkerSettings(Base):
    site: SiteSection
    batch_size: Annotated[int, VALUE, Field(ge=1, description="Items per batch.")] = 100


WORKLOADS = (
    Workload(
        name="web",
        description="Web server.",
        settings=WebSettings,
        command=("tiny", "web"),
        ports=(Port("http", 8080),),
        liveness=HttpProbe("/healthz"),
    ),
    Workload(
        name="worker",
        description="Background worker.",
        settings=WorkerSettings,
        command=("tiny", "worker"),
    ),
)
REMOVALS: tuple[Removal, ...] = ()
CHART = ChartDeclaration(
    name="tiny",
    description="A tiny app.",
    version="1.0.0",
    app_version="1.0.0",
    image_registry="ghcr.io",
    image_repository="acme/tiny",
    public_url_setting="site.public_url",
    workloads=WORKLOADS,
    removals=REMOVALS,
)
'''

PRESET = """order: 1
description: The only preset.
workloads:
  web: &scaled
    replicas: 1
    resources: &resources
      requests: {cpu: 100m, memory: 128Mi, ephemeral-storage: 64Mi}
      limits: {cpu: 500m, memory: 256Mi, ephemeral-storage: 256Mi}
    autoscaling:
      {enabled: false, minReplicas: 1, maxReplicas: 2, targetCPUUtilizationPercentage: 75}
    podDisruptionBudget: {enabled: false, maxUnavailable: 1}
    topologySpread: {enabled: false}
  worker: *scaled
"""

EXAMPLE = "site: {publicUrl: https://tiny.example.com}\n"

APP_FILE, PRESET_FILE = "tinyapp/__init__.py", "presets/small.yaml"
EXAMPLE_FILE, HELPERS = "examples/minimal-values.yaml", "templates/_helpers.tpl.j2"

REINDEX = """

class ReindexSettings(Base):
    site: SiteSection
    shards: Annotated[int, VALUE, Field(ge=1, description="Shards rebuilt at once.")] = 2


WORKLOADS += (
    Workload(
        name="reindex",
        description="One-off search index rebuild.",
        settings=ReindexSettings,
        command=("tiny", "reindex"),
        kind="Job",
    ),
)
REMOVALS"""

Edit = tuple[str, str, str]  # (file in the project, old text, new text)


def write_project(root: Path, edits: tuple[Edit, ...] = ()) -> Path:
    """A chartgen project of the tiny app: its own pyproject, package, templates, preset."""
    files = {
        "pyproject.toml": (
            '[tool.chartgen]\ndeclaration = "tinyapp:CHART"\ntemplates = "templates"\n'
        ),
        APP_FILE: APP,
        PRESET_FILE: PRESET,
        EXAMPLE_FILE: EXAMPLE,
    }
    shutil.copytree(ROOT / "chartgen" / "templates", root / "templates")
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    for name, old, new in edits:
        text = (root / name).read_text()
        assert old in text, f"{old!r} not in {name}"
        (root / name).write_text(text.replace(old, new, 1))
    return root


def build(root: Path) -> Path:
    result = chartgen(root, "build")
    assert result.returncode == 0, result.stderr
    return root / "generated" / "tiny"


def set_version(chart: Path, version: str) -> None:
    meta = chart / "Chart.yaml"
    meta.write_text(re.sub(r"(?m)^version: .*$", f"version: {version}", meta.read_text()))


def diff(
    root: Path, base: str | Path, fmt: str = "json", helm: Path = HELM4
) -> subprocess.CompletedProcess[str]:
    return chartgen(root, "diff", "--base", str(base), "--format", fmt, "--helm", str(helm))


def report_of(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)


def changes_of(report: dict[str, Any], kind: str, subject: str) -> list[dict[str, Any]]:
    return [
        c
        for c in report["changes"]
        if c["kind"] == kind and subject in (c.get("path"), c.get("object"))
    ]


@dataclass(frozen=True)
class Case:
    name: str
    edits: tuple[Edit, ...]
    kind: str
    subject: str  # dotted values path, or Kind/name of a rendered object
    classification: str
    enough: str  # a version after 1.0.0 that covers the change
    short: str  # one that does not

    @property
    def required(self) -> str:
        return {"breaking": "major"}.get(self.classification, "patch")


BREAKING, ATTENTION, SAFE = "breaking", "needs-attention", "safe"
PAGE_SIZE = (
    '    page_size: Annotated[int, VALUE, Field(ge=1, description="Items per page.")] = 50\n'
)
TIMEOUT = "    timeout_seconds: Annotated[int, VALUE, Field(ge=1, le=300, description=TIMEOUT)]"
RETRIES = '    retries: Annotated[int, VALUE, Field(ge=0, description="Retries.")] = 3\n'
MODES = 'Mode = Literal["fast", "safe", "strict"]'
# The selector labels' component label, and the same label changed.
SELECTOR = 'app.kubernetes.io/component: %s"'
SELECTOR_CHANGED = 'app.kubernetes.io/component: %s-v2"'
WORKER = APP[APP.index('    Workload(\n        name="worker"') : APP.index("\n)\nREMOVALS")]

CASES = [
    Case(
        "key-added",
        ((APP_FILE, PAGE_SIZE, PAGE_SIZE + RETRIES),),
        "added",
        "web.settings.retries",
        SAFE,
        "1.0.1",
        "1.0.0",
    ),
    Case(
        "key-removed",
        ((APP_FILE, PAGE_SIZE, ""),),
        "removed",
        "web.settings.pageSize",
        BREAKING,
        "2.0.0",
        "1.1.0",
    ),
    Case(
        "type-changed",
        (
            (
                APP_FILE,
                'Annotated[int, VALUE, Field(ge=1, description="Items per page.")] = 50',
                'Annotated[str, VALUE, Field(description="Items per page.")] = "50"',
            ),
        ),
        "type-changed",
        "web.settings.pageSize",
        BREAKING,
        "2.0.0",
        "1.1.0",
    ),
    Case(
        "newly-required",
        (
            (APP_FILE, f"{TIMEOUT} = 30", TIMEOUT),
            # The chart's own example must set it now; the base chart's no longer renders.
            (EXAMPLE_FILE, "}\n", "}\nweb: {settings: {timeoutSeconds: 30}}\n"),
        ),
        "newly-required",
        "web.settings.timeoutSeconds",
        BREAKING,
        "2.0.0",
        "1.9.9",
    ),
    Case(
        "enum-narrowed",
        ((APP_FILE, MODES, 'Mode = Literal["fast", "safe"]'),),
        "enum-narrowed",
        "site.mode",
        BREAKING,
        "2.0.0",
        "1.1.0",
    ),
    Case(
        "enum-widened",
        ((APP_FILE, MODES, 'Mode = Literal["fast", "safe", "strict", "turbo"]'),),
        "enum-widened",
        "site.mode",
        SAFE,
        "1.1.0",
        "1.0.0",
    ),
    Case(
        "range-narrowed",
        ((APP_FILE, "le=300", "le=120"),),
        "range-narrowed",
        "web.settings.timeoutSeconds",
        BREAKING,
        "2.0.0",
        "1.1.0",
    ),
    Case(
        "range-widened",
        ((APP_FILE, "ge=1, le=300", "ge=0, le=600"),),
        "range-widened",
        "web.settings.timeoutSeconds",
        SAFE,
        "1.0.1",
        "1.0.0",
    ),
    Case(
        "default-changed",
        ((APP_FILE, '"Items per batch.")] = 100', '"Items per batch.")] = 200'),),
        "default-changed",
        "worker.settings.batchSize",
        ATTENTION,
        "1.0.1",
        "1.0.0",
    ),
    Case(
        "description-changed",
        ((APP_FILE, '"Items per batch."', '"Items processed in one batch."'),),
        "description-changed",
        "worker.settings.batchSize",
        SAFE,
        "1.0.1",
        "1.0.0",
    ),
    Case(
        "workload-added",
        (
            (APP_FILE, "\nREMOVALS", REINDEX),
            (
                PRESET_FILE,
                "  worker: *scaled\n",
                "  worker: *scaled\n  reindex: {resources: *resources}\n",
            ),
        ),
        "object-added",
        "Job/tiny-reindex-<content hash>",
        ATTENTION,
        "1.0.1",
        "1.0.0",
    ),
    Case(
        "workload-removed",
        (
            (APP_FILE, WORKER, ""),
            (PRESET_FILE, "  worker: *scaled\n", ""),
        ),
        "object-removed",
        "Deployment/tiny-worker",
        BREAKING,
        "2.0.0",
        "1.1.0",
    ),
    Case(
        "selector-changed",
        ((HELPERS, SELECTOR, SELECTOR_CHANGED),),
        "immutable-field-changed",
        "Deployment/tiny-web",
        BREAKING,
        "2.0.0",
        "1.1.0",
    ),
    Case(
        "declared-rename",
        (
            (
                APP_FILE,
                "timeout_seconds: Annotated[int, VALUE,",
                "request_timeout_seconds: Annotated[\n"
                '        int, VALUE, Renamed("timeout_seconds", "2.0.0"),',
            ),
        ),
        "renamed",
        "web.settings.timeoutSeconds",
        BREAKING,
        "2.0.0",
        "1.1.0",
    ),
    Case(
        "declared-removal",
        (
            (APP_FILE, PAGE_SIZE, ""),
            (
                APP_FILE,
                "REMOVALS: tuple[Removal, ...] = ()",
                'REMOVALS = (Removal("web.settings.pageSize", "2.0.0", "the client pages"),)',
            ),
        ),
        "declared-removal",
        "web.settings.pageSize",
        BREAKING,
        "2.0.0",
        "1.1.0",
    ),
]


@pytest.fixture(scope="module")
def base_chart(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny app's chart before any change (version 1.0.0), shared by every case."""
    return build(write_project(tmp_path_factory.mktemp("base")))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The project of a case, changed and built once per module (cases share them)."""
    projects: dict[str, Path] = {}

    def project(case: Case) -> Path:
        if case.name not in projects:
            root = write_project(tmp_path_factory.mktemp(case.name), case.edits)
            build(root)
            projects[case.name] = root
        return projects[case.name]

    return project


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_a_change_is_found_classified_and_gated(case: Case, base_chart: Path, built: Any) -> None:
    root = built(case)
    chart = root / "generated" / "tiny"

    set_version(chart, case.enough)
    enough = diff(root, base_chart)
    report = report_of(enough)
    found = changes_of(report, case.kind, case.subject)
    assert found, json.dumps(report["changes"], indent=1)
    assert {c["classification"] for c in found} == {case.classification}
    assert all(c["reason"] for c in found)
    # Nothing worse than the case's change crept in (renders, other keys).
    assert report["verdict"]["required"] == case.required, report["changes"]
    assert enough.returncode == 0, report["verdict"]
    assert (report["baseVersion"], report["version"]) == (BASE_VERSION, case.enough)

    set_version(chart, case.short)
    short = diff(root, base_chart)
    assert short.returncode == 1
    assert report_of(short)["verdict"]["ok"] is False
    assert f"need a {case.required} bump" in short.stderr


def _section(markdown: str, title: str) -> str:
    start = markdown.index(f"### {title}\n")
    end = markdown.find("\n### ", start + 1)
    return markdown[start : end if end != -1 else None]


def test_markdown_notes_say_what_to_do(base_chart: Path, built: Any) -> None:
    rename = next(case for case in CASES if case.name == "declared-rename")
    root = built(rename)
    set_version(root / "generated" / "tiny", "2.0.0")
    result = diff(root, base_chart, fmt="markdown")
    assert result.returncode == 0, result.stderr
    notes = result.stdout
    assert notes.startswith("## 2.0.0 (from 1.0.0)\n")
    headings = re.findall(r"(?m)^### (.+)$", notes)
    assert headings == ["Breaking changes", "Needs attention", "Safe", "Version"]
    breaking = _section(notes, "Breaking changes")
    assert "move `web.settings.timeoutSeconds` to `web.settings.requestTimeoutSeconds`" in breaking
    # A rename is one entry, not a removal plus an addition.
    assert "requestTimeoutSeconds`**" not in notes
    assert "no longer in the schema" not in notes
    assert "OK" in _section(notes, "Version")


def test_the_base_may_be_a_git_revision(tmp_path: Path) -> None:
    root = write_project(tmp_path)
    build(root)
    git = ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "-c", "commit.gpgsign=false", "commit", "-qm", "base"], check=True)
    default_changed = next(case for case in CASES if case.name == "default-changed")
    for name, old, new in default_changed.edits:
        (root / name).write_text((root / name).read_text().replace(old, new))
    set_version(build(root), "1.0.1")

    report = report_of(diff(root, "HEAD"))
    assert report["base"].startswith("`HEAD`")
    assert changes_of(report, "default-changed", "worker.settings.batchSize")
    assert report["verdict"]["ok"] is True


def test_usage_errors_exit_2(base_chart: Path, tmp_path: Path) -> None:
    root = write_project(tmp_path)
    build(root)
    unknown = diff(root, "no-such-revision")
    assert unknown.returncode == 2
    assert "--base no-such-revision: no chart directory there" in unknown.stderr
    no_helm = diff(root, base_chart, helm=tmp_path / "missing-helm")
    assert no_helm.returncode == 2
    assert "missing-helm" in no_helm.stderr
    bad_format = diff(root, base_chart, fmt="yaml")
    assert bad_format.returncode == 2


SERVICE_NAME = "serviceName: {{ $name }}"


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new))


@pytest.mark.parametrize("helm_line", sorted(PINNED))
def test_immutable_changes_in_the_real_chart(helm_line: str, tmp_path: Path) -> None:
    """lookout's own chart, its selector labels and PostgreSQL serviceName changed in a copy."""
    base = tmp_path / "base"
    shutil.copytree(CHART, base)
    root = tmp_path / "project"
    current = root / "generated" / "lookout"
    shutil.copytree(base, current)
    (root / "pyproject.toml").write_text('[tool.chartgen]\ndeclaration = "lookout.chart:CHART"\n')
    _edit(current / "templates" / "_helpers.tpl", SELECTOR, SELECTOR_CHANGED)
    _edit(current / "templates/dev/postgresql.yaml", SERVICE_NAME, f"{SERVICE_NAME}-headless")

    result = diff(root, base, helm=PINNED[helm_line])
    report = report_of(result)
    found = {
        (c["object"], c["field"]): c
        for c in report["changes"]
        if c["kind"] == "immutable-field-changed"
    }
    selector = found[("Deployment/lookout-api", "spec.selector")]
    assert selector["classification"] == "breaking"
    assert selector["before"]["matchLabels"]["app.kubernetes.io/component"] == "api"
    assert selector["after"]["matchLabels"]["app.kubernetes.io/component"] == "api-v2"
    service_name = found[("StatefulSet/lookout-postgresql", "spec.serviceName")]
    assert service_name["classification"] == "breaking"
    assert service_name["after"] == "lookout-postgresql-headless"
    assert {r.split(" × ")[0] for r in service_name["renders"]} == {"ci/dev-values.yaml"}
    assert (
        "kubectl delete statefulset lookout-postgresql --cascade=orphan" in (service_name["action"])
    )
    # Same version on 0.x: a breaking change needs a minor bump.
    assert result.returncode == 1
    assert report["verdict"]["required"] == "minor"
    # Generated secrets and the checksums following them are random per render: no noise.
    assert not [c for c in report["changes"] if c["kind"] != "immutable-field-changed"]


# --------------------------------------------------------------------------------------------
# The pure parts, on hand-written inputs


def _keys(properties: dict[str, Any], **extra: Any) -> Any:
    return schema_keys({"type": "object", "properties": properties, **extra})


def test_additional_properties_tightened_and_a_retired_section() -> None:
    labels = {"type": "object", "additionalProperties": {"type": "string"}}
    base = _keys(
        {
            "labels": labels,
            "extra": {"type": "object"},
            "old": {"type": "object", "properties": {"a": {"type": "integer"}}},
        }
    )
    current = _keys(
        {
            "labels": {**labels, "additionalProperties": False},
            "extra": {"type": "object", "additionalProperties": False},
            "old": {"deprecated": True, "x-renamed-to": "new", "x-since": "2.0.0"},
            "new": {"type": "object", "properties": {"a": {"type": "string"}}},
        }
    )
    changes = {(c.kind, c.path): c for c in compare_values(base, current, {}, {})}
    assert changes["additional-properties-tightened", "labels"].classification == "breaking"
    assert changes["additional-properties-tightened", "extra"].classification == "breaking"
    # A renamed section renames its keys: a type change inside still shows, at the new path.
    assert changes["renamed", "old"].action == "move `old` to `new`"
    assert changes["type-changed", "new.a"].classification == "breaking"
    assert ("added", "new") not in changes and ("removed", "old") not in changes


def test_refs_and_nullable_alternatives_are_resolved() -> None:
    schema = {
        "$defs": {"Size": {"type": "object", "properties": {"n": {"type": "integer"}}}},
        "type": "object",
        "properties": {
            "size": {"$ref": "#/$defs/Size", "description": "Own words."},
            "level": {"anyOf": [{"enum": ["a", "b"], "type": "string"}, {"type": "null"}]},
        },
    }
    keys = schema_keys(schema).keys
    assert keys[("size",)].description == "Own words."
    assert keys[("size", "n")].types == {"integer"}
    assert keys[("level",)].types == {"string", "null"}
    assert keys[("level",)].enum == ("a", "b")


def test_random_generated_values_are_normalized() -> None:
    kept = {
        "kind": "Secret",
        "metadata": {"name": "s", "annotations": {"helm.sh/resource-policy": "keep"}},
        "data": {"password": "cmFuZG9t"},
    }
    deployment = {
        "kind": "Deployment",
        "metadata": {"name": "d"},
        "spec": {"template": {"metadata": {"annotations": {"checksum/secrets": "abc"}}}},
    }
    secret, pods = normalize([kept, deployment])
    assert secret["data"] == {"password": GENERATED}
    assert pods["spec"]["template"]["metadata"]["annotations"] == {"checksum/secrets": CHECKSUM}
    assert kept["data"] == {"password": "cmFuZG9t"}  # the input is left alone


@pytest.mark.parametrize(
    ("base", "current", "classification", "ok"),
    [
        ("0.3.0", "0.4.0", "breaking", True),  # 0.x: minor is enough for breaking changes
        ("0.3.0", "0.3.1", "breaking", False),
        ("1.2.3", "2.0.0", "breaking", True),
        ("1.2.3", "1.3.0", "breaking", False),
        ("1.2.3", "1.2.4", "needs-attention", True),
        ("1.2.3", "1.2.3", "safe", False),
        ("1.2.3", "1.2.2", "safe", False),
    ],
)
def test_semver_gate(base: str, current: str, classification: str, ok: bool) -> None:
    change = Change("x", classification, "why")  # type: ignore[arg-type]
    assert verdict(base, current, [change]).ok is ok
    assert verdict(base, base, []).ok is True


def _pvc(size: str, storage_class: str = "fast") -> dict[str, Any]:
    spec = {"storageClassName": storage_class, "resources": {"requests": {"storage": size}}}
    return {"kind": "PersistentVolumeClaim", "metadata": {"name": "data"}, "spec": spec}


def _job(image: str, hook: bool = False) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": "migrate"}
    if hook:
        metadata["annotations"] = {"helm.sh/hook": "pre-upgrade"}
    pod = {"spec": {"containers": [{"name": "m", "image": image}]}}
    return {"kind": "Job", "metadata": metadata, "spec": {"template": pod}}


def _service(cluster_ip: str | None) -> dict[str, Any]:
    spec = {"clusterIP": cluster_ip} if cluster_ip else {}
    return {"kind": "Service", "metadata": {"name": "db"}, "spec": spec}


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        (_pvc("8Gi"), _pvc("4Gi"), ("breaking", "spec.resources.requests.storage")),
        (_pvc("8Gi"), _pvc("8Gi", "slow"), ("breaking", "spec.storageClassName")),
        (_pvc("8Gi"), _pvc("16Gi"), ("needs-attention", "spec.resources.requests.storage")),
        (_service(None), _service("None"), ("breaking", "spec.clusterIP")),
        (_job("app:1"), _job("app:2"), ("breaking", "spec.template")),
        (_job("app:1", hook=True), _job("app:2", hook=True), None),  # recreated every time
        (_pvc("8Gi"), _pvc("8Gi"), None),
    ],
)
def test_fields_kubernetes_cannot_update(
    before: dict[str, Any], after: dict[str, Any], expected: tuple[str, str] | None
) -> None:
    changes = compare_objects([before], [after], lambda _: False)
    assert [(c.classification, c.field) for c in changes] == ([expected] if expected else [])


def _ports(*numbers: int) -> dict[str, Any]:
    ports = [{"name": f"p{n}", "port": n, "targetPort": n} for n in numbers]
    return {"kind": "Service", "metadata": {"name": "ingest"}, "spec": {"ports": ports}}


def test_a_service_port_the_upgrade_drops_is_breaking() -> None:
    """Its clients' connections are refused after the upgrade; a port added is no concern."""
    [change] = compare_objects([_ports(4317, 4318)], [_ports(4318, 9000)], lambda _: False)
    assert (change.kind, change.classification, change.before) == (
        "service-port-removed",
        "breaking",
        4317,
    )
    assert "port 4317 (p4317)" in change.reason and "Service/ingest" in change.action
    assert compare_objects([_ports(4318)], [_ports(4318, 9000)], lambda _: False) == []


def test_a_job_named_per_revision_is_new_on_every_upgrade() -> None:
    changes = compare_objects([_job("app:1")], [_job("app:2")], {("Job", "migrate")}.__contains__)
    assert changes == []


def _service_of(kind: str = "ClusterIP", protocol: str = "TCP", node_port: int = 0) -> dict:
    port: dict[str, Any] = {"name": "dns", "port": 53, "protocol": protocol}
    if node_port:
        port["nodePort"] = node_port
    return {"kind": "Service", "metadata": {"name": "dns"}, "spec": {"type": kind, "ports": [port]}}


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        (_service_of(), _service_of(protocol="UDP"), ("service-port-protocol", "breaking")),
        (
            _service_of("NodePort", node_port=30053),
            _service_of("NodePort", node_port=30054),
            ("service-node-port", "needs-attention"),
        ),
        (_service_of("LoadBalancer"), _service_of(), ("service-type", "breaking")),
        (_service_of(), _service_of("LoadBalancer"), ("service-type", "needs-attention")),
        (_service_of("NodePort", node_port=30053), _service_of("NodePort"), None),  # assigned
        (_service_of(), _service_of(), None),
    ],
)
def test_what_a_services_clients_notice_is_reported(
    before: dict[str, Any], after: dict[str, Any], expected: tuple[str, str] | None
) -> None:
    changes = compare_objects([before], [after], lambda _: False)
    assert [(c.kind, c.classification) for c in changes] == ([expected] if expected else [])
    if expected:
        assert "Service/dns" in changes[0].action
