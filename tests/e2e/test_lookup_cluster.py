"""Chart-generated credentials through Helm's real ``lookup`` against the real API server, on
both Helm lines: `helm template --dry-run=server` with no live Secrets makes new values every
render; once the first render's Secrets exist (created as Helm would, with its ownership
annotations), a later revision keeps every generated value and what is composed from them
(the dev DSN, MinIO's config.env). Production (minimal values) keeps the bootstrap password.
Reuse can only come from a lookup, so these cover what tests/test_lookup.py checked against
its stand-in API server (tests/kube_api.py, retired), request log included."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.e2e.kube import CHART, DEV_VALUES, helm_binary, kubectl, restricted_namespace, run
from tests.e2e.test_existing_secrets import SECRETS as OPERATOR_SECRETS

pytestmark = pytest.mark.e2e

Doc = dict[str, Any]
MINIMAL = CHART / "ci" / "minimal-values.yaml"
RELEASE = "rel"
DEV_SECRETS = (
    "rel-lookout-dev-postgresql",
    "rel-lookout-dev-minio",
    "rel-lookout-admin",
    "rel-lookout-auth",
)
ADMIN = "rel-lookout-admin"
LATER = "podAnnotations.revision=two"


@pytest.fixture(params=["helm3", "helm4"])
def line(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def namespace() -> Iterator[str]:
    with restricted_namespace("lookup") as name:
        yield name


def render(line: str, namespace: str, values: Path, *sets: str) -> dict[str, Doc]:
    """The rendered Secrets of `helm template --dry-run=server`: ``lookup`` asks the cluster."""
    args = ["template", RELEASE, str(CHART), "--namespace", namespace, "-f", str(values)]
    for item in sets:
        args += ["--set", item]
    done = run(str(helm_binary(line)), *args, "--dry-run=server")
    docs = [doc for doc in yaml.safe_load_all(done.stdout) if doc]
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == "Secret"}


def decoded(secret: Doc) -> dict[str, str]:
    return {key: base64.b64decode(value).decode() for key, value in secret["data"].items()}


def create_as_installed(namespace: str, secret: Doc) -> None:
    """The Secret as Helm would have created it, with its ownership annotations (Helm 4
    checks them before adopting an existing object into the release)."""
    metadata = {**secret["metadata"], "namespace": namespace}
    metadata["annotations"] = {
        **(metadata.get("annotations") or {}),
        "meta.helm.sh/release-name": RELEASE,
        "meta.helm.sh/release-namespace": namespace,
    }
    live = json.dumps({**secret, "metadata": metadata})
    kubectl("-n", namespace, "create", "-f", "-", stdin=live)


def test_without_live_secrets_every_render_generates_new_credentials(
    line: str, namespace: str
) -> None:
    first, second = render(line, namespace, DEV_VALUES), render(line, namespace, DEV_VALUES)
    for name in DEV_SECRETS:
        before, after = decoded(first[name]), decoded(second[name])
        assert before.keys() == after.keys(), name
        for key in before:
            assert before[key] != after[key], f"{name}.{key} is not generated: {before[key]!r}"


def test_a_later_revision_reuses_every_generated_dev_credential(line: str, namespace: str) -> None:
    first = render(line, namespace, DEV_VALUES)
    for name in DEV_SECRETS:
        create_as_installed(namespace, first[name])
    later = render(line, namespace, DEV_VALUES, LATER)
    for name in DEV_SECRETS:
        assert later[name]["data"] == first[name]["data"], f"{line}: {name} not reused"
    postgresql = decoded(later["rel-lookout-dev-postgresql"])
    assert f":{postgresql['password']}@" in postgresql["dsn"]
    minio = decoded(later["rel-lookout-dev-minio"])
    assert minio["config.env"] == (
        f"MINIO_ROOT_USER={minio['accessKey']}\nMINIO_ROOT_PASSWORD={minio['secretKey']}\n"
    )


def test_production_reuses_the_generated_bootstrap_password(line: str, namespace: str) -> None:
    # The operator's existingSecrets come first: once the namespace holds Secrets, the chart
    # checks that those its values name exist.
    for secret, data in OPERATOR_SECRETS.items():
        literals = [f"--from-literal={key}={value}" for key, value in data.items()]
        kubectl("-n", namespace, "create", "secret", "generic", secret, *literals)
    first = render(line, namespace, MINIMAL)
    fresh = render(line, namespace, MINIMAL)
    assert first[ADMIN]["data"].keys() == {"bootstrapPassword"}
    assert fresh[ADMIN]["data"] != first[ADMIN]["data"], "bootstrapPassword is not generated"
    create_as_installed(namespace, first[ADMIN])
    later = render(line, namespace, MINIMAL, LATER)
    assert later[ADMIN]["data"] == first[ADMIN]["data"], f"{line}: {ADMIN} not reused"
