"""The minimal production values (ci/minimal-values.yaml) on both Helm lines, against a dev
release's PostgreSQL and MinIO standing in for the customer's: a database and role of its own
made in that PostgreSQL (as the customer's DBA would), the Secrets the README's "Installing
the chart" creates, the NetworkPolicies' egress `peers` selecting the dev services' pods.
The cluster enforces NetworkPolicies (cluster/up.sh): the stand-ins' own policies admit only
their release, so the customer's side opens them to the app (as a database's firewall would),
and the app gets through its own policies by those egress peers alone. Then the app's flow
through the Services."""

from __future__ import annotations

import base64
import json
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.e2e import flows
from tests.e2e.kube import (
    CHART,
    DEV_VALUES,
    IMAGES_VALUES,
    Release,
    assert_all_ready,
    kube_json,
    kubectl,
    restricted_namespace,
)

pytestmark = pytest.mark.e2e

MINIMAL = CHART / "ci" / "minimal-values.yaml"
SOURCE = "src"  # the dev release standing in for the customer's services
DATABASE = "production"


def peer(component: str) -> dict[str, object]:
    labels = {"app.kubernetes.io/instance": SOURCE, "app.kubernetes.io/component": component}
    return {"podSelector": {"matchLabels": labels}}


def overrides(path: Path) -> Path:
    """Where the customer's services are: the dev release's, inside the cluster."""
    values = {
        # The node has 2 CPUs, shared with the dev release: the default preset's requests
        # (small, two replicas of each service) do not fit beside it.
        "preset": "tiny",
        "objectStorage": {
            "uri": "s3://lookout/production",
            "endpointUrl": f"http://{SOURCE}-lookout-minio:9000",
            "forcePathStyle": True,
        },
        "networkPolicy": {
            "egress": {
                "postgresql": {"cidrs": [], "peers": [peer("postgresql")], "ports": [5432]},
                "s3": {"cidrs": [], "peers": [peer("minio")], "ports": [9000]},
            }
        },
    }
    path.write_text(yaml.safe_dump(values))
    return path


def create_database(namespace: str) -> str:
    """A role and database of its own in the dev PostgreSQL (local socket: trust); its DSN."""
    password = secrets.token_hex(16)
    statements = (
        f"CREATE ROLE {DATABASE} LOGIN PASSWORD '{password}'",
        f"CREATE DATABASE {DATABASE} OWNER {DATABASE}",
    )
    for statement in statements:
        kubectl(
            "-n",
            namespace,
            "exec",
            f"{SOURCE}-lookout-postgresql-0",
            "--",
            "psql",
            "-v",
            "ON_ERROR_STOP=1",
            "-U",
            "postgres",
            "-c",
            statement,
        )
    return f"postgresql://{DATABASE}:{password}@{SOURCE}-lookout-postgresql:5432/{DATABASE}"


def admit_the_app(namespace: str, app: str) -> None:
    """The customer's side of the boundary: the stand-in PostgreSQL and MinIO accept the app's
    pods (their dev release's own policies admit only that release)."""
    policy = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "customer-services-admit-lookout"},
        "spec": {
            "podSelector": {
                "matchExpressions": [
                    {"key": "app.kubernetes.io/instance", "operator": "In", "values": [SOURCE]},
                    {
                        "key": "app.kubernetes.io/component",
                        "operator": "In",
                        "values": ["postgresql", "minio"],
                    },
                ]
            },
            "policyTypes": ["Ingress"],
            "ingress": [
                {
                    "from": [{"podSelector": {"matchLabels": {"app.kubernetes.io/instance": app}}}],
                    "ports": [{"port": 5432}, {"port": 9000}],
                }
            ],
        },
    }
    kubectl("-n", namespace, "apply", "-f", "-", stdin=json.dumps(policy))


def create_secret(namespace: str, name: str, **data: str) -> None:
    literals = [f"--from-literal={key}={value}" for key, value in data.items()]
    kubectl("-n", namespace, "create", "secret", "generic", name, *literals)


def create_customer_secrets(source: Release) -> None:
    """The README's `kubectl create secret` commands, with the stand-ins' credentials."""
    namespace = source.namespace
    minio = f"{source.fullname}-dev-minio"
    create_secret(namespace, "lookout-database", dsn=create_database(namespace))
    create_secret(
        namespace,
        "lookout-object-storage",
        accessKeyId=flows.secret_value(source, minio, "accessKey"),
        secretAccessKey=flows.secret_value(source, minio, "secretKey"),
    )
    create_secret(namespace, "lookout-oidc", clientSecret=secrets.token_hex(16))
    create_secret(
        namespace,
        "lookout-auth",
        jwtSecret=secrets.token_hex(32),
        encryptionKey=base64.urlsafe_b64encode(os.urandom(32)).decode(),
    )


@pytest.fixture(scope="module", params=["helm3", "helm4"])
def production(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Release]:
    line = str(request.param)
    with restricted_namespace(f"prod-{line}") as namespace:
        source = Release(line, SOURCE, namespace)
        release = Release(line, "lookout", namespace)
        try:
            source.install(CHART, DEV_VALUES, IMAGES_VALUES)
            create_customer_secrets(source)
            admit_the_app(namespace, release.name)
            where = overrides(tmp_path_factory.mktemp("production") / "values.yaml")
            release.install(CHART, MINIMAL, IMAGES_VALUES, where)
            yield release
        finally:
            release.uninstall()
            source.uninstall()


def test_every_pod_is_ready(production: Release) -> None:
    assert_all_ready(production)


def test_login_project_key_span_and_query_through_the_services(production: Release) -> None:
    password = flows.secret_value(production, "lookout-admin", "bootstrapPassword")
    with flows.forwarded(production, production.fullname, mail=False) as urls:
        session = flows.login(urls, "ops@example.com", password)
        project = flows.create_project(session, "prod")
        trace_id = flows.send_span(urls, flows.ingest_key(session, project), "GET /prod")
        assert flows.queried_span(session, project, trace_id) == ["GET /prod"]


def test_no_hook_object_outlives_a_successful_install(production: Release) -> None:
    """Helm never deletes hook objects on uninstall: the migrations Job and its copies of the
    DSN, its ConfigMap and ServiceAccount go as soon as the hooks have succeeded."""
    kinds = "jobs,secrets,configmaps,serviceaccounts"
    items = kube_json("-n", production.namespace, "get", kinds, "-l", production.selector)["items"]
    hooks = [
        f"{item['kind']}/{item['metadata']['name']}"
        for item in items
        if "helm.sh/hook" in (item["metadata"].get("annotations") or {})
    ]
    assert hooks == []
    # The release did run them: its history records the hooks' success.
    manifest = production.run("get", "hooks", production.name).stdout
    assert "kind: Job" in manifest and "hook-succeeded" in manifest
