"""Dev mode (``dev.enabled``): an evaluation install with its own PostgreSQL, MinIO and MailDev.

ci/dev-values.yaml is one of the examples, so every test parametrised over the examples
(test_render, test_boundary, test_contract) covers dev mode with each preset too. Here, on both
Helm lines where Helm is involved: the dev render passes lint, kubernetes-validate and
checkov; the dev services are wired into the app's settings, pinned, hardened and keep their
data; the pods start in order (database, migrations, app); NOTES tells an evaluator what to do;
an upgrade keeps what Kubernetes cannot change; and, on a real PostgreSQL, the rendered init
script, ``migrate`` and ``check-database`` work with exactly what the pods get.
"""

from __future__ import annotations

import base64
import functools
import json
import os
import re
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kubernetes_validate
import psycopg
import pytest
import yaml
from lookout.chart import CHART as DECLARATION
from lookout.db.migrations import MIGRATIONS, VERSIONS
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from chartgen.dev import MAILDEV, MINIO, POSTGRESQL
from chartgen.model.spec import build_spec
from chartgen.readme import CHECKOV_WAIVERS
from tests import kube_validation
from tests.chart.test_boundary import run_checkov
from tests.chart.test_render import KUBERNETES_VERSIONS
from tests.contract import (
    ContainerStart,
    container_names,
    container_start,
    find_workload,
    run_app,
    run_check_config,
    secret_env_references,
    visible_files,
    with_secret_file,
    workloads,
    write_mounts,
)
from tests.helm import (
    CHART,
    DEV_FACTS,
    DEV_IMAGES,
    DEV_JOBS,
    DEV_WIRING,
    PINNED,
    Helm,
    RenderError,
    app_image,
    dev_components,
    dev_image,
    dev_services,
    install_notes,
    merge,
    values_of,
)

Doc = dict[str, Any]

DEV = CHART / "ci" / "dev-values.yaml"
MINIMAL = CHART / "ci" / "minimal-values.yaml"
VALUES = values_of(DEV)
SPEC = build_spec(DECLARATION)
assert DECLARATION.dev is not None and DEV_WIRING is not None, "lookout declares no dev mode"
DEV_MODE = DECLARATION.dev
# tests/helm.py renders release "rel" into namespace "obs"; `helm template` is revision 1.
NAMESPACE = "obs"
FULLNAME = "rel-lookout"
REVISION = 1
COMPONENT = "app.kubernetes.io/component"
KEEP = "helm.sh/resource-policy"
INIT_SCRIPT = "10-create-app-database.sh"
TEMPLATES = CHART / "templates"
# Tags that move: a pinned image names none of them.
MOVING_TAGS = {"", "latest", "stable", "main", "master", "edge", "dev", "nightly"}


# --------------------------------------------------------------------------------------------
# Rendering, once per Helm binary and --set (and xdist worker)


@functools.cache
def _render(helm: Helm, sets: tuple[str, ...], chart: Path) -> str:
    return json.dumps(helm.template(values=[DEV], sets=list(sets), chart=chart))


def render(helm: Helm, sets: tuple[str, ...] = (), chart: Path = CHART) -> list[Doc]:
    """The dev example's manifests (a fresh copy); fails the test with Helm's error."""
    try:
        return json.loads(_render(helm, sets, chart))
    except RenderError as error:
        pytest.fail(f"{helm.name} failed to render {DEV.name} {list(sets)}:\n{error}")


def ident(doc: Doc) -> str:
    return f"{doc['kind']}/{doc['metadata']['name']}"


def by_kind(docs: list[Doc], kind: str) -> dict[str, Doc]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def component(doc: Doc) -> str | None:
    return (doc["metadata"].get("labels") or {}).get(COMPONENT)


def pod(doc: Doc) -> Doc:
    return doc["spec"]["template"]["spec"]


def all_containers(doc: Doc) -> list[Doc]:
    return [*(pod(doc).get("initContainers") or []), *pod(doc)["containers"]]


def container(doc: Doc, name: str) -> Doc:
    [found] = [c for c in all_containers(doc) if c["name"] == name]
    return found


def secret_data(docs: list[Doc], name: str) -> dict[str, str]:
    """A rendered Secret's values, decoded."""
    data = by_kind(docs, "Secret")[name]["data"]
    return {key: base64.b64decode(value).decode() for key, value in data.items()}


def service_name(docs: list[Doc], component_name: str) -> str:
    [name] = [
        s["metadata"]["name"]
        for s in by_kind(docs, "Service").values()
        if s["spec"]["selector"].get(COMPONENT) == component_name
    ]
    return name


def service_port(docs: list[Doc], component_name: str, port_name: str) -> int:
    service = by_kind(docs, "Service")[service_name(docs, component_name)]
    [port] = [p["port"] for p in service["spec"]["ports"] if p["name"] == port_name]
    return int(port)


def database_readers() -> set[str]:
    """The app's long-running workloads that read the database (the migrations Job makes it)."""
    return {w.name for w in SPEC.workloads if "postgresql" in w.endpoints() and not w.decl.hook}


def annotations(doc: Doc) -> dict[str, str]:
    return doc["metadata"].get("annotations") or {}


# --------------------------------------------------------------------------------------------
# 1. The example, lint, kubernetes-validate, checkov


def test_dev_example_is_short_and_turns_dev_mode_on() -> None:
    text = DEV.read_text()
    assert len(text.splitlines()) <= 10, f"{DEV.name} has {len(text.splitlines())} lines"
    assert (yaml.safe_load(text) or {})["dev"]["enabled"] is True
    assert set(dev_services(VALUES)) == set(DEV_WIRING.kinds()), "every dev service runs"


def test_dev_render_lints_strict(helm: Helm) -> None:
    result = helm.run("lint", "--strict", str(CHART), "--values", str(DEV))
    assert result.returncode == 0, f"{helm.name} lint --strict:\n{result.stdout}{result.stderr}"


@pytest.mark.parametrize("kubernetes", KUBERNETES_VERSIONS)
def test_dev_manifests_validate_against_kubernetes(helm: Helm, kubernetes: str) -> None:
    docs = render(helm)
    assert {"StatefulSet", "Job", "Deployment", "NetworkPolicy"} <= {d["kind"] for d in docs}
    errors = []
    for doc in docs:
        try:
            kube_validation.validate(doc, kubernetes)
        except kubernetes_validate.ValidationError as error:
            where = ".".join(str(p) for p in error.path) or "(top)"
            errors.append(f"{ident(doc)} {where}: {error.message}")
    assert not errors, f"kubernetes-validate --strict -k {kubernetes}:\n" + "\n".join(errors)


def test_dev_render_passes_checkov_with_the_same_waivers(helm: Helm, tmp_path: Path) -> None:
    """The dev services are held to the app's bar: the README's waivers, nothing more."""
    docs = render(helm)
    (tmp_path / "dev.yaml").write_text(yaml.safe_dump_all(docs, sort_keys=False))
    run = run_checkov(tmp_path, quiet=False)
    assert not run.failures, f"checkov ({helm.name}, waivers {sorted(CHECKOV_WAIVERS)}):\n  " + (
        "\n  ".join(run.failures)
    )
    # It scanned the dev services' objects, not just the app's.
    dev_objects = {
        f"{d['kind']}.{NAMESPACE}.{d['metadata']['name']}"
        for d in docs
        if component(d) in dev_components(VALUES)
        and d["kind"] in ("StatefulSet", "Deployment", "Job", "Service")
    }
    assert dev_objects and dev_objects <= run.checked, sorted(dev_objects - run.checked)


# --------------------------------------------------------------------------------------------
# 2. The app is wired to the dev services


def expected_fact_values(docs: list[Doc]) -> dict[str, str]:
    """What each dev fact must be in the render: the release's own services and credentials."""
    postgresql = secret_data(docs, f"{FULLNAME}-{POSTGRESQL.secret}")
    minio = secret_data(docs, f"{FULLNAME}-{MINIO.secret}")
    database = DEV_MODE.database
    return {
        "postgresql.dsn": (
            f"postgresql://{database}:{postgresql['password']}@"
            f"{service_name(docs, POSTGRESQL.component)}:{POSTGRESQL.port}/{database}"
        ),
        "s3.uri": f"s3://{DEV_MODE.bucket}",
        "s3.endpoint": f"http://{service_name(docs, MINIO.component)}:{MINIO.port}",
        "s3.access_key": minio["accessKey"],
        "s3.secret_key": minio["secretKey"],
        "s3.path_style": "true",
        "smtp.host": service_name(docs, MAILDEV.component),
        "smtp.port": str(MAILDEV.port),
        "smtp.tls": "false",
    }


def test_dev_services_are_wired_into_the_app(helm: Helm) -> None:
    """Every setting DevMode wires reaches every app container reading it, from the dev
    service: plain settings through the ConfigMap, secret ones as files of the kept Secrets."""
    docs = render(helm)
    expected = expected_fact_values(docs)
    assert set(DEV_FACTS) <= set(expected)
    for service in (POSTGRESQL, MINIO, MAILDEV):
        # Each dev Service names its endpoint port after the endpoint kind.
        assert service_port(docs, service.component, service.kind) == service.port, service
    checked = 0
    for workload in SPEC.workloads:
        doc = find_workload(docs, workload.name)
        for name in container_names(doc, app_image(VALUES)):
            start = container_start(docs, doc, name, {})
            files = {key: raw.decode() for key, raw in start.secret_files().items()}
            for setting in workload.settings:
                source = DEV_WIRING.fact_of(setting)
                if source is None:
                    continue
                fact = source.name
                where = f"{ident(doc)} {name} {setting.env} ({fact})"
                if source.secret:
                    assert setting.env not in start.env, f"{where}: a secret in the environment"
                    assert files.get(setting.env) == expected[fact], where
                else:
                    assert start.env.get(setting.env) == expected[fact], where
                checked += 1
    assert checked >= len(DEV_WIRING.sources), "some wired setting reached no container"


def test_dev_without_mail_runs_no_maildev(helm: Helm) -> None:
    """dev.mail.enabled=false: no MailDev, and SMTP is the operator's again (unset here)."""
    values = merge(VALUES, {"dev": {"mail": {"enabled": False}}})
    docs = render(helm, ("dev.mail.enabled=false",))
    assert MAILDEV.kind not in dev_services(values)
    assert not [ident(d) for d in docs if component(d) == MAILDEV.component]
    [smtp_host] = {
        s.env
        for w in SPEC.workloads
        for s in w.settings
        if getattr(DEV_WIRING.fact_of(s), "name", None) == "smtp.host"
    }
    for config in by_kind(docs, "ConfigMap").values():
        assert (config.get("data") or {}).get(smtp_host, "") == "", ident(config)
    assert set(dev_services(values)) == set(DEV_WIRING.kinds()) - {MAILDEV.kind}


# --------------------------------------------------------------------------------------------
# 3. Images, data and credentials


def test_dev_services_run_pinned_images(helm: Helm) -> None:
    docs = render(helm)
    app = app_image(VALUES)
    images = {c["image"] for d in workloads(docs) for c in all_containers(d) if c["image"] != app}
    assert images == {dev_image(VALUES, name) for name in dev_components(VALUES)}
    for image in images:
        repository, _, tag = image.rpartition(":")
        assert "/" in repository and "." in repository.split("/")[0], f"{image}: no registry"
        assert tag.lower() not in MOVING_TAGS and re.search(r"\d", tag), f"{image}: not pinned"


def test_dev_data_and_credentials_outlive_uninstall(helm: Helm) -> None:
    """PostgreSQL and MinIO keep their data in volumeClaimTemplates (PVCs Helm never deletes,
    annotated keep besides); the credentials that open them sit in Secrets Helm keeps."""
    docs = render(helm)
    statefulsets = by_kind(docs, "StatefulSet")
    assert {component(s) for s in statefulsets.values()} == {POSTGRESQL.component, MINIO.component}
    assert not by_kind(docs, "PersistentVolumeClaim"), "standalone PVCs go with the release"
    for name, statefulset in statefulsets.items():
        claims = statefulset["spec"].get("volumeClaimTemplates") or []
        assert claims, f"{name}: no volumeClaimTemplates"
        selector = statefulset["spec"]["selector"]["matchLabels"]
        for claim in claims:
            where = f"{name} claim {claim['metadata']['name']}"
            assert annotations(claim).get(KEEP) == "keep", where
            # NOTES' `kubectl delete pvc -l app.kubernetes.io/instance=...` finds them.
            assert claim["metadata"]["labels"] == selector, where
            volumes = {v["name"] for v in pod(statefulset).get("volumes") or []}
            assert claim["metadata"]["name"] not in volumes, f"{where}: shadowed by a volume"
            mounts = {m["name"] for c in all_containers(statefulset) for m in c["volumeMounts"]}
            assert claim["metadata"]["name"] in mounts, f"{where}: not mounted"
    secrets_read = {
        source["secret"]["secretName"]
        for d in workloads(docs)
        if component(d) in dev_components(VALUES)
        for source in pod(d).get("volumes") or []
        if "secret" in source
    }
    dev_secrets = {f"{FULLNAME}-{fact.secret[0]}" for fact in DEV_FACTS.values() if fact.secret}
    assert secrets_read == dev_secrets
    for name, secret in by_kind(docs, "Secret").items():
        # Every Secret of a dev install holds generated values: all are kept.
        assert annotations(secret).get(KEEP) == "keep", name


def test_dev_services_get_their_credentials_as_files(helm: Helm) -> None:
    """Each dev pod starts with its credentials as files (never env values) that agree with
    the kept Secret the app reads: the files its env vars and command name exist."""
    docs = render(helm)
    postgresql = secret_data(docs, f"{FULLNAME}-dev-postgresql")
    minio = secret_data(docs, f"{FULLNAME}-dev-minio")
    starts = {
        (component(d), c["name"]): (d, container_start(docs, d, c["name"], {}))
        for d in workloads(docs)
        if component(d) in dev_components(VALUES)
        for c in all_containers(d)
    }
    for doc, _ in starts.values():
        assert secret_env_references(doc) == []
    _, start = starts[(POSTGRESQL.component, "postgresql")]
    files = visible_files(start.mounts)
    assert (
        files[start.env["POSTGRES_PASSWORD_FILE"]].content.decode()
        == postgresql["superuserPassword"]
    )
    assert files[start.env["APP_PASSWORD_FILE"]].content.decode() == postgresql["password"]
    assert start.env["APP_USER"] == start.env["APP_DATABASE"] == DEV_MODE.database
    assert INIT_SCRIPT in {Path(path).name for path in files}

    _, start = starts[(MINIO.component, "minio")]
    config = visible_files(start.mounts)[start.env["MINIO_CONFIG_ENV_FILE"]].content.decode()
    assert config == (
        f"MINIO_ROOT_USER={minio['accessKey']}\nMINIO_ROOT_PASSWORD={minio['secretKey']}\n"
    )
    assert start.env["MINIO_UPDATE"] == "off"  # no update check calls home

    doc, start = starts[(DEV_JOBS[MINIO.component], "bucket")]
    files = visible_files(start.mounts)
    script = " ".join(container(doc, "bucket")["command"])
    for path in re.findall(r"\$\(cat (\S+)\)", script):
        assert path in files, f"the bucket Job reads {path}, which is not mounted"
    assert {files[p].content.decode() for p in re.findall(r"\$\(cat (\S+)\)", script)} == {
        minio["accessKey"],
        minio["secretKey"],
    }
    assert f'"dev/{DEV_MODE.bucket}"' in script
    assert start.env["MINIO_HOST"] == service_name(docs, MINIO.component)


def test_every_container_follows_its_images_pull_policy(helm: Helm) -> None:
    """The app's containers follow image.pullPolicy; each dev service's, its own image block's
    (a mirror may hold the app but not the dev images, or the other way round)."""
    sets = ["image.pullPolicy=Always"] + [
        f"dev.{section}.{key}.pullPolicy=Never" for section, key in DEV_IMAGES.values()
    ]
    docs = render(helm, tuple(sets))
    app_images = {c["image"] for d in workloads(docs) for c in all_containers(d)} & {
        app_image(VALUES)
    }
    wrong = [
        f"{ident(d)} {c['name']}: {c.get('imagePullPolicy')}"
        for d in workloads(docs)
        for c in all_containers(d)
        if c.get("imagePullPolicy") != ("Always" if c["image"] in app_images else "Never")
    ]
    assert not wrong, wrong


# --------------------------------------------------------------------------------------------
# 4. Start-up order: database, migrations, app


def test_dev_pods_start_after_what_they_need(helm: Helm) -> None:
    """The migrations Job is a plain Job named by its content that waits for the server; every
    long-running workload reading the database waits (the app's own check-database) until it
    is migrated; the others wait for nothing."""
    docs = render(helm)
    job = find_workload(docs, "migrations")
    assert job["kind"] == "Job" and not any(k.startswith("helm.sh/hook") for k in annotations(job))
    assert re.fullmatch(f"{FULLNAME}-migrations-[0-9a-f]{{8}}", job["metadata"]["name"])
    [waiter] = pod(job)["initContainers"]
    assert waiter["image"] == dev_image(VALUES, POSTGRESQL.component)
    assert "pg_isready" in " ".join(waiter["command"])
    assert waiter["command"][-1] == service_name(docs, POSTGRESQL.component)
    assert f"--port {POSTGRESQL.port}" in " ".join(waiter["command"])
    bucket = find_workload(docs, DEV_JOBS[MINIO.component])
    assert re.fullmatch(f"{FULLNAME}-minio-bucket-[0-9a-f]{{8}}", bucket["metadata"]["name"])

    image = app_image(VALUES)
    readers = database_readers()
    assert readers, "no workload reads the database"
    for workload in SPEC.workloads:
        if workload.decl.hook:
            continue
        doc = find_workload(docs, workload.name)
        inits = pod(doc).get("initContainers") or []
        if workload.name not in readers:
            assert not inits, f"{workload.name} reads no database, yet waits: {inits}"
            continue
        [init] = inits
        [main] = pod(doc)["containers"]
        where = f"{ident(doc)} {init['name']}"
        assert init["command"] == [
            a.replace("{service}", workload.name) for a in DEV_MODE.wait_command
        ]
        assert init["image"] == image, where
        # The same config as the app: its ConfigMap and its secret files.
        assert init["envFrom"] == main["envFrom"], where
        init_start = container_start(docs, doc, init["name"], {})
        main_start = container_start(docs, doc, main["name"], {})
        assert init_start.secret_files() == main_start.secret_files(), where
        own = {var["name"] for var in main.get("env") or []}
        assert init_start.env == {k: v for k, v in main_start.env.items() if k not in own}, where
        result = run_check_config(workload.name, init_start.env, init_start.mounts)
        assert result.returncode == 0, f"{where}: check-config {workload.name}:\n{result.stderr}"


# A stand-in for mc on PATH (the script's logic is under test, not MinIO's client): records
# each call; `alias set` fails until its REFUSALS-th call, `mb` succeeds.
MC_STAND_IN = """#!/bin/sh
echo "$1" >>"$CALLS"
[ "$1" = alias ] || exit 0
count=$(grep -c alias "$CALLS")
[ "$count" -gt "$REFUSALS" ]
"""


@pytest.mark.parametrize(("refusals", "succeeds"), [(3, True), (100, False)])
def test_the_bucket_job_retries_its_first_connection_in_its_container(
    helm: Helm, tmp_path: Path, refusals: int, succeeds: bool
) -> None:
    """Where NetworkPolicies are enforced, a new pod's first connections are refused until the
    policy engine knows its address, and a Job's retry is a new pod: the bucket Job's script
    retries `mc alias set` itself (30 tries), then creates the bucket, or fails."""
    bucket = find_workload(render(helm), DEV_JOBS[MINIO.component])
    shell, flags, script = container(bucket, "bucket")["command"]
    for name, body in {"mc": MC_STAND_IN, "sleep": "#!/bin/sh\n"}.items():
        (tmp_path / name).write_text(body)
        (tmp_path / name).chmod(0o755)
    calls = tmp_path / "calls"
    environment = {"PATH": f"{tmp_path}:/usr/bin:/bin", "CALLS": str(calls)}
    done = subprocess.run(
        [shell, flags, script],
        env={**environment, "REFUSALS": str(refusals), "MINIO_HOST": "minio"},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    made = calls.read_text().split()
    if succeeds:
        assert done.returncode == 0, done.stderr
        assert made == ["alias"] * (refusals + 1) + ["mb"]
    else:
        assert done.returncode != 0
        assert made == ["alias"] * 30


# --------------------------------------------------------------------------------------------
# 5. NOTES


def notes(tmp_path: Path, *sets: str) -> str:
    return install_notes(tmp_path, [DEV], sets)


def test_dev_notes_tell_an_evaluator_what_to_do(tmp_path: Path) -> None:
    text = notes(tmp_path)
    docs = Helm("helm4", PINNED["helm4"], tmp_path).template(values=[DEV])
    assert "DEV MODE" in text and "not for production" in text
    kubectl = f"kubectl --namespace {NAMESPACE}"
    frontend = service_name(docs, "frontend")
    ui = service_port(docs, "frontend", "http")
    assert f"{kubectl} port-forward service/{frontend} {ui}:{ui}" in text
    web = service_port(docs, MAILDEV.component, "web")
    maildev = service_name(docs, MAILDEV.component)
    assert f"{kubectl} port-forward service/{maildev} {web}:{web}" in text
    assert f"http://localhost:{web}" in text

    left = text.split("`helm uninstall` leaves behind", 1)
    assert len(left) == 2, "NOTES do not say what `helm uninstall` leaves behind"
    for name in by_kind(docs, "StatefulSet"):
        assert name in left[1], f"NOTES do not name the PVCs of {name}"
    commands = {
        "pvc": f"{kubectl} delete pvc -l app.kubernetes.io/instance=rel",
        "secret": f"{kubectl} delete secret -l app.kubernetes.io/instance=rel",
    }
    for command in commands.values():
        assert command in left[1], command
    # The selectors of those commands find what is left behind.
    kept = [d for d in docs if d["kind"] == "Secret" and annotations(d).get(KEEP) == "keep"]
    claims = [
        c for s in by_kind(docs, "StatefulSet").values() for c in s["spec"]["volumeClaimTemplates"]
    ]
    assert kept and claims
    for item in [*kept, *claims]:
        assert item["metadata"]["labels"].get("app.kubernetes.io/instance") == "rel", item

    without_mail = notes(tmp_path, "dev.mail.enabled=false")
    assert "port-forward service/" + maildev not in without_mail


def test_production_notes_say_nothing_of_dev_mode(tmp_path: Path) -> None:
    helm = Helm("helm4", PINNED["helm4"], tmp_path)
    args = ["install", "rel", str(CHART), "--namespace", NAMESPACE, "--dry-run=client"]
    result = helm.run(*args, "--values", str(MINIMAL))
    assert result.returncode == 0, result.stderr
    assert "DEV MODE" not in result.stdout.split("NOTES:", 1)[1]


# --------------------------------------------------------------------------------------------
# 6. Upgrades


def test_dev_upgrade_keeps_what_kubernetes_cannot_change(helm: Helm, tmp_path: Path) -> None:
    """An upgrade to a newer chart and app version, with a changed setting, renders the same
    immutable fields: StatefulSets' selector, serviceName and volumeClaimTemplates, and
    Deployments' selectors. Jobs are immutable too: a changed one gets a new name (a hash of
    its spec), so the upgrade replaces it instead of patching it."""
    chart = tmp_path / CHART.name
    shutil.copytree(CHART, chart)
    meta = yaml.safe_load((chart / "Chart.yaml").read_text())
    meta["version"], meta["appVersion"] = "99.0.0", "99.1.0"
    (chart / "Chart.yaml").write_text(yaml.safe_dump(meta, sort_keys=False))
    before = render(helm)
    after = render(helm, ("logging.level=debug",), chart)
    # It is an upgrade: new pod templates (app image, chart labels, config checksums).
    assert (
        by_kind(before, "Deployment")[f"{FULLNAME}-api"]
        != by_kind(after, "Deployment")[f"{FULLNAME}-api"]
    )
    for kind, fields in (
        ("StatefulSet", ("selector", "serviceName", "volumeClaimTemplates")),
        ("Deployment", ("selector",)),
    ):
        old, new = by_kind(before, kind), by_kind(after, kind)
        assert old and set(old) == set(new), kind
        for name in old:
            for field in fields:
                assert old[name]["spec"][field] == new[name]["spec"][field], (
                    f"{kind} {name} {field}"
                )
    jobs, changed = by_kind(before, "Job"), by_kind(after, "Job")
    assert len(jobs) == 2 and len(changed) == 2, sorted(jobs)
    # The migrations Job runs the new image: a new Job. The bucket Job is the same one.
    assert not {n for n in jobs if "-migrations-" in n} & set(changed), sorted(changed)
    assert {n for n in jobs if "-minio-bucket-" in n} <= set(changed), sorted(changed)


LIVE = re.compile(
    r'\$live := \(lookup "v1" "Secret" \$?\.Release\.Namespace \$name\)\.data \| default dict'
)
REUSED = re.compile(
    r"index \$live (?P<key>\"[^\"]+\"|\(index \$\.Values\.[\w.]+\.secretKeys \"\w+\"\)) "
    r"\| default \(randAlphaNum \d+"
    # base64 keys are urlsafe (the app reads them so), then base64 again as Secret data.
    r"(?: \| b64enc| \| replace \"\+\" \"-\"| \| replace \"/\" \"_\")+\)"
)


def _one_line_actions(text: str) -> str:
    """``text`` with each action the generator broke over lines (chartgen.render.go_lines)
    on one line again, so a line holds a whole statement."""
    lines: list[str] = []
    for line in text.splitlines():
        if lines and lines[-1].count("{{") > lines[-1].count("}}"):
            lines[-1] += " " + line.strip()
        else:
            lines.append(line)
    return "\n".join(lines)


def template_blocks() -> Iterator[tuple[str, str]]:
    """(file, block) of each Secret block in the generated templates that makes a value up:
    the text from one ``$name :=`` to the next."""
    for path in sorted(TEMPLATES.rglob("*")):
        if not path.is_file():
            continue
        text = _one_line_actions(path.read_text())
        for block in re.split(r"(?=\{\{- \$name := )", text):
            if "randAlphaNum" in block:
                yield str(path.relative_to(CHART)), block


def test_generated_credentials_are_reused_across_upgrades_and_kept(helm: Helm) -> None:
    """Made-up values survive upgrades through Helm's ``lookup`` of the live Secret: on
    upgrade, ``index $live "<key>"`` returns the stored (base64) value and ``default`` never
    makes a new one. `helm template` and `install --dry-run=client` have no cluster, so
    ``lookup`` returns nothing and every render makes new values; `--dry-run=server` needs a
    reachable API server, which the tests do not have. So the reuse is asserted on the
    templates Helm runs: every ``randAlphaNum`` is the fallback of ``index $live <key>``,
    ``$live`` is the lookup of the Secret's own name in the release namespace, the key read is
    the key written, values composed from them (the DSN, MinIO's config.env) use only those,
    and the Secret is annotated ``helm.sh/resource-policy: keep`` (uninstall leaves it)."""
    blocks = list(template_blocks())
    files = {file for file, _ in blocks}
    assert "templates/dev/secrets.yaml" in files and "templates/secrets.yaml" in files, files
    for file, block in blocks:
        where = f"{file}: {block.splitlines()[0][:80]}"
        assert LIVE.search(block), f"{where}: no lookup of the live Secret"
        assert re.search(r"^  name: \{\{ \$name \}\}$", block, flags=re.M), where
        assert '"helm.sh/resource-policy" "keep"' in block, f"{where}: not kept"
        variables = {}
        for line in block.splitlines():
            if "randAlphaNum" not in line:
                continue
            reused = REUSED.search(line)
            assert reused, f"{where}: made up without reuse: {line.strip()}"
            if assigned := re.search(r"\{\{- \$(\w+) := index \$live", line):
                variables[assigned[1]] = reused["key"].strip('"')
                continue
            written = re.match(r"\s*(\{\{ .*? \}\}|\S+): \{\{", line)
            assert written, f"{where}: {line.strip()}"
            key, read = written[1], reused["key"]
            # A literal key, or the values' secretKeys entry: the same one read and written.
            wanted = "{{ " + read + " | quote }}" if key.startswith("{{") else read.strip('"')
            assert key == wanted, f"{where}: reads {read}, writes {key}"
        for variable, key in variables.items():
            # Written under the key it was read from.
            assert re.search(
                rf"^  {re.escape(key)}: \{{\{{ \${variable} \| quote \}}\}}$", block, re.M
            ), f"{where}: ${variable} (from {key}) is not written back as {key}"
        for line in block.splitlines():
            if "printf" in line and "b64dec" in line:
                used = set(re.findall(r"b64dec \$(\w+)", line))
                assert used <= set(variables), f"{where}: composed from {used - set(variables)}"

    docs = render(helm)
    for name in {f"{FULLNAME}-{fact.secret[0]}" for fact in DEV_FACTS.values() if fact.secret}:
        assert annotations(by_kind(docs, "Secret")[name]).get(KEEP) == "keep", name


# --------------------------------------------------------------------------------------------
# 7. On a real PostgreSQL

ADMIN_DSN_ENV = "CHARTGEN_TEST_POSTGRES_DSN"
ADMIN_DSN = os.environ.get(ADMIN_DSN_ENV, "postgresql://chartgen:chartgen@127.0.0.1:5432/postgres")
COMMAND_TIMEOUT = 60
TABLES = {
    match
    for migration in MIGRATIONS
    for statement in migration.statements
    for match in re.findall(r"CREATE TABLE (\w+)", statement)
} | {"schema_migrations"}


@pytest.fixture(scope="module")
def server() -> dict[str, str]:
    """The local server (tools/postgres.sh, `make postgres`): host, port, superuser, password."""
    if ADMIN_DSN == "":
        pytest.skip(f"{ADMIN_DSN_ENV} is set to empty")
    params = {key: str(value) for key, value in conninfo_to_dict(ADMIN_DSN).items()}
    where = f"{params.get('host')}:{params.get('port', '5432')}"
    try:
        with psycopg.connect(ADMIN_DSN, connect_timeout=5) as conn:
            row = conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            superuser = row.fetchone()
    except psycopg.OperationalError as error:
        pytest.fail(f"no PostgreSQL at {where} ({error}): run `make postgres`")
    assert superuser == (True,), f"{params.get('user')} at {where} is no superuser"
    return {"port": "5432", **params}


@pytest.fixture
def suffix(server: dict[str, str]) -> Iterator[str]:
    """A suffix unique to this test run for the app's role and database; both dropped after."""
    value = secrets.token_hex(4)
    yield value
    with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
        pattern = f"%\\_{value}"
        for (name,) in conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s", (pattern,)
        ).fetchall():
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
        for (name,) in conn.execute(
            "SELECT rolname FROM pg_roles WHERE rolname LIKE %s", (pattern,)
        ).fetchall():
            conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))


def module_arguments(command: list[str]) -> list[str]:
    """The arguments after ``python -m lookout`` of a rendered command."""
    assert command[:3] == ["python", "-m", "lookout"], command
    return command[3:]


def test_dev_database_bootstraps_migrates_and_serves_on_a_real_postgresql(
    helm: Helm, server: dict[str, str], suffix: str, tmp_path: Path
) -> None:
    """What the pods do in order, each with exactly what the render gives it, against the
    local server standing in for the dev PostgreSQL (its address replaces the Service's in
    the DSN, like the secrets directory in the contract helper):

    1. the init script of the StatefulSet creates the app's role and database, with the
       container's env (the role and database renamed per run, so runs do not collide, and
       POSTGRES_USER, the image's superuser, mapped to the local superuser: the local
       server's ``postgres`` role has no password) and its mounted password file;
    2. the migrations Job's wait for the server returns, and ``check-database`` (the app
       pods' gate) still says no: nothing is migrated;
    3. ``migrate`` with the Job's env and secret files succeeds, and again (an upgrade);
    4. the API's DSN connects and sees the tables, owned by the app's role; its gate
       (``check-database api`` as rendered) opens.
    """
    docs = render(helm)
    password = secret_data(docs, f"{FULLNAME}-dev-postgresql")["password"]
    statefulset = find_workload(docs, POSTGRESQL.component)
    start = container_start(docs, statefulset, "postgresql", {})
    env = start.env
    probe = container(statefulset, "postgresql")["readinessProbe"]["exec"]["command"]
    assert env["POSTGRES_USER"] == probe[probe.index("--username") + 1], "not the superuser"
    files = visible_files(start.mounts)
    [script_path] = [path for path in files if Path(path).name == INIT_SCRIPT]
    init_config = by_kind(docs, "ConfigMap")[f"{FULLNAME}-postgresql-init"]["data"]
    assert files[script_path].content.decode() == init_config[INIT_SCRIPT]
    assert files[env["APP_PASSWORD_FILE"]].content.decode() == password
    role, database = f"{env['APP_USER']}_{suffix}", f"{env['APP_DATABASE']}_{suffix}"
    host, port = server["host"], server["port"]

    # 1. The init script, as the image's entrypoint runs it on an empty volume.
    root = tmp_path / "postgresql"
    write_mounts(start.mounts, root)
    result = subprocess.run(
        ["sh", str(root / script_path.lstrip("/"))],
        env={
            **env,
            "APP_USER": role,
            "APP_DATABASE": database,
            "APP_PASSWORD_FILE": str(root / env["APP_PASSWORD_FILE"].lstrip("/")),
            "POSTGRES_USER": server["user"],
            "PGHOST": host,
            "PGPORT": port,
            "PGUSER": server["user"],
            "PGPASSWORD": server["password"],
            "PATH": os.environ.get("PATH", os.defpath),
        },
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, f"{INIT_SCRIPT}:\n{result.stdout}{result.stderr}"
    with psycopg.connect(ADMIN_DSN) as conn:
        owner = conn.execute(
            "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s", (database,)
        ).fetchone()
    assert owner == (role,)

    # The DSN every app pod gets: the StatefulSet's role and database, its Service and port.
    rendered_dsn = (
        f"postgresql://{env['APP_USER']}:{password}@"
        f"{service_name(docs, POSTGRESQL.component)}:{POSTGRESQL.port}/{env['APP_DATABASE']}"
    )
    local_dsn = f"postgresql://{role}:{password}@{host}:{port}/{database}"

    def started(workload: str, name: str) -> ContainerStart:
        doc = find_workload(docs, workload)
        found = container_start(docs, doc, name, {})
        assert found.secret_files()["LOOKOUT_DATABASE__DSN"].decode() == rendered_dsn, name
        mounts = with_secret_file(found.mounts, "LOOKOUT_DATABASE__DSN", local_dsn.encode())
        return ContainerStart(found.env, mounts)

    def run(arguments: list[str], start: ContainerStart) -> subprocess.CompletedProcess[str]:
        done = run_app(arguments, start.env, start.mounts, timeout=COMMAND_TIMEOUT)
        assert password not in done.stdout + done.stderr, f"{arguments} printed the password"
        return done

    # 2. The Job waits for the server; the app's gate stays closed before the migrations.
    job = find_workload(docs, "migrations")
    waiter = list(pod(job)["initContainers"][0]["command"])
    waiter[-1] = host
    waiter = [part.replace(f"--port {POSTGRESQL.port}", f"--port {port}") for part in waiter]
    waited = subprocess.run(waiter, capture_output=True, text=True, timeout=30, check=False)
    assert waited.returncode == 0, waited.stderr
    api = find_workload(docs, "api")
    gate = container(api, "wait-for-database")["command"]
    gate_start = started("api", "wait-for-database")
    closed = module_arguments(gate)
    closed[closed.index("--wait") + 1] = "0"
    result = run(closed, gate_start)
    assert result.returncode == 1, f"the gate opened before the migrations:\n{result.stderr}"

    # 3. migrate, then again as on an upgrade.
    migrate = module_arguments(container(job, "migrations")["command"])
    migrations_start = started("migrations", "migrations")
    for attempt in ("install", "upgrade"):
        result = run(migrate, migrations_start)
        assert result.returncode == 0, f"migrate ({attempt}):\n{result.stdout}{result.stderr}"
        with psycopg.connect(local_dsn) as conn:
            versions = [row[0] for row in conn.execute("SELECT version FROM schema_migrations")]
        assert sorted(versions) == sorted(VERSIONS), (attempt, versions)

    # 4. The API's DSN sees the schema, made by the app's role; its gate opens.
    api_start = started("api", "api")
    dsn = api_start.secret_files()["LOOKOUT_DATABASE__DSN"].decode()
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT t.table_name, p.tableowner FROM information_schema.tables t "
            "JOIN pg_tables p ON p.schemaname = t.table_schema AND p.tablename = t.table_name "
            "WHERE t.table_schema = 'public'"
        ).fetchall()
    assert {name for name, _ in rows} == TABLES
    assert {owner for _, owner in rows} == {role}
    result = run(module_arguments(gate), gate_start)
    assert result.returncode == 0, f"check-database api:\n{result.stdout}{result.stderr}"
