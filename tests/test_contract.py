"""Contract: every container the chart renders gets an environment its Lookout service accepts.

Each example values file is rendered with both Helm lines; every container of every workload
gets the environment the kubelet would give it (tests/contract.py) and must pass
``python -m lookout check-config SERVICE``, the check the service runs at start, without
printing a secret. The opposite direction shows the contract catches a rendering the app
rejects: values the chart's schema accepts but the app does not, and a broken ConfigMap value.
"""

from __future__ import annotations

import base64
import copy
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from lookout.check_config import MASK
from lookout.settings import SERVICES
from lookout.settings.fields import env_var_name, is_sensitive, iter_leaves
from tests.contract import (
    InvalidManifestError,
    MissingReferenceError,
    UnknownAtRenderTimeError,
    container_environment,
    container_names,
    containers,
    contract_problems,
    expand,
    find_workload,
    objects_at_start,
    parse_quantity,
    run_check_config,
    service_of,
    with_config_value,
    workloads,
)
from tests.helm import CHART, EXAMPLES, Helm

# --------------------------------------------------------------------------------------------
# Realistic secret values, by values path of the secret setting

DB_PASSWORD = "pg-Pa55word-4f9c2e"
DSN = f"postgresql://lookout:{DB_PASSWORD}@postgres.db.svc:5432/lookout"
JWT_SECRET = "jwt-7c1e0b5a9d3f48e2a6b4c8d0e2f4a6b8c0d2e4f6"  # >= 32 characters
ENCRYPTION_KEY = base64.urlsafe_b64encode(bytes(range(7, 39))).decode()  # 32 bytes
SECRET_VALUES: dict[str, str] = {
    "database.dsn": DSN,
    "auth.jwtSecret": JWT_SECRET,
    "auth.encryptionKey": ENCRYPTION_KEY,
    "objectStorage.accessKeyId": "AKIAIOSFODNN7EXAMPLE",
    "objectStorage.secretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "oidc.clientSecret": "oidc-client-secret-9a8b7c6d",
    "smtp.password": "smtp-password-5e4d3c2b",
    "telemetry.otlpHeaders": "x-api-key=otlp-api-key-1f2e3d4c",
}
assert len(JWT_SECRET) >= 32 and len(base64.urlsafe_b64decode(ENCRYPTION_KEY)) == 32

CHART_VALUES: dict[str, Any] = yaml.safe_load((CHART / "values.yaml").read_text())
MINIMAL = CHART / "ci" / "minimal-values.yaml"
FULL = CHART / "ci" / "full-values.yaml"
EXAMPLE_IDS = [path.stem for path in EXAMPLES]

# --------------------------------------------------------------------------------------------
# Rendering (once per Helm, values and --set) and existing Secrets

_RENDERS: dict[tuple[str, str, tuple[str, ...]], list[dict[str, Any]]] = {}


def render(helm: Helm, example: Path, sets: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """The example's manifests, rendered once per module; callers get their own copy."""
    key = (helm.name, example.name, sets)
    if key not in _RENDERS:
        _RENDERS[key] = helm.template(values=[example], sets=list(sets))
    return copy.deepcopy(_RENDERS[key])


def _existing_secret_sections(
    values: Any, path: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], str]]:
    """(section path, Secret name) of every ``*.existingSecret`` the values set."""
    found = []
    if isinstance(values, dict):
        if isinstance(values.get("existingSecret"), str) and values["existingSecret"]:
            found.append((path, values["existingSecret"]))
        for key, value in values.items():
            found += _existing_secret_sections(value, (*path, key))
    return found


def _lookup(values: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        values = (values or {}).get(key)
    return values


def existing_secrets_for(example: Path) -> dict[str, dict[str, str]]:
    """The Secrets an operator creates for the example: every key the chart may read."""
    values = yaml.safe_load(example.read_text()) or {}
    secrets: dict[str, dict[str, str]] = {}
    for path, name in _existing_secret_sections(values):
        keys = {
            **(_lookup(CHART_VALUES, (*path, "secretKeys")) or {}),
            **(_lookup(values, (*path, "secretKeys")) or {}),
        }
        assert keys, f"{'.'.join(path)}.existingSecret is set but the chart has no secretKeys"
        for setting, key in keys.items():
            dotted = ".".join((*path, setting))
            assert dotted in SECRET_VALUES, f"add a realistic value for {dotted} to SECRET_VALUES"
            secrets.setdefault(name, {})[key] = SECRET_VALUES[dotted]
    return secrets


@pytest.fixture(params=EXAMPLES, ids=EXAMPLE_IDS)
def example(request: pytest.FixtureRequest) -> Path:
    return request.param


@pytest.fixture
def existing_secrets(example: Path) -> dict[str, dict[str, str]]:
    return existing_secrets_for(example)


def test_fixture_covers_the_examples_existing_secrets(example: Path) -> None:
    named = set(re.findall(r"existingSecret:\s*(\S+)", example.read_text()))
    secrets = existing_secrets_for(example)
    assert set(secrets) == named
    if "lookout-database" in secrets:  # minimal-values.yaml
        assert secrets["lookout-database"] == {"dsn": DSN}
        assert secrets["lookout-auth"] == {"jwtSecret": JWT_SECRET, "encryptionKey": ENCRYPTION_KEY}


# --------------------------------------------------------------------------------------------
# Secrets never printed


def _sensitive_paths(service: str) -> dict[str, str]:
    """Dotted field path -> env var of every sensitive setting of the service."""
    settings = SERVICES[service]
    return {
        ".".join(path): env_var_name(settings, path)
        for path, info in iter_leaves(settings)
        if is_sensitive(info)
    }


def assert_no_secret_printed(service: str, env: dict[str, str], output: str) -> None:
    sensitive = _sensitive_paths(service)
    shown = dict(line.split(" = ", 1) for line in output.splitlines() if " = " in line)
    for path in sensitive:
        if path in shown:
            assert shown[path] in (MASK, "null"), f"{path} printed as {shown[path]!r}"
    secrets = {env[name] for name in sensitive.values() if env.get(name)}
    dsn = env.get("LOOKOUT_DATABASE__DSN")
    if dsn and urlsplit(dsn).password:
        secrets.add(urlsplit(dsn).password)
    plain = [value for name, value in env.items() if name not in sensitive.values()]
    for secret in secrets:
        # A secret that is also part of a plain setting (say, an access key ID "lookout") may
        # show up through that setting; the mask check above still covers its own line.
        if not any(secret in value for value in plain):
            assert secret not in output, f"a secret value of {service} is printed"
    if dsn == DSN:
        assert DB_PASSWORD not in output
    if env.get("LOOKOUT_AUTH__JWT_SECRET") == JWT_SECRET:
        assert JWT_SECRET not in output


def test_secret_check_catches_a_leak() -> None:
    env = {"LOOKOUT_DATABASE__DSN": DSN, "LOOKOUT_AUTH__JWT_SECRET": JWT_SECRET}
    assert_no_secret_printed("api", env, f"auth.jwt_secret = {MASK}\ndatabase.dsn = {MASK}")
    for leak in (
        f"database.dsn = {MASK}\nerror: {DB_PASSWORD}",
        f"auth.jwt_secret = {JWT_SECRET!r}",
    ):
        with pytest.raises(AssertionError):
            assert_no_secret_printed("api", env, leak)


# --------------------------------------------------------------------------------------------
# Every rendered container loads


def test_workloads_are_the_apps_services(helm: Helm, example: Path) -> None:
    """The per-service tests below cover every workload the chart renders, one per service."""
    rendered = [service_of(doc) for doc in workloads(render(helm, example))]
    assert sorted(rendered) == sorted(SERVICES)
    for doc in workloads(render(helm, example)):
        assert doc["kind"] in ("Deployment", "Job")
        assert container_names(doc), f"{doc['metadata']['name']} has no containers"


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_rendered_config_loads(
    helm: Helm, example: Path, existing_secrets: dict[str, dict[str, str]], service: str
) -> None:
    manifests = render(helm, example)
    workload = find_workload(manifests, service)
    for name in container_names(workload):
        env = container_environment(manifests, workload, name, existing_secrets)
        result = run_check_config(service, env)
        assert result.returncode == 0, (
            f"{workload['kind']} {workload['metadata']['name']} container {name}: "
            f"check-config {service} rejects the rendered environment:\n{result.stderr}"
        )
        assert_no_secret_printed(service, env, result.stdout + result.stderr)


# --------------------------------------------------------------------------------------------
# The contract catches what the app rejects: values the schema lets through


@dataclass(frozen=True)
class Rejected:
    id: str
    sets: tuple[str, ...]
    service: str
    expected: tuple[str, ...]  # all in check-config's error output
    example: Path = MINIMAL
    secret: str = ""  # a value that must not be echoed
    # xfail(strict=True, reason=...) here while a chart bug keeps the case from working.
    marks: tuple[pytest.MarkDecorator, ...] = field(default=())


REJECTED = [
    Rejected(
        "public-url-without-scheme",
        ("instance.publicUrl=lookout.example.com",),
        "frontend",
        ("instance.public_url [LOOKOUT_INSTANCE__PUBLIC_URL]", "lookout.example.com"),
    ),
    Rejected(
        "otlp-endpoint-without-scheme",
        ("telemetry.otlpEndpoint=otel-collector.monitoring:4318",),
        "frontend",
        ("telemetry.otlp_endpoint [LOOKOUT_TELEMETRY__OTLP_ENDPOINT]",),
    ),
    Rejected(
        "otlp-headers-not-pairs",
        ("telemetry.otlpHeaders=otlp-api-key-only",),
        "frontend",
        (
            "telemetry.otlp_headers [LOOKOUT_TELEMETRY__OTLP_HEADERS]",
            "must be comma-separated key=value pairs",
        ),
        secret="otlp-api-key-only",
    ),
    Rejected(
        "oidc-issuer-without-client-id",
        ("oidc.clientId=",),
        "api",
        ("oidc [LOOKOUT_OIDC__*]", "client_id is required when issuer is set"),
    ),
    Rejected(
        "ingest-buffer-below-max-batch",
        ("ingest.settings.bufferBytes=1048576",),
        "ingest",
        ("buffer_bytes must be at least max_batch_bytes",),
    ),
    Rejected(
        "object-storage-half-key-pair",
        ("objectStorage.secretAccessKey=",),
        "scheduler",
        (
            "object_storage [LOOKOUT_OBJECT_STORAGE__*]",
            "access_key_id and secret_access_key must be set together",
        ),
        example=FULL,
    ),
]


@pytest.mark.parametrize(
    "case", [pytest.param(case, id=case.id, marks=case.marks) for case in REJECTED]
)
def test_contract_fails_on_values_the_app_rejects(helm: Helm, case: Rejected) -> None:
    existing = existing_secrets_for(case.example)
    # Rendering succeeds: neither the schema nor the chart's own checks stop these values.
    manifests = render(helm, case.example, case.sets)
    workload = find_workload(manifests, case.service)
    [name] = container_names(workload)
    env = container_environment(manifests, workload, name, existing)
    result = run_check_config(case.service, env)
    assert result.returncode == 1, result.stdout + result.stderr
    for text in case.expected:
        assert text in result.stderr, f"{text!r} not in:\n{result.stderr}"
    if case.secret:
        assert case.secret not in result.stdout + result.stderr
    problems = contract_problems(manifests, workload, existing)
    assert problems and all(text in problems[0] for text in case.expected)

    # The failure comes from the changed value, not from the example.
    good = render(helm, case.example)
    good_workload = find_workload(good, case.service)
    good_env = container_environment(good, good_workload, name, existing)
    good_result = run_check_config(case.service, good_env)
    assert not any(text in good_result.stderr for text in case.expected)


# --------------------------------------------------------------------------------------------
# The contract catches a broken rendered value


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_contract_fails_on_a_broken_config_map_value(helm: Helm, service: str) -> None:
    existing = existing_secrets_for(MINIMAL)
    manifests = render(helm, MINIMAL)
    workload = find_workload(manifests, service)
    [source] = [item["configMapRef"] for item in containers(workload)[0]["envFrom"]]
    broken = with_config_value(manifests, source["name"], "LOOKOUT_LOGGING__LEVEL", "loud")
    broken_workload = find_workload(broken, service)
    [name] = container_names(broken_workload)

    env = container_environment(broken, broken_workload, name, existing)
    assert env["LOOKOUT_LOGGING__LEVEL"] == "loud"
    result = run_check_config(service, env)
    assert result.returncode == 1
    assert "logging.level [LOOKOUT_LOGGING__LEVEL]" in result.stderr
    assert "'loud'" in result.stderr

    problems = contract_problems(broken, broken_workload, existing)
    assert len(problems) == 1
    assert "LOOKOUT_LOGGING__LEVEL" in problems[0] and name in problems[0]

    good_env = container_environment(manifests, workload, name, existing)
    assert good_env["LOOKOUT_LOGGING__LEVEL"] == "info"
    assert "LOOKOUT_LOGGING__LEVEL" not in run_check_config(service, good_env).stderr


# --------------------------------------------------------------------------------------------
# The helper itself, on hand-written manifests


def _config_map(name: str, data: dict[str, Any], **meta: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, **meta},
        "data": data,
    }


def _secret(name: str, data: dict[str, str], **extra: Any) -> dict[str, Any]:
    encoded = {key: base64.b64encode(value.encode()).decode() for key, value in data.items()}
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name},
        "data": encoded,
        **extra,
    }


def _deployment(container: dict[str, Any], **pod: Any) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "app", "labels": {"app.kubernetes.io/component": "api"}},
        "spec": {"template": {"spec": {"containers": [{"name": "app", **container}], **pod}}},
    }


def _env(manifests: list[dict[str, Any]], existing: dict[str, dict[str, str]] | None = None):
    workload = next(doc for doc in manifests if doc["kind"] == "Deployment")
    env = container_environment(manifests, workload, "app", existing or {})
    # Drop the service link variables of the `kubernetes` Service.
    return {name: value for name, value in env.items() if not name.startswith("KUBERNETES_")}


def test_helper_env_from_then_env_in_order() -> None:
    manifests = [
        _config_map("cm", {"A": "cm", "B": "cm", "bad key": "x", "1X": "y"}),
        _secret("sec", {"B": "secret", "C": "secret"}),
        _deployment(
            {
                "envFrom": [
                    {"configMapRef": {"name": "cm"}},
                    {"secretRef": {"name": "sec"}, "prefix": "S_"},
                    {"secretRef": {"name": "sec"}},
                    {"configMapRef": {"name": "absent", "optional": True}},
                ],
                "env": [
                    {"name": "A", "value": "literal"},
                    {"name": "D", "valueFrom": {"configMapKeyRef": {"name": "cm", "key": "A"}}},
                    {"name": "E", "valueFrom": {"secretKeyRef": {"name": "ext", "key": "k"}}},
                    {"name": "C", "value": "$(A)-$(S_C)-$$(A)-$(NOPE)"},
                    {"name": "F"},
                    {"name": "A", "value": "last"},
                ],
            }
        ),
    ]
    assert _env(manifests, {"ext": {"k": "existing"}}) == {
        "A": "last",
        "B": "secret",
        "S_B": "secret",
        "S_C": "secret",
        "C": "literal-secret-$(A)-$(NOPE)",
        "D": "cm",
        "E": "existing",
        "F": "",
    }


def test_helper_optional_and_missing_references() -> None:
    optional = [
        {"name": "X", "valueFrom": {"secretKeyRef": {"name": "s", "key": "no", "optional": True}}},
        {
            "name": "Y",
            "valueFrom": {"configMapKeyRef": {"name": "no", "key": "k", "optional": True}},
        },
    ]
    assert _env([_secret("s", {"k": "v"}), _deployment({"env": optional})]) == {}
    missing_key = [{"name": "X", "valueFrom": {"secretKeyRef": {"name": "s", "key": "no"}}}]
    with pytest.raises(MissingReferenceError, match=r"env X reads key 'no' of Secret 's'"):
        _env([_secret("s", {"k": "v"}), _deployment({"env": missing_key})])
    missing_object = [{"name": "X", "valueFrom": {"secretKeyRef": {"name": "gone", "key": "k"}}}]
    with pytest.raises(MissingReferenceError, match=r"env X reads Secret 'gone'"):
        _env([_deployment({"env": missing_object})])
    with pytest.raises(MissingReferenceError, match=r"envFrom ConfigMap 'gone'"):
        _env([_deployment({"envFrom": [{"configMapRef": {"name": "gone"}}]})])


def test_helper_secret_data_and_string_data() -> None:
    secret = _secret("s", {"a": "from-data", "b": "from-data"}, stringData={"b": "string"})
    manifests = [secret, _deployment({"envFrom": [{"secretRef": {"name": "s"}}]})]
    assert _env(manifests) == {"a": "from-data", "b": "string"}
    # A rendered Secret shadows an existing one of the same name.
    assert _env(manifests, {"s": {"a": "existing"}})["a"] == "from-data"


def test_helper_rejects_what_the_api_server_would() -> None:
    manifests = [
        _config_map("cm", {"PORT": 8080}),
        _deployment({"envFrom": [{"configMapRef": {"name": "cm"}}]}),
    ]
    with pytest.raises(InvalidManifestError, match=r"data.PORT is int 8080, not a string"):
        _env(manifests)


def test_helper_resource_field_ref() -> None:
    resources = {"limits": {"cpu": "1500m", "memory": "1Gi"}, "requests": {"cpu": "250m"}}

    def ref(name: str, resource: str, divisor: str | None = None) -> dict[str, Any]:
        selector = {"resource": resource, **({"divisor": divisor} if divisor else {})}
        return {"name": name, "valueFrom": {"resourceFieldRef": selector}}

    env = [
        ref("CPU_LIMIT", "limits.cpu"),  # cores, rounded up
        ref("CPU_REQUEST_MILLI", "requests.cpu", "1m"),
        ref("CPU_REQUEST", "requests.cpu"),
        ref("MEMORY_LIMIT_MI", "limits.memory", "1Mi"),
        ref("MEMORY_REQUEST", "requests.memory"),  # defaulted to the limit
        ref("STORAGE_REQUEST", "requests.ephemeral-storage"),  # neither set: zero
    ]
    assert _env([_deployment({"resources": resources, "env": env})]) == {
        "CPU_LIMIT": "2",
        "CPU_REQUEST_MILLI": "250",
        "CPU_REQUEST": "1",
        "MEMORY_LIMIT_MI": "1024",
        "MEMORY_REQUEST": str(1024**3),
        "STORAGE_REQUEST": "0",
    }
    with pytest.raises(UnknownAtRenderTimeError, match="node's allocatable"):
        _env([_deployment({"env": [ref("X", "limits.memory")]})])
    assert parse_quantity("1e3") == 1000 and parse_quantity("1E") == 10**18
    assert parse_quantity("0.5Gi") == 512 * 1024**2


def test_helper_field_ref_is_not_implemented() -> None:
    env = [{"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}]
    with pytest.raises(NotImplementedError, match=r"env POD uses valueFrom.fieldRef"):
        _env([_deployment({"env": env})])


def test_helper_service_links() -> None:
    service = {
        "kind": "Service",
        "metadata": {"name": "rel-api"},
        "spec": {"ports": [{"name": "http", "port": 8080, "protocol": "TCP"}]},
    }
    env = _env([service, _deployment({"env": [{"name": "URL", "value": "$(REL_API_PORT)"}]})])
    ip = env["REL_API_SERVICE_HOST"]
    assert env["REL_API_SERVICE_PORT_HTTP"] == "8080"
    assert env["URL"] == env["REL_API_PORT"] == f"tcp://{ip}:8080"
    no_links = _env([service, _deployment({}, enableServiceLinks=False)])
    assert no_links == {}


def test_helper_pre_install_hook_sees_only_earlier_hooks() -> None:
    def hook(doc: dict[str, Any], weight: str) -> dict[str, Any]:
        annotations = {"helm.sh/hook": "pre-install,pre-upgrade", "helm.sh/hook-weight": weight}
        doc["metadata"]["annotations"] = annotations
        return doc

    job = _deployment(
        {"env": [{"name": "X", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}]}
    )
    job = hook({**job, "kind": "Job"}, "0")
    regular = _secret("s", {"k": "regular"})
    assert objects_at_start([regular, job], job) == []
    with pytest.raises(MissingReferenceError, match="does not exist at start"):
        container_environment([regular, job], job, "app", {})
    early = hook(_secret("s", {"k": "hook copy"}), "-10")
    assert container_environment([early, job], job, "app", {})["X"] == "hook copy"
    assert container_environment([regular, job], job, "app", {"s": {"k": "existing"}})["X"] == (
        "existing"
    )
    late = hook(_secret("s", {"k": "late"}), "5")
    with pytest.raises(MissingReferenceError):
        container_environment([late, job], job, "app", {})


def test_expand_matches_kubernetes() -> None:
    context = {"A": "a", "B": "b"}
    assert expand("$(A)$(B)", context) == "ab"
    assert expand("$$(A)", context) == "$(A)"
    assert expand("$(A", context) == "$(A"
    assert expand("$A $", context) == "$A $"
    assert expand("x$(C)y", context) == "x$(C)y"
