"""Chart-generated credentials through Helm's real ``lookup``, on both Helm lines.

test_dev checks the templates' source for the reuse; here the real Helm binaries render with
``--dry-run=server`` against tests/kube_api.py, a stand-in API server on 127.0.0.1, so
``lookup "v1" "Secret"`` really queries it. Without live Secrets every render makes new
values; with the Secrets an earlier render made (as Helm would have created them), a later
revision keeps every generated value, and what is composed from them (the dev DSN, MinIO's
config.env).
"""

from __future__ import annotations

import base64
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.helm import CHART, Helm
from tests.kube_api import FakeKubeAPI

Doc = dict[str, Any]

DEV = CHART / "ci" / "dev-values.yaml"
MINIMAL = CHART / "ci" / "minimal-values.yaml"
NAMESPACE = "obs"  # Helm.template_args renders release "rel" into namespace "obs"
DEV_SECRETS = (
    "rel-lookout-dev-postgresql",
    "rel-lookout-dev-minio",
    "rel-lookout-admin",
    "rel-lookout-auth",
)
ADMIN = "rel-lookout-admin"
# An unrelated change, standing in for a later revision's values.
LATER = "podAnnotations.revision=two"
# Settings that would send Helm to another cluster than the one in --kubeconfig.
FOREIGN_ENV = ("KUBECONFIG", "HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy")


@pytest.fixture(scope="module")
def server() -> Iterator[FakeKubeAPI]:
    api = FakeKubeAPI().start()
    try:
        yield api
    finally:
        api.stop()


@pytest.fixture
def kube(server: FakeKubeAPI) -> FakeKubeAPI:
    """The stand-in API server, with no objects and no requests recorded yet."""
    server.clear()
    return server


@pytest.fixture(scope="module")
def kubeconfig(server: FakeKubeAPI, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return server.write_kubeconfig(tmp_path_factory.mktemp("kube") / "config")


def render(helm: Helm, kubeconfig: Path, values: Path, sets: tuple[str, ...] = ()) -> list[Doc]:
    """`helm template --dry-run=server` against the stand-in: ``lookup`` queries it.

    OpenAPI validation is off: the stand-in serves no OpenAPI documents (Helm 4 asks for them).
    """
    args = [
        *helm.template_args(values=[values], sets=list(sets)),
        "--dry-run=server",
        "--disable-openapi-validation",
        "--qps=1000",  # no client-side throttling of the ~100 requests a render makes
        "--kubeconfig",
        str(kubeconfig),
    ]
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("HELM_") and key not in FOREIGN_ENV
    }
    env.update(
        HELM_CACHE_HOME=str(helm.home / "cache"),
        HELM_CONFIG_HOME=str(helm.home / "config"),
        HELM_DATA_HOME=str(helm.home / "data"),
    )
    result = subprocess.run(
        [str(helm.binary), *args], capture_output=True, text=True, env=env, timeout=120
    )
    if result.returncode != 0:
        pytest.fail(f"{helm.name} {' '.join(args)} failed:\n{result.stderr}")
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def secrets(docs: list[Doc]) -> dict[str, Doc]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == "Secret"}


def decoded(secret: Doc) -> dict[str, str]:
    return {key: base64.b64decode(value).decode() for key, value in secret["data"].items()}


def store_as_installed(kube: FakeKubeAPI, secret: Doc) -> None:
    """The Secret as Helm created it: the rendered object plus Helm's ownership annotations
    (Helm 4 checks them before adopting an existing object into the release)."""
    live = {**secret, "metadata": {**secret["metadata"]}}
    live["metadata"]["annotations"] = {
        **(secret["metadata"].get("annotations") or {}),
        "meta.helm.sh/release-name": "rel",
        "meta.helm.sh/release-namespace": NAMESPACE,
    }
    kube.put(live)


def looked_up(kube: FakeKubeAPI, name: str) -> bool:
    return ("GET", f"/api/v1/namespaces/{NAMESPACE}/secrets/{name}") in kube.requests


def test_without_live_secrets_every_render_generates_new_credentials(
    helm: Helm, kube: FakeKubeAPI, kubeconfig: Path
) -> None:
    first = secrets(render(helm, kubeconfig, DEV))
    second = secrets(render(helm, kubeconfig, DEV))
    for name in DEV_SECRETS:
        assert looked_up(kube, name), f"{helm.name}: no lookup of Secret {name}"
        before, after = decoded(first[name]), decoded(second[name])
        assert before.keys() == after.keys(), name
        for key in before:
            assert before[key] != after[key], f"{name}.{key} is not generated: {before[key]!r}"


def test_a_later_revision_reuses_every_generated_dev_credential(
    helm: Helm, kube: FakeKubeAPI, kubeconfig: Path
) -> None:
    first = secrets(render(helm, kubeconfig, DEV))
    for name in DEV_SECRETS:
        store_as_installed(kube, first[name])
    later_docs = render(helm, kubeconfig, DEV, sets=(LATER,))
    later = secrets(later_docs)

    annotated = [
        d
        for d in later_docs
        if d["kind"] in {"Deployment", "StatefulSet"}
        and (d["spec"]["template"]["metadata"].get("annotations") or {}).get("revision") == "two"
    ]
    assert annotated, f"{helm.name}: --set {LATER} changed nothing"
    for name in DEV_SECRETS:
        assert looked_up(kube, name), f"{helm.name}: no lookup of Secret {name}"
        assert later[name]["data"] == first[name]["data"], f"{helm.name}: {name} not reused"

    # The composed values hold the reused credentials (and are themselves unchanged above).
    postgresql = decoded(later["rel-lookout-dev-postgresql"])
    assert f":{postgresql['password']}@" in postgresql["dsn"]
    minio = decoded(later["rel-lookout-dev-minio"])
    assert minio["config.env"] == (
        f"MINIO_ROOT_USER={minio['accessKey']}\nMINIO_ROOT_PASSWORD={minio['secretKey']}\n"
    )


def test_production_reuses_the_generated_bootstrap_password(
    helm: Helm, kube: FakeKubeAPI, kubeconfig: Path
) -> None:
    first = secrets(render(helm, kubeconfig, MINIMAL))
    assert looked_up(kube, ADMIN), f"{helm.name}: no lookup of Secret {ADMIN}"
    fresh = secrets(render(helm, kubeconfig, MINIMAL))
    assert first[ADMIN]["data"].keys() == {"bootstrapPassword"}
    assert fresh[ADMIN]["data"] != first[ADMIN]["data"], "bootstrapPassword is not generated"

    store_as_installed(kube, first[ADMIN])
    later = secrets(render(helm, kubeconfig, MINIMAL, sets=(LATER,)))
    assert later[ADMIN]["data"] == first[ADMIN]["data"], f"{helm.name}: {ADMIN} not reused"
