"""Against a cluster, `helm install` refuses an existingSecret that is not in the namespace or
lacks a key its secretKeys name, naming the values key and the fix; `helm template` cannot
see the cluster and renders (the pods then wait for the Secret:
tests/chart/test_existing_secrets.py).
"""

from __future__ import annotations

import base64
import os
import subprocess
from collections.abc import Iterator

import pytest

from tests.e2e.kube import CHART, helm_binary, kubectl, restricted_namespace, run

pytestmark = pytest.mark.e2e

MINIMAL = CHART / "ci" / "minimal-values.yaml"
SECRETS = {
    "lookout-database": {"dsn": "postgresql://lookout:pw@db.example.com/lookout"},
    "lookout-object-storage": {"accessKeyId": "AKIAEXAMPLE", "secretAccessKey": "s" * 40},
    "lookout-oidc": {"clientSecret": "client-secret"},
    "lookout-auth": {
        "jwtSecret": "j" * 48,
        "encryptionKey": base64.urlsafe_b64encode(os.urandom(32)).decode(),
    },
}


@pytest.fixture(scope="module")
def namespace() -> Iterator[str]:
    with restricted_namespace("existing") as name:
        for secret, data in SECRETS.items():
            literals = [f"--from-literal={key}={value}" for key, value in data.items()]
            kubectl("-n", name, "create", "secret", "generic", secret, *literals)
        yield name


def dry_run_install(line: str, namespace: str, *sets: str) -> subprocess.CompletedProcess[str]:
    args = ["install", "lookout", str(CHART), "-n", namespace, "-f", str(MINIMAL)]
    args += [arg for value in sets for arg in ("--set", value)]
    return run(str(helm_binary(line)), *args, "--dry-run=server", check=False)


LINES = ["helm3", "helm4"]


@pytest.mark.parametrize("line", LINES)
def test_the_operators_secrets_pass(line: str, namespace: str) -> None:
    result = dry_run_install(line, namespace)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("line", LINES)
def test_a_mistyped_existing_secret_is_refused(line: str, namespace: str) -> None:
    result = dry_run_install(line, namespace, "oidc.existingSecret=lookout-odic")
    assert result.returncode != 0
    expected = f'oidc.existingSecret: no Secret "lookout-odic" in namespace {namespace}'
    assert expected in result.stderr, result.stderr
    # helm template sees no cluster: it cannot know, and renders.
    args = ["template", "lookout", str(CHART), "-f", str(MINIMAL)]
    run(str(helm_binary(line)), *args, "--set", "oidc.existingSecret=lookout-odic")


@pytest.mark.parametrize("line", LINES)
def test_a_missing_key_is_refused_until_declared_absent(line: str, namespace: str) -> None:
    sets = ("oidc.existingSecret=lookout-oidc-public", "oidc.secretKeys.clientSecret=clientSecret")
    kubectl("-n", namespace, "create", "secret", "generic", "lookout-oidc-public", check=False)
    result = dry_run_install(line, namespace, *sets)
    assert result.returncode != 0
    expected = 'oidc.existingSecret: Secret "lookout-oidc-public" has no key "clientSecret"'
    assert expected in result.stderr, result.stderr
    assert "set oidc.secretKeys.clientSecret: null if oidc.clientSecret is unused" in result.stderr
    declared = dry_run_install(line, namespace, sets[0], "oidc.secretKeys.clientSecret=null")
    assert declared.returncode == 0, declared.stderr
