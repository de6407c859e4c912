"""Contract: every container the chart renders starts with a config its Lookout service accepts.

Each example values file is rendered with both Helm lines; every container of every workload
gets the environment and the secret files the kubelet would give it (tests/contract.py) and
must pass ``python -m lookout check-config SERVICE``, the check the service runs at start,
without printing a secret. Secrets reach containers as files only, never through the
environment. The opposite direction shows the contract catches a rendering the app rejects:
values the chart's schema accepts but the app does not, a broken ConfigMap value, and a broken
secret file from an operator's Secret.
"""

from __future__ import annotations

import base64
import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from lookout.check_config import MASK
from lookout.settings import SERVICES
from lookout.settings.base import SECRETS_DIR, SECRETS_DIR_ENV
from lookout.settings.fields import env_var_name, is_sensitive, iter_leaves

from tests.contract import (
    ContainerStart,
    InvalidManifestError,
    MissingReferenceError,
    MountedFile,
    UnknownAtRenderTimeError,
    app_secrets_dir,
    chart_container_names,
    container_environment,
    container_files,
    container_names,
    container_start,
    containers,
    contract_problems,
    expand,
    find_workload,
    objects_at_start,
    parse_quantity,
    run_check_config,
    secret_env_references,
    service_of,
    unreadable_files,
    visible_files,
    with_config_value,
    workloads,
    write_volume,
)
from tests.helm import (
    CHART,
    EXAMPLES,
    Helm,
    app_image,
    dev_components,
    dev_enabled,
    dev_image,
    values_of,
)

# --------------------------------------------------------------------------------------------
# Realistic secret values, by values path of the secret setting

DB_PASSWORD = "pg-Pa55word-4f9c2e"
DSN = f"postgresql://lookout:{DB_PASSWORD}@postgres.db.svc:5432/lookout"
JWT_SECRET = "jwt-7c1e0b5a9d3f48e2a6b4c8d0e2f4a6b8c0d2e4f6"  # >= 32 characters
ENCRYPTION_KEY = base64.urlsafe_b64encode(bytes(range(7, 39))).decode()  # 32 bytes
ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
OIDC_CLIENT_SECRET = "oidc-client-secret-9a8b7c6d"
SECRET_VALUES: dict[str, str] = {
    "admin.bootstrapPassword": "first-login-Xq7#pL2v",
    "admin.totpSecret": "KRUGKIDROVUWG2ZAMJZG653OEBTG66BA",  # base32, 32 characters
    "database.dsn": DSN,
    "auth.jwtSecret": JWT_SECRET,
    "auth.encryptionKey": ENCRYPTION_KEY,
    "objectStorage.accessKeyId": ACCESS_KEY_ID,
    "objectStorage.secretAccessKey": SECRET_ACCESS_KEY,
    "oidc.clientSecret": OIDC_CLIENT_SECRET,
    "smtp.password": "smtp-password-5e4d3c2b",
    "telemetry.otlpHeaders": "x-api-key=otlp-api-key-1f2e3d4c",
}
assert len(JWT_SECRET) >= 32 and len(base64.urlsafe_b64decode(ENCRYPTION_KEY)) == 32
assert base64.b32decode(SECRET_VALUES["admin.totpSecret"])
# Looks right (44 characters of urlsafe base64) but holds 31 bytes, not 32.
SHORT_ENCRYPTION_KEY = base64.urlsafe_b64encode(bytes(range(40, 71))).decode()
assert len(SHORT_ENCRYPTION_KEY) == 44 and len(base64.urlsafe_b64decode(SHORT_ENCRYPTION_KEY)) == 31

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
    named = set(re.findall(r"existingSecret:\s*([^\s,}]+)", example.read_text()))
    secrets = existing_secrets_for(example)
    assert set(secrets) == named
    if example == MINIMAL:
        assert secrets == {
            "lookout-database": {"dsn": DSN},
            "lookout-object-storage": {
                "accessKeyId": ACCESS_KEY_ID,
                "secretAccessKey": SECRET_ACCESS_KEY,
            },
            "lookout-oidc": {"clientSecret": OIDC_CLIENT_SECRET},
            "lookout-auth": {"jwtSecret": JWT_SECRET, "encryptionKey": ENCRYPTION_KEY},
        }


def _secret_settings(values: Any, path: tuple[str, ...] = ()) -> set[str]:
    """Values path of every secret setting: the keys of each section's ``secretKeys``."""
    found: set[str] = set()
    if isinstance(values, dict):
        for setting in values.get("secretKeys") or {}:
            found.add(".".join((*path, setting)))
        for key, value in values.items():
            if key != "secretKeys":
                found |= _secret_settings(value, (*path, key))
    return found


def test_fixture_has_a_value_for_every_secret_of_the_chart() -> None:
    """Whichever ``existingSecret`` an example sets next, the fixture can fill it."""
    assert _secret_settings(CHART_VALUES) == set(SECRET_VALUES)


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


def app_inputs(start: ContainerStart) -> dict[str, str]:
    """What the app reads, by env var name: its secret files (stripped), then env vars over them."""
    files = {name: raw.decode().strip() for name, raw in start.secret_files().items()}
    return {**files, **start.env}


def assert_no_secret_printed(service: str, inputs: Mapping[str, str], output: str) -> None:
    """No secret the app was given (env var or file, by env var name) shows in its output."""
    sensitive = _sensitive_paths(service)
    shown = dict(line.split(" = ", 1) for line in output.splitlines() if " = " in line)
    for path in sensitive:
        if path in shown:
            assert shown[path] in (MASK, "null"), f"{path} printed as {shown[path]!r}"
    secrets = {inputs[name] for name in sensitive.values() if inputs.get(name)}
    dsn = inputs.get("LOOKOUT_DATABASE__DSN")
    password = urlsplit(dsn).password if dsn else None
    if password:
        secrets.add(password)
    plain = [value for name, value in inputs.items() if name not in sensitive.values()]
    for secret in secrets:
        # A secret that is also part of a plain setting (say, an access key ID "lookout") may
        # show up through that setting; the mask check above still covers its own line.
        if not any(secret in value for value in plain):
            assert secret not in output, f"a secret value of {service} is printed"
    if dsn == DSN:
        assert DB_PASSWORD not in output
    if inputs.get("LOOKOUT_AUTH__JWT_SECRET") == JWT_SECRET:
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


def test_secret_check_covers_secret_files() -> None:
    """Secrets from files count like env vars: a leaked file value fails the check."""
    file = MountedFile(f"{JWT_SECRET}\n".encode(), 0o440)
    start = ContainerStart({}, {"/run/secrets/lookout": {"LOOKOUT_AUTH__JWT_SECRET": file}})
    assert app_inputs(start) == {"LOOKOUT_AUTH__JWT_SECRET": JWT_SECRET}
    with pytest.raises(AssertionError, match="is printed"):
        assert_no_secret_printed("api", app_inputs(start), f"token {JWT_SECRET}")


# --------------------------------------------------------------------------------------------
# Every rendered container loads


def app_workloads(manifests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The workloads running Lookout's services (not dev mode's PostgreSQL, MinIO, MailDev)."""
    return [doc for doc in workloads(manifests) if service_of(doc) in SERVICES]


def test_workloads_are_the_apps_services(helm: Helm, example: Path) -> None:
    """The per-service tests below cover every workload the chart renders, one per service;
    the others are dev mode's own services (dev.enabled only), which read no app config.

    Every container of the app's workloads runs the app's image and is checked below, but
    for dev mode's wait for the dev PostgreSQL, which runs that server's image."""
    values = values_of(example)
    rendered = [service_of(doc) for doc in workloads(render(helm, example))]
    assert sorted(service for service in rendered if service in SERVICES) == sorted(SERVICES)
    assert set(rendered) - set(SERVICES) == dev_components(values)
    for doc in app_workloads(render(helm, example)):
        where = f"{doc['kind']} {doc['metadata']['name']}"
        assert doc["kind"] in ("Deployment", "Job")
        assert container_names(doc, app_image(values)), f"{where} runs no app container"
        chart = chart_container_names(doc)
        others = [
            c["image"]
            for c in containers(doc)
            if c["image"] != app_image(values) and c["name"] in chart
        ]
        assert others == [dev_image(values, "postgresql")] * len(others), where
        assert not others or dev_enabled(values), f"{where}: {others}"


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_rendered_config_loads(
    helm: Helm, example: Path, existing_secrets: dict[str, dict[str, str]], service: str
) -> None:
    manifests = render(helm, example)
    workload = find_workload(manifests, service)
    names = container_names(workload, app_image(values_of(example)))
    # Every regular container, and init containers too: in dev mode, the wait for the
    # database runs the app with its config.
    regular = [c["name"] for c in workload["spec"]["template"]["spec"]["containers"]]
    assert set(regular) & set(chart_container_names(workload)) <= set(names), names
    for name in names:
        where = f"{workload['kind']} {workload['metadata']['name']} container {name}"
        start = container_start(manifests, workload, name, existing_secrets)
        assert unreadable_files(workload, name, start.mounts) == [], where
        result = run_check_config(service, start.env, start.mounts)
        assert result.returncode == 0, (
            f"{where}: check-config {service} rejects what the container starts with:\n"
            f"{result.stderr}"
        )
        assert_no_secret_printed(service, app_inputs(start), result.stdout + result.stderr)


# --------------------------------------------------------------------------------------------
# Secrets are files, never environment


def _sensitive_env_vars(service: str) -> set[str]:
    # The app matches env var names case-insensitively: compare in upper case.
    return {name.upper() for name in _sensitive_paths(service).values()}


def test_secrets_reach_containers_as_files_only(
    helm: Helm, example: Path, existing_secrets: dict[str, dict[str, str]]
) -> None:
    """No secretKeyRef or envFrom secretRef, no secret setting in the environment at all (not
    from a ConfigMap or a literal either); every secret file is named like a secret setting of
    the container's service, so none is silently ignored."""
    manifests = render(helm, example)
    for workload in workloads(manifests):
        # Dev mode's services too: their credentials are mounted files as well.
        assert secret_env_references(workload) == []
    for workload in app_workloads(manifests):
        service = service_of(workload)
        sensitive = _sensitive_env_vars(service)
        for name in chart_container_names(workload):
            where = f"{workload['kind']} {workload['metadata']['name']} container {name}"
            start = container_start(manifests, workload, name, existing_secrets)
            in_env = sorted(key for key in start.env if key.upper() in sensitive)
            assert in_env == [], f"{where}: secret settings in the environment: {in_env}"
            stray = sorted(set(start.secret_files()) - sensitive)
            assert stray == [], f"{where}: files no secret setting of {service} reads: {stray}"


def test_every_secret_the_full_example_sets_reaches_its_services(helm: Helm) -> None:
    """full-values.yaml sets every secret: each service then gets a file for each of its own."""
    values = yaml.safe_load(FULL.read_text())
    assert all(_lookup(values, tuple(path.split("."))) for path in SECRET_VALUES)
    manifests = render(helm, FULL)
    assert app_workloads(manifests) == workloads(manifests)
    for workload in workloads(manifests):
        service = service_of(workload)
        for name in chart_container_names(workload):
            start = container_start(manifests, workload, name, existing_secrets_for(FULL))
            assert set(start.secret_files()) == _sensitive_env_vars(service), (service, name)


def test_secret_env_references_finds_both_forms() -> None:
    container = {
        "envFrom": [{"configMapRef": {"name": "cm"}}, {"secretRef": {"name": "all"}}],
        "env": [
            {"name": "A", "value": "a"},
            {"name": "B", "valueFrom": {"secretKeyRef": {"name": "s", "key": "b"}}},
        ],
    }
    assert secret_env_references(_deployment(container)) == [
        "container 'app' of Deployment 'app': envFrom secretRef 'all'",
        "container 'app' of Deployment 'app': env B from secretKeyRef 's' key 'b'",
    ]


# --------------------------------------------------------------------------------------------
# What the app's models declare about values (chartgen.runtime.rules) is refused twice: by the
# chart at render time, and by the app when the value reaches it another way (an
# existingSecret's content, which the chart cannot see).


@dataclass(frozen=True)
class Rejected:
    id: str
    sets: tuple[str, ...]  # the bad values, in values.yaml
    refusal: str  # in Helm's error: the values key and what to do
    service: str
    # The same values reaching the app's container: env var or secret file -> content (None
    # removes it), applied to the container as the example renders it.
    app_inputs: dict[str, str | None]
    expected: tuple[str, ...]  # all in check-config's error output
    example: Path = MINIMAL
    secret: str = ""  # a value that must not be echoed


SHORT_JWT = "too-short-to-sign-with"
REJECTED = [
    Rejected(
        "otlp-headers-not-pairs",
        ("telemetry.otlpHeaders=otlp-api-key-only",),
        "telemetry.otlpHeaders: must be comma-separated key=value pairs",
        "frontend",
        {"LOOKOUT_TELEMETRY__OTLP_HEADERS": "otlp-api-key-only"},
        (
            "telemetry.otlp_headers [LOOKOUT_TELEMETRY__OTLP_HEADERS]",
            "must be comma-separated key=value pairs",
        ),
        secret="otlp-api-key-only",
    ),
    Rejected(
        "admin-totp-secret-too-short",
        ("admin.totpSecret=JBSWY3DP",),
        "admin.totpSecret: must be at least 16 characters of base32",
        "worker",
        {"LOOKOUT_ADMIN__TOTP_SECRET": "JBSWY3DP"},
        (
            "admin.totp_secret [LOOKOUT_ADMIN__TOTP_SECRET]",
            "must be at least 16 characters of base32",
        ),
        secret="JBSWY3DP",
    ),
    Rejected(
        "jwt-secret-too-short",
        (
            "auth.existingSecret=",
            f"auth.encryptionKey={ENCRYPTION_KEY}",
            f"auth.jwtSecret={SHORT_JWT}",
        ),
        "auth.jwtSecret: must be at least 32 characters",
        "api",
        {"LOOKOUT_AUTH__JWT_SECRET": SHORT_JWT},
        ("auth.jwt_secret [LOOKOUT_AUTH__JWT_SECRET]", "must be at least 32 characters"),
        secret=SHORT_JWT,
    ),
    Rejected(
        "encryption-key-of-31-bytes",
        ("auth.existingSecret=", f"auth.encryptionKey={SHORT_ENCRYPTION_KEY}"),
        "auth.encryptionKey: must be 44 characters of urlsafe base64 (32 bytes)",
        "query",
        {"LOOKOUT_AUTH__ENCRYPTION_KEY": SHORT_ENCRYPTION_KEY},
        ("auth.encryption_key [LOOKOUT_AUTH__ENCRYPTION_KEY]", "(32 bytes)"),
        secret=SHORT_ENCRYPTION_KEY,
    ),
    Rejected(
        "dsn-not-postgresql",
        ("database.existingSecret=", "database.dsn=mysql://lookout:hunter22@db/lookout"),
        "database.dsn: must be a postgres:// URL",
        "ingest",
        {"LOOKOUT_DATABASE__DSN": "mysql://lookout:hunter22@db/lookout"},
        ("database.dsn [LOOKOUT_DATABASE__DSN]", "URL scheme should be 'postgres'"),
        secret="hunter22",
    ),
    Rejected(
        "oidc-issuer-without-client-id",
        ("oidc.clientId=",),
        "oidc.clientId: required when oidc.issuer is set",
        "api",
        {"LOOKOUT_OIDC__CLIENT_ID": ""},
        ("oidc [LOOKOUT_OIDC__*]", "client_id is required when issuer is set"),
    ),
    Rejected(
        "ingest-buffer-below-max-batch",
        ("ingest.settings.bufferBytes=1048576",),
        "ingest.settings.bufferBytes (1048576) is below ingest.settings.maxBatchBytes (4194304)",
        "ingest",
        {"LOOKOUT_BUFFER_BYTES": "1048576"},
        ("buffer_bytes must be at least max_batch_bytes",),
    ),
    Rejected(
        "object-storage-half-key-pair",
        ("objectStorage.secretAccessKey=",),
        "objectStorage.accessKeyId and objectStorage.secretAccessKey: set both or neither",
        "scheduler",
        {"LOOKOUT_OBJECT_STORAGE__SECRET_ACCESS_KEY": None},
        (
            "object_storage [LOOKOUT_OBJECT_STORAGE__*]",
            "access_key_id and secret_access_key must be set together",
        ),
        example=FULL,
    ),
]


@pytest.mark.parametrize("case", REJECTED, ids=lambda case: case.id)
def test_the_chart_refuses_what_the_app_rejects(helm: Helm, case: Rejected) -> None:
    result = helm.run(
        "template", "lookout", str(CHART), "--values", str(case.example),
        *(arg for value in case.sets for arg in ("--set", value)),
    )  # fmt: skip
    assert result.returncode != 0, f"{case.sets} rendered"
    assert case.refusal in result.stderr, result.stderr
    if case.secret:
        assert case.secret not in result.stderr


def with_app_inputs(start: ContainerStart, inputs: Mapping[str, str | None]) -> ContainerStart:
    """The container's start with some env vars or secret files (by the same name) changed."""
    env = dict(start.env)
    mounts = {path: dict(files) for path, files in start.mounts.items()}
    secrets = mounts.setdefault(app_secrets_dir(env), {})
    for name, value in inputs.items():
        if name in secrets or (value is not None and name not in env and name.isupper()):
            if value is None:
                del secrets[name]
            else:
                secrets[name] = MountedFile(value.encode(), 0o440)
        elif value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return ContainerStart(env, mounts)


@pytest.mark.parametrize("case", REJECTED, ids=lambda case: case.id)
def test_the_app_rejects_it_too(helm: Helm, case: Rejected) -> None:
    existing = existing_secrets_for(case.example)
    manifests = render(helm, case.example)
    workload = find_workload(manifests, case.service)
    [name] = chart_container_names(workload)
    good = container_start(manifests, workload, name, existing)
    assert run_check_config(case.service, good.env, good.mounts).returncode == 0

    start = with_app_inputs(good, case.app_inputs)
    result = run_check_config(case.service, start.env, start.mounts)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    for text in case.expected:
        assert text in result.stderr, f"{text!r} not in:\n{result.stderr}"
    if case.secret:
        assert case.secret not in output
    assert_no_secret_printed(case.service, app_inputs(start), output)


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
    [name] = chart_container_names(broken_workload)

    start = container_start(broken, broken_workload, name, existing)
    assert start.env["LOOKOUT_LOGGING__LEVEL"] == "loud"
    result = run_check_config(service, start.env, start.mounts)
    assert result.returncode == 1
    assert "logging.level [LOOKOUT_LOGGING__LEVEL]" in result.stderr
    assert "'loud'" in result.stderr

    problems = contract_problems(broken, broken_workload, existing)
    assert len(problems) == 1
    assert "LOOKOUT_LOGGING__LEVEL" in problems[0] and name in problems[0]

    good = container_start(manifests, workload, name, existing)
    assert good.env["LOOKOUT_LOGGING__LEVEL"] == "info"
    assert run_check_config(service, good.env, good.mounts).returncode == 0


# --------------------------------------------------------------------------------------------
# The contract catches a broken secret file


AUTH_SERVICES = sorted(name for name, model in SERVICES.items() if "auth" in model.model_fields)


@pytest.mark.parametrize("service", AUTH_SERVICES)
def test_contract_fails_on_a_broken_secret_file(helm: Helm, service: str) -> None:
    """The operator's Secret holds an encryption key of 31 bytes: the contract names the field."""
    manifests = render(helm, MINIMAL)
    workload = find_workload(manifests, service)
    [name] = chart_container_names(workload)
    existing = existing_secrets_for(MINIMAL)
    existing["lookout-auth"]["encryptionKey"] = SHORT_ENCRYPTION_KEY

    start = container_start(manifests, workload, name, existing)
    assert start.secret_files()["LOOKOUT_AUTH__ENCRYPTION_KEY"] == SHORT_ENCRYPTION_KEY.encode()
    assert "LOOKOUT_AUTH__ENCRYPTION_KEY" not in start.env
    problems = contract_problems(manifests, workload, existing)
    assert len(problems) == 1, problems
    assert "auth.encryption_key [LOOKOUT_AUTH__ENCRYPTION_KEY]" in problems[0]
    assert "(32 bytes)" in problems[0]
    assert SHORT_ENCRYPTION_KEY not in problems[0]

    # The same Secret without the key: the kubelet cannot mount the volume at all.
    del existing["lookout-auth"]["encryptionKey"]
    [problem] = contract_problems(manifests, workload, existing)
    assert "reads key 'encryptionKey' of Secret 'lookout-auth'" in problem
    assert "LOOKOUT_AUTH__ENCRYPTION_KEY" in problem

    assert contract_problems(manifests, workload, existing_secrets_for(MINIMAL)) == []


# The chart makes jwtSecret up (and keeps it) when neither it nor auth.existingSecret is set.
CHART_GENERATED = ("auth.existingSecret=", f"auth.encryptionKey={ENCRYPTION_KEY}")


@pytest.mark.parametrize("service", AUTH_SERVICES)
def test_secrets_the_chart_generates_load(helm: Helm, service: str) -> None:
    """Generated values are random per render but real: the app takes them from the files."""
    manifests = render(helm, MINIMAL, CHART_GENERATED)
    existing = existing_secrets_for(MINIMAL)
    del existing["lookout-auth"]  # the chart's own Secret replaces the operator's
    workload = find_workload(manifests, service)
    [name] = chart_container_names(workload)
    files = container_start(manifests, workload, name, existing).secret_files()
    assert len(files["LOOKOUT_AUTH__JWT_SECRET"]) >= 32
    assert files["LOOKOUT_AUTH__ENCRYPTION_KEY"] == ENCRYPTION_KEY.encode()
    assert contract_problems(manifests, workload, existing) == []


def test_contract_reads_secret_files_where_the_app_looks(helm: Helm) -> None:
    """The files count only at the app's secrets directory, as in the pod."""
    manifests = render(helm, MINIMAL)
    existing = existing_secrets_for(MINIMAL)
    workload = find_workload(manifests, "migrations")
    [mount] = [
        item for item in containers(workload)[0]["volumeMounts"] if item["name"] == "secrets"
    ]
    assert mount["mountPath"] == SECRETS_DIR and mount.get("readOnly") is True

    mount["mountPath"] = "/etc/lookout/secrets"  # `manifests` holds this workload object
    [problem] = contract_problems(manifests, workload, existing)
    assert "database.dsn [LOOKOUT_DATABASE__DSN]: Field required" in problem

    # ...unless the container points the app there.
    container = workload["spec"]["template"]["spec"]["containers"][0]
    container["env"] = [{"name": SECRETS_DIR_ENV, "value": "/etc/lookout/secrets"}]
    assert contract_problems(manifests, workload, existing) == []


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


# --------------------------------------------------------------------------------------------
# Secret files, on hand-written manifests


def _volumes(*volumes: dict[str, Any], **pod: Any) -> dict[str, Any]:
    """A Deployment mounting each volume at /mnt/<name>."""
    mounts = [{"name": item["name"], "mountPath": f"/mnt/{item['name']}"} for item in volumes]
    return _deployment({"volumeMounts": mounts}, volumes=list(volumes), **pod)


def _files(
    manifests: list[dict[str, Any]], existing: dict[str, dict[str, str]] | None = None
) -> dict[str, dict[str, bytes]]:
    workload = next(doc for doc in manifests if doc["kind"] in ("Deployment", "Job"))
    mounts = container_files(manifests, workload, "app", existing or {})
    return {
        path: {name: file.content for name, file in files.items()} for path, files in mounts.items()
    }


def _item(key: str, path: str, **extra: Any) -> dict[str, Any]:
    return {"key": key, "path": path, **extra}


def test_files_projected_secret_sources() -> None:
    projected = {
        "name": "secrets",
        "projected": {
            "sources": [
                {"secret": {"name": "db", "items": [_item("dsn", "LOOKOUT_DATABASE__DSN")]}},
                {"secret": {"name": "ext", "items": [_item("k", "nested/FILE")]}},
                {"secret": {"name": "gone", "optional": True, "items": [_item("k", "X")]}},
                {"secret": {"name": "db", "optional": True, "items": [_item("nope", "Y")]}},
                {"configMap": {"name": "cm", "items": [_item("a", "FROM_CM")]}},
            ]
        },
    }
    manifests = [
        _secret("db", {"dsn": DSN, "other": "not projected"}),
        _config_map("cm", {"a": "plain"}),
        _volumes(projected, {"name": "tmp", "emptyDir": {}}),
    ]
    assert _files(manifests, {"ext": {"k": "existing"}}) == {
        "/mnt/secrets": {
            "LOOKOUT_DATABASE__DSN": DSN.encode(),
            "nested/FILE": b"existing",
            "FROM_CM": b"plain",
        }
    }  # the emptyDir holds nothing at start


def test_files_plain_secret_volume_with_and_without_items() -> None:
    binary = bytes([0, 255, 10])  # files are bytes: any encoding the Secret holds
    secret = _secret("s", {"A": "a", "B": "b"})
    secret["data"]["BIN"] = base64.b64encode(binary).decode()
    whole = {"name": "whole", "secret": {"secretName": "s"}}
    some = {"name": "some", "secret": {"secretName": "s", "items": [_item("A", "dir/a.txt")]}}
    assert _files([secret, _volumes(whole, some)]) == {
        "/mnt/whole": {"A": b"a", "B": b"b", "BIN": binary},
        "/mnt/some": {"dir/a.txt": b"a"},
    }
    optional = {"name": "opt", "secret": {"secretName": "absent", "optional": True}}
    assert _files([_volumes(optional)]) == {"/mnt/opt": {}}  # mounted, empty


def test_files_missing_secret_or_key() -> None:
    volume = {"name": "v", "secret": {"secretName": "s", "items": [_item("no", "F")]}}
    with pytest.raises(
        MissingReferenceError, match=r"file F reads key 'no' of Secret 's', which has only \['k'\]"
    ):
        _files([_secret("s", {"k": "v"}), _volumes(volume)])
    projected = {"name": "p", "projected": {"sources": [{"secret": {"name": "gone"}}]}}
    with pytest.raises(MissingReferenceError, match=r"volume 'p': Secret 'gone' does not exist"):
        _files([_volumes(projected)])


def test_files_later_projected_source_wins_and_modes() -> None:
    projected = {
        "name": "p",
        "projected": {
            "defaultMode": 0o400,
            "sources": [
                {"secret": {"name": "one"}},
                {"secret": {"name": "two", "items": [_item("K", "K", mode=0o444)]}},
            ],
        },
    }
    manifests = [_secret("one", {"K": "one", "L": "one"}), _secret("two", {"K": "two"})]
    workload = _volumes(projected)
    [files] = container_files([*manifests, workload], workload, "app", {}).values()
    assert files == {"K": MountedFile(b"two", 0o444), "L": MountedFile(b"one", 0o400)}
    # With an fsGroup the kubelet hands the files to that group, group-readable.
    workload = _volumes(projected, securityContext={"fsGroup": 2000})
    [files] = container_files([*manifests, workload], workload, "app", {}).values()
    assert files["L"] == MountedFile(b"one", 0o440, 2000)


def test_files_unreadable_by_the_containers_user() -> None:
    sources = [{"secret": {"name": "s"}}]
    projected = {"name": "p", "projected": {"defaultMode": 0o400, "sources": sources}}
    manifests = [_secret("s", {"K": "v"})]

    def problems(**context: Any) -> list[str]:
        workload = _volumes(projected, securityContext=context)
        mounts = container_files([*manifests, workload], workload, "app", {})
        return unreadable_files(workload, "app", mounts)

    assert problems(runAsUser=10001, runAsGroup=10001) == [
        "/mnt/p/K (root:0, mode 0400) is not readable by user 10001 (groups [10001])"
    ]
    assert problems(runAsUser=10001, runAsGroup=10001, fsGroup=10001) == []
    assert problems(runAsUser=0) == []
    assert problems() == []  # the image's user: unknown in a rendering


def test_files_pre_install_hook_sees_only_earlier_hooks() -> None:
    def hook(doc: dict[str, Any], weight: str) -> dict[str, Any]:
        annotations = {"helm.sh/hook": "pre-install", "helm.sh/hook-weight": weight}
        doc["metadata"]["annotations"] = annotations
        return doc

    volume = {"name": "v", "secret": {"secretName": "s", "items": [_item("k", "F")]}}
    job = hook({**_volumes(volume), "kind": "Job"}, "0")
    with pytest.raises(MissingReferenceError, match="does not exist at start"):
        _files([_secret("s", {"k": "regular"}), job])
    assert _files([hook(_secret("s", {"k": "hook"}), "-10"), job]) == {"/mnt/v": {"F": b"hook"}}
    assert _files([job], {"s": {"k": "existing"}}) == {"/mnt/v": {"F": b"existing"}}
    # A rendered Secret shadows an existing one of the same name.
    assert _files([_secret("s", {"k": "rendered"}), _volumes(volume)], {"s": {"k": "x"}}) == {
        "/mnt/v": {"F": b"rendered"}
    }


@pytest.mark.parametrize(
    ("volume", "error", "match"),
    [
        (
            {"secret": {"secretName": "s", "items": [_item("k", "../escape")]}},
            InvalidManifestError,
            "must be relative, without '..'",
        ),
        (
            {"secret": {"secretName": "s", "items": [_item("k", "/abs")]}},
            InvalidManifestError,
            "must be relative",
        ),
        (
            {
                "projected": {
                    "sources": [
                        {"secret": {"name": "s", "items": [_item("k", "F")]}},
                        {"secret": {"name": "s", "items": [_item("k", "F")]}},
                    ]
                }
            },
            InvalidManifestError,
            "conflicting duplicate paths",
        ),
        (
            {"secret": {"secretName": "s", "defaultMode": 0o1777}},
            InvalidManifestError,
            "file mode 1023",
        ),
        (
            {"projected": {"sources": [{"downwardAPI": {"items": []}}]}},
            NotImplementedError,
            "downwardAPI source",
        ),
    ],
)
def test_files_reject_what_the_api_server_would(
    volume: dict[str, Any], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        _files([_secret("s", {"k": "v"}), _volumes({"name": "v", **volume})])


def test_files_unknown_volume_and_sub_path() -> None:
    undefined = _deployment({"volumeMounts": [{"name": "nope", "mountPath": "/x"}]})
    with pytest.raises(InvalidManifestError, match="names volume 'nope', not defined"):
        _files([undefined])
    sub_path = _volumes({"name": "v", "secret": {"secretName": "s"}})
    sub_path["spec"]["template"]["spec"]["containers"][0]["volumeMounts"][0]["subPath"] = "k"
    with pytest.raises(NotImplementedError, match="subPath"):
        _files([_secret("s", {"k": "v"}), sub_path])


def test_write_volume_lays_files_out_like_the_kubelet(tmp_path: Path) -> None:
    files = {"A": MountedFile(b"a", 0o440), "dir/B": MountedFile(b"b", 0o440)}
    write_volume(files, tmp_path / "vol")
    entries = sorted(item.name for item in (tmp_path / "vol").iterdir())
    assert entries[0].startswith("..2") and entries[1:] == ["..data", "A", "dir"]
    assert (tmp_path / "vol" / "..data").is_symlink()
    assert (tmp_path / "vol" / "A").readlink() == Path("..data/A")
    assert (tmp_path / "vol" / "dir" / "B").read_bytes() == b"b"


def test_nested_mounts_hide_what_they_cover() -> None:
    outer = {"lookout/OLD": MountedFile(b"hidden", 0o644), "KEEP": MountedFile(b"k", 0o644)}
    inner = {"NEW": MountedFile(b"new", 0o644)}
    visible = visible_files({"/run/secrets": outer, "/run/secrets/lookout": inner})
    assert {path: file.content for path, file in visible.items()} == {
        "/run/secrets/KEEP": b"k",
        "/run/secrets/lookout/NEW": b"new",
    }
    start = ContainerStart({}, {"/run/secrets": outer, "/run/secrets/lookout": inner})
    assert start.secret_files() == {"NEW": b"new"}
    moved = ContainerStart({SECRETS_DIR_ENV: "/run/secrets"}, start.mounts)
    assert moved.secret_files() == {"KEEP": b"k", "lookout/NEW": b"new"}


def test_expand_matches_kubernetes() -> None:
    context = {"A": "a", "B": "b"}
    assert expand("$(A)$(B)", context) == "ab"
    assert expand("$$(A)", context) == "$(A)"
    assert expand("$(A", context) == "$(A"
    assert expand("$A $", context) == "$A $"
    assert expand("x$(C)y", context) == "x$(C)y"
