"""Other vendors' apps: a from-scratch app (shortlink) and a real third-party one (Prefect).

For each, the chart is generated (which proves the env contract at build time), linted on
both Helm lines, rendered and validated by kubernetes-validate, and the rendered env of every
container is fed to the app's own settings loader, which must see every delivered value.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests import kube_validation
from tests.helm import Helm

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
# Prefect is installed in its own venv (make examples): its dependencies are not ours.
PREFECT_PYTHON = ROOT / ".tools" / "examples" / "bin" / "python"
APPS = {
    "shortlink": (Path(sys.executable), "shortlink"),
    "prefect": (PREFECT_PYTHON, "prefect-server"),
}
# Values of the Secrets the minimal values files name (existingSecret), by env var.
SECRET_VALUES = {
    "SHORTLINK_DATABASE__URL": "postgresql://links:s3cret@db.example.com:5432/links",
    "SHORTLINK_ADMIN_PASSWORD": "correct horse battery staple",
    "SHORTLINK_SESSION_SECRET": "x" * 48,
    "PREFECT_SERVER_DATABASE_CONNECTION_URL": "postgresql+asyncpg://p:s3cret@db:5432/prefect",
}
KUBERNETES = "1.34"


def _run(python: Path, project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(project), "DO_NOT_TRACK": "1"}
    env["PREFECT_HOME"] = str(project / ".prefect-home")
    return subprocess.run(
        [str(python), *args], capture_output=True, text=True, env=env, cwd=project, check=False
    )


@pytest.fixture(scope="module", params=sorted(APPS))
def example(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple:
    name = request.param
    python, chart_name = APPS[name]
    if not python.exists():
        pytest.fail(f"{python} is missing: run `make examples` (make test does it)")
    project = tmp_path_factory.mktemp(name) / name
    shutil.copytree(EXAMPLES / name, project, ignore=shutil.ignore_patterns("generated"))
    built = _run(python, project, "-m", "chartgen", "build", "--project", str(project))
    assert built.returncode == 0, built.stderr
    return name, python, project, project / "generated" / chart_name


def test_lint_on_both_helm_lines(example: tuple, helm: Helm) -> None:
    _, _, _, chart = example
    result = helm.run(
        "lint", "--strict", str(chart), "--values", str(chart / "ci/minimal-values.yaml")
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _render(helm: Helm, chart: Path) -> list[dict[str, Any]]:
    return helm.template([chart / "ci/minimal-values.yaml"], chart=chart)


def test_renders_valid_manifests(example: tuple, helm: Helm) -> None:
    _, _, _, chart = example
    docs = _render(helm, chart)
    assert {doc["kind"] for doc in docs} >= {"Deployment", "ConfigMap", "NetworkPolicy"}
    for doc in docs:
        kube_validation.validate(doc, KUBERNETES)


def _secret_value(secrets: dict, name: str, key: str, var: str, optional: bool) -> str | None:
    """A key of a rendered Secret, else of the operator's existingSecret (SECRET_VALUES)."""
    if name in secrets:
        return secrets[name].get(key)
    if var in SECRET_VALUES:
        return SECRET_VALUES[var]
    assert optional, f"{var}: required, from Secret {name!r} the test does not know"
    return None  # an optional key the existingSecret lacks: the kubelet leaves it out


def _container_inputs(docs: list[dict[str, Any]], deployment: dict[str, Any]) -> tuple:
    """(env, secret files) the kubelet gives the app container."""
    maps = {d["metadata"]["name"]: d.get("data", {}) for d in docs if d["kind"] == "ConfigMap"}
    secrets = {
        d["metadata"]["name"]: {k: base64.b64decode(v).decode() for k, v in d["data"].items()}
        for d in docs
        if d["kind"] == "Secret"
    }
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        env.update(maps[source["configMapRef"]["name"]])
    for item in container.get("env", []):
        ref = item.get("valueFrom", {})
        if "value" in item:
            env[item["name"]] = item["value"]
        elif "secretKeyRef" in ref:
            key = ref["secretKeyRef"]
            found = _secret_value(
                secrets, key["name"], key["key"], item["name"], key.get("optional", False)
            )
            if found is not None:
                env[item["name"]] = found
        elif "resourceFieldRef" in ref:
            cpu = ref["resourceFieldRef"]["resource"].endswith("cpu")
            env[item["name"]] = "1000" if cpu else str(1 << 30)
    files: dict[str, str] = {}
    for volume in pod.get("volumes", []):
        for source in volume.get("projected", {}).get("sources", []):
            secret = source["secret"]
            for item in secret["items"]:
                found = _secret_value(
                    secrets,
                    secret["name"],
                    item["key"],
                    item["path"],
                    secret.get("optional", False),
                )
                if found is not None:
                    files[item["path"]] = found
    return env, files


CHECK = """
import json, sys
from chartgen.config import load_project
from chartgen.model.proof import check_delivered
from chartgen.model.spec import build_spec
project, workload, env, files = sys.argv[1], sys.argv[2], *map(json.loads, sys.argv[3:5])
spec = build_spec(load_project(__import__("pathlib").Path(project)).load_declaration())
problems = check_delivered(spec.workload(workload), env, files)
print(json.dumps(problems))
"""


def test_the_apps_own_loader_sees_every_rendered_value(example: tuple, helm: Helm) -> None:
    _, python, project, chart = example
    docs = _render(helm, chart)
    deployments = [d for d in docs if d["kind"] == "Deployment"]
    assert deployments
    for deployment in deployments:
        workload = deployment["metadata"]["labels"]["app.kubernetes.io/component"]
        env, files = _container_inputs(docs, deployment)
        assert env, workload
        args = (str(project), workload, json.dumps(env), json.dumps(files))
        result = _run(python, project, "-c", CHECK, *args)
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout) == [], (workload, env, files)


def test_readme_claims_what_the_declaration_and_spec_bear_out(example: tuple) -> None:
    """Prefect sends analytics by default (its declaration's calls_home switch): its README
    names the switch instead of claiming nothing calls home; shortlink calls nowhere by
    default. No README repeats another app's words."""
    name, _, _, chart = example
    readme = " ".join((chart / "README.md").read_text().split())
    if name == "prefect":
        switch = "`server.settings.server.analyticsEnabled`"
        assert f"connects outside the cluster through {switch}" in readme
        assert "Nothing calls home" not in readme
    else:
        assert "Nothing calls home: with default values no workload connects" in readme
    assert "lookout" not in readme.lower()
    assert "migrations" not in readme, "only an app with a migrations workload says so"
