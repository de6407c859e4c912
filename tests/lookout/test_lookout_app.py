"""The lookout reference app: its settings load, print safely, fail clearly, and carry roles."""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import lookout
import pytest
from click.testing import CliRunner, Result
from lookout.chart import CHART
from lookout.check_config import load_settings
from lookout.cli import main
from lookout.settings import SERVICES
from lookout.settings.auth import ENCRYPTION_KEY_HINT, JWT_SECRET_MIN_LENGTH, AuthSettings
from lookout.settings.base import SECRETS_DIR, SECRETS_DIR_ENV
from lookout.settings.fields import iter_leaves, roles_of
from pydantic import BaseModel, ValidationError

from chartgen.model.declaration import ExecProbe
from chartgen.runtime.roles import ROLES, Endpoint, Secret, Shared, Wired

ROOT = Path(__file__).resolve().parents[2]

DB_PASSWORD = "db-pass-7Qx9"
JWT_SECRET = "jwt-" + "k" * 40
ENCRYPTION_KEY = base64.urlsafe_b64encode(bytes(range(32))).decode()
SECRET_VALUES = {
    "LOOKOUT_DATABASE__DSN": f"postgresql://lookout:{DB_PASSWORD}@db.internal:5432/lookout",
    "LOOKOUT_AUTH__JWT_SECRET": JWT_SECRET,
    "LOOKOUT_AUTH__ENCRYPTION_KEY": ENCRYPTION_KEY,
    "LOOKOUT_OBJECT_STORAGE__ACCESS_KEY_ID": "AKIA-access-key-id",
    "LOOKOUT_OBJECT_STORAGE__SECRET_ACCESS_KEY": "s3-secret-access-key",
    "LOOKOUT_OIDC__CLIENT_SECRET": "oidc-client-secret",
    "LOOKOUT_SMTP__PASSWORD": "smtp-password",
    "LOOKOUT_TELEMETRY__OTLP_HEADERS": "x-api-key=otlp-api-key",
    "LOOKOUT_ADMIN__BOOTSTRAP_PASSWORD": "bootstrap-password-4Wz",
    "LOOKOUT_ADMIN__TOTP_SECRET": "JBSWY3DPEHPK3PXPJBSWY3DP",
}
# Every setting any service needs, plus every optional secret, so masking is exercised.
COMPLETE_ENV = {
    "LOOKOUT_INSTANCE__PUBLIC_URL": "https://lookout.example.com",
    "LOOKOUT_ADMIN__EMAIL": "ops@example.com",
    "LOOKOUT_OBJECT_STORAGE__URI": "s3://lookout-data/prod",
    "LOOKOUT_OIDC__ISSUER": "https://idp.example.com",
    "LOOKOUT_OIDC__CLIENT_ID": "lookout",
    "LOOKOUT_SMTP__HOST": "smtp.example.com",
    "LOOKOUT_SMTP__USERNAME": "lookout",
    **SECRET_VALUES,
}


@pytest.fixture
def secrets(tmp_path: Path) -> Path:
    """An empty secrets directory (the env fixture points LOOKOUT_SECRETS_DIR at it)."""
    directory = tmp_path / "secrets"
    directory.mkdir()
    return directory


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, secrets: Path) -> pytest.MonkeyPatch:
    """A process environment holding exactly COMPLETE_ENV among LOOKOUT_ variables.

    Secret files come from the empty ``secrets`` directory, never from the host's default.
    """
    for name in list(os.environ):
        if name.upper().startswith("LOOKOUT_"):
            monkeypatch.delenv(name)
    for name, value in COMPLETE_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv(SECRETS_DIR_ENV, str(secrets))
    return monkeypatch


def check_config(service: str) -> Result:
    return CliRunner().invoke(main, ["check-config", service])


def leaf_paths(model: type[BaseModel], prefix: str = "") -> list[str]:
    paths: list[str] = []
    for name, info in model.model_fields.items():
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            paths.extend(leaf_paths(annotation, f"{prefix}{name}."))
        else:
            paths.append(f"{prefix}{name}")
    return paths


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_every_service_loads_and_prints_every_leaf(env: pytest.MonkeyPatch, service: str) -> None:
    result = check_config(service)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    # Settings lines, then (for sized services) a blank line and "# " comment lines.
    settings_lines = [line for line in result.stdout.splitlines() if line and line[0] != "#"]
    printed = [line.split(" = ", 1)[0] for line in settings_lines]
    assert printed == sorted(leaf_paths(SERVICES[service]))


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_secrets_are_masked(env: pytest.MonkeyPatch, service: str) -> None:
    result = check_config(service)
    assert result.exit_code == 0, result.stderr
    for value in SECRET_VALUES.values():
        assert value not in result.stdout
    assert DB_PASSWORD not in result.stdout
    lines = set(result.stdout.splitlines())
    assert "database.dsn = **********" in lines or "database" not in SERVICES[service].model_fields
    assert "auth.jwt_secret = **********" in lines or "auth" not in SERVICES[service].model_fields


def test_check_config_says_where_derived_values_come_from(env: pytest.MonkeyPatch) -> None:
    env.setenv("LOOKOUT_BUDGET_CPU_MILLICORES", "500")
    env.setenv("LOOKOUT_BUDGET_MEMORY_BYTES", str(512 * 1024 * 1024))
    env.setenv("LOOKOUT_SUBMIT_CONCURRENCY", "3")
    lines = check_config("ingest").stdout.splitlines()
    assert "buffer_bytes = 134217728  (derived from budget: 500m CPU, 512Mi memory)" in lines
    assert "submit_concurrency = 3  (explicit)" in lines
    assert "# budget = 500m CPU, 512Mi memory" in lines
    assert "# estimated memory = 368Mi of 512Mi budget (71 %)" in lines
    assert not any(line.startswith("# warning") for line in lines)


def test_check_config_warns_when_explicit_values_exceed_the_budget(
    env: pytest.MonkeyPatch,
) -> None:
    env.setenv("LOOKOUT_WORKERS", "16")
    result = check_config("api")
    assert result.exit_code == 0, result.stderr
    assert "# estimated memory = 2198Mi of 1Gi budget (214 %)" in result.stdout.splitlines()
    assert "# warning: more than 90 % of the memory budget" in result.stdout


def test_unsized_services_print_no_sizing_lines(env: pytest.MonkeyPatch) -> None:
    assert "#" not in check_config("scheduler").stdout


def test_unset_secret_shows_as_null_not_mask(env: pytest.MonkeyPatch) -> None:
    env.delenv("LOOKOUT_SMTP__PASSWORD")
    assert "smtp.password = null" in check_config("worker").stdout.splitlines()


def test_bad_value_exits_1_naming_field_and_env_var(env: pytest.MonkeyPatch) -> None:
    env.setenv("LOOKOUT_WORKERS", "0")
    result = check_config("api")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "workers [LOOKOUT_WORKERS]" in result.stderr
    assert "greater than or equal to 1" in result.stderr


def test_bad_secret_is_named_but_not_echoed(env: pytest.MonkeyPatch) -> None:
    env.setenv("LOOKOUT_AUTH__JWT_SECRET", "too-short-secret")
    result = check_config("query")
    assert result.exit_code == 1
    assert "LOOKOUT_AUTH__JWT_SECRET" in result.stderr
    assert "too-short-secret" not in result.stderr


def test_missing_required_section_exits_1_naming_its_variable(env: pytest.MonkeyPatch) -> None:
    env.delenv("LOOKOUT_DATABASE__DSN")
    result = check_config("migrations")
    assert result.exit_code == 1
    assert "database [LOOKOUT_DATABASE__DSN]: Field required" in result.stderr


def test_unparsable_json_exits_1_naming_field(env: pytest.MonkeyPatch) -> None:
    env.setenv("LOOKOUT_CORS_ALLOWED_ORIGINS", "https://a.example")
    result = check_config("api")
    assert result.exit_code == 1
    assert "cors_allowed_origins" in result.stderr


def test_nested_and_json_env_vars_are_parsed(env: pytest.MonkeyPatch) -> None:
    env.setenv("LOOKOUT_ADMIN__RATE_LIMITS__BURST", "7")
    env.setenv("LOOKOUT_ADMIN__GROUP_ROLES", '{"platform": "instance-admin", "sre": "admin"}')
    env.setenv("LOOKOUT_DATABASE__POOL_SIZE", "25")
    env.setenv("LOOKOUT_CORS_ALLOWED_ORIGINS", '["https://a.example", "https://b.example"]')
    env.setenv("LOOKOUT_OIDC__SCOPES", '["openid", "groups"]')
    env.setenv("LOOKOUT_FEATURE_FLAGS", '{"dashboards_v2": true}')
    env.setenv("LOOKOUT_JOB_TIMEOUTS", '{"export": 1200}')
    env.setenv("LOOKOUT_ACCEPTED_SIGNALS", '["traces"]')
    env.setenv("LOOKOUT_RETENTION__TRACES_DAYS", "14")
    api = load_settings("api")
    assert api.admin.rate_limits.burst == 7
    assert api.admin.rate_limits.requests_per_minute == 600
    assert api.admin.group_roles == {"platform": "instance-admin", "sre": "admin"}
    assert api.admin.default_role == "viewer"
    assert api.database.pool_size == 25
    assert api.cors_allowed_origins == ["https://a.example", "https://b.example"]
    assert api.oidc.scopes == ["openid", "groups"]
    assert load_settings("frontend").feature_flags == {"dashboards_v2": True}
    assert load_settings("worker").job_timeouts == {"export": 1200}
    assert load_settings("ingest").accepted_signals == ["traces"]
    assert load_settings("scheduler").retention.traces_days == 14


@pytest.mark.parametrize(
    ("service", "changes", "message"),
    [
        ("api", {"LOOKOUT_OIDC__CLIENT_ID": ""}, "client_id is required when issuer is set"),
        ("api", {"LOOKOUT_OBJECT_STORAGE__SECRET_ACCESS_KEY": None}, "set together"),
        ("query", {"LOOKOUT_AUTH__ENCRYPTION_KEY": "x" * 44}, "urlsafe base64"),
        ("ingest", {"LOOKOUT_BUFFER_BYTES": "1024"}, "at least max_batch_bytes"),
        ("worker", {"LOOKOUT_JOB_TIMEOUTS": '{"export": 0}'}, "greater than or equal to 1"),
        ("worker", {"LOOKOUT_TELEMETRY__OTLP_HEADERS": "no-equals"}, "key=value"),
        ("worker", {"LOOKOUT_ADMIN__EMAIL": "ops"}, "should match pattern"),
        ("api", {"LOOKOUT_ADMIN__GROUP_ROLES": '{"sre": "root"}'}, "instance-admin"),
        ("api", {"LOOKOUT_ADMIN__DEFAULT_ROLE": "owner"}, "member"),
        # Every SSO user an instance admin would be one typo away: not allowed.
        ("api", {"LOOKOUT_ADMIN__DEFAULT_ROLE": "instance-admin"}, "admin.default_role"),
        ("api", {"LOOKOUT_ADMIN__MAX_RETENTION_DAYS": "0"}, "greater than or equal to 1"),
        ("api", {"LOOKOUT_ADMIN__RATE_LIMITS__BURST": "0"}, "greater than or equal to 1"),
        ("scheduler", {"LOOKOUT_OBJECT_STORAGE__URI": "lookout-data"}, "should match pattern"),
        ("scheduler", {"LOOKOUT_VACUUM_SCHEDULE": "daily"}, "should match pattern"),
    ],
)
def test_invalid_combinations_are_rejected(
    env: pytest.MonkeyPatch, service: str, changes: dict[str, str | None], message: str
) -> None:
    for name, value in changes.items():
        if value is None:
            env.delenv(name)
        else:
            env.setenv(name, value)
    with pytest.raises(ValidationError, match=message):
        load_settings(service)


def write_secret_files(directory: Path, env: pytest.MonkeyPatch) -> None:
    """Move every SECRET_VALUES entry from the environment into a file named like it."""
    for name, value in SECRET_VALUES.items():
        env.delenv(name)
        # A trailing newline, as `kubectl create secret --from-file` often leaves one.
        (directory / name).write_text(value + "\n", encoding="utf-8")


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_secrets_load_from_files_and_stay_masked(
    env: pytest.MonkeyPatch, secrets: Path, service: str
) -> None:
    write_secret_files(secrets, env)
    assert not any(name in os.environ for name in SECRET_VALUES)
    result = check_config(service)
    assert result.exit_code == 0, result.stderr
    for value in SECRET_VALUES.values():
        assert value not in result.stdout
    assert DB_PASSWORD not in result.stdout
    lines = set(result.stdout.splitlines())
    assert "database.dsn = **********" in lines or "database" not in SERVICES[service].model_fields


def test_secret_files_fill_nested_fields_next_to_env_vars(
    env: pytest.MonkeyPatch, secrets: Path
) -> None:
    write_secret_files(secrets, env)
    env.setenv("LOOKOUT_DATABASE__POOL_SIZE", "25")
    api = load_settings("api")
    assert api.database.dsn.hosts()[0]["password"] == DB_PASSWORD
    assert api.database.pool_size == 25
    assert api.auth.jwt_secret.get_secret_value() == JWT_SECRET
    assert api.admin.totp_secret is not None
    assert api.admin.totp_secret.get_secret_value() == SECRET_VALUES["LOOKOUT_ADMIN__TOTP_SECRET"]


def test_env_var_wins_over_secret_file(env: pytest.MonkeyPatch, secrets: Path) -> None:
    # The documented order: init kwargs, env vars, secret files, defaults.
    (secrets / "LOOKOUT_AUTH__JWT_SECRET").write_text("file-" + "f" * 40, encoding="utf-8")
    assert load_settings("query").auth.jwt_secret.get_secret_value() == JWT_SECRET


def test_kubernetes_secret_volume_layout_is_read(env: pytest.MonkeyPatch, secrets: Path) -> None:
    # A Secret volume: files in a timestamped dir, reached through ..data and per-key links.
    data = secrets / "..2024_01_01_00_00_00.000000000"
    data.mkdir()
    (data / "LOOKOUT_DATABASE__DSN").write_text(SECRET_VALUES["LOOKOUT_DATABASE__DSN"])
    (secrets / "..data").symlink_to(data.name)
    (secrets / "LOOKOUT_DATABASE__DSN").symlink_to("..data/LOOKOUT_DATABASE__DSN")
    env.delenv("LOOKOUT_DATABASE__DSN")
    assert load_settings("migrations").database.dsn.hosts()[0]["password"] == DB_PASSWORD


def test_missing_secrets_dir_is_fine(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    env.setenv(SECRETS_DIR_ENV, str(tmp_path / "absent"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_settings("api")
    result = check_config("api")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""


def test_secrets_dir_defaults_to_where_the_chart_mounts(env: pytest.MonkeyPatch) -> None:
    env.delenv(SECRETS_DIR_ENV)
    assert CHART.secrets_dir == SECRETS_DIR
    for settings in SERVICES.values():
        assert settings.model_config["secrets_dir"] == CHART.secrets_dir


@pytest.mark.parametrize(
    "seed", ["JBSWY3DPEHPK3PXP", "jbswy3dpehpk3pxp", "JBSWY3DPEHPK3PXPAB======"]
)
def test_totp_secret_accepts_base32(env: pytest.MonkeyPatch, seed: str) -> None:
    env.setenv("LOOKOUT_ADMIN__TOTP_SECRET", seed)
    totp = load_settings("api").admin.totp_secret
    assert totp is not None
    assert totp.get_secret_value() == seed


@pytest.mark.parametrize(
    "seed",
    [
        "JBSWY3DPEHPK3PX",  # 15 characters
        "JBSWY3DPEHPK3PX1",  # 1 is not base32
        "JBSWY3DP EHPK3PXP",  # grouped for reading
        "JBSWY3DPEHPK3PXPA",  # no whole byte in the last group
    ],
)
def test_totp_secret_rejects_other_values_without_echoing(
    env: pytest.MonkeyPatch, seed: str
) -> None:
    env.setenv("LOOKOUT_ADMIN__TOTP_SECRET", seed)
    result = check_config("api")
    assert result.exit_code == 1
    assert "admin.totp_secret [LOOKOUT_ADMIN__TOTP_SECRET]" in result.stderr
    assert "base32" in result.stderr
    assert seed not in result.stderr


def test_unset_totp_secret_is_fine(env: pytest.MonkeyPatch) -> None:
    env.delenv("LOOKOUT_ADMIN__TOTP_SECRET")
    assert load_settings("api").admin.totp_secret is None


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"LOOKOUT_RETENTION__LOGS_DAYS": "400"}, "retention.logs_days (400)"),
        ({"LOOKOUT_ADMIN__MAX_RETENTION_DAYS": "60"}, "retention.metrics_days (90)"),
    ],
)
def test_scheduler_retention_above_instance_cap_is_rejected(
    env: pytest.MonkeyPatch, changes: dict[str, str], named: str
) -> None:
    for name, value in changes.items():
        env.setenv(name, value)
    result = check_config("scheduler")
    assert result.exit_code == 1
    assert named in result.stderr
    assert "must not exceed admin.max_retention_days" in result.stderr


def test_scheduler_retention_up_to_the_cap_is_fine(env: pytest.MonkeyPatch) -> None:
    env.setenv("LOOKOUT_ADMIN__MAX_RETENTION_DAYS", "90")
    env.setenv("LOOKOUT_RETENTION__METRICS_DAYS", "90")
    assert load_settings("scheduler").retention.metrics_days == 90


def roles_problems(model: type[BaseModel], top: bool) -> list[str]:
    """Fields breaking the role rules: one role per leaf, none on groups, Shared only on top."""
    problems: list[str] = []
    for name, info in model.model_fields.items():
        where = f"{model.__name__}.{name}"
        roles = [m for m in info.metadata if isinstance(m, ROLES)]
        shared = [m for m in info.metadata if isinstance(m, Shared)]
        if not info.description:
            problems.append(f"{where}: no description")
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            if roles or (shared and not top):
                problems.append(f"{where}: group with {roles or shared}")
            problems.extend(roles_problems(annotation, top=False))
        elif len(roles) != 1 or shared:
            problems.append(f"{where}: leaf with roles {roles}, shared {shared}")
    return problems


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_every_leaf_has_exactly_one_role(service: str) -> None:
    assert roles_problems(SERVICES[service], top=True) == []


def leaf_roles(role_type: type) -> dict[str, object]:
    """Every leaf (dotted path) of any service whose role is a ``role_type``, with the role."""
    found: dict[str, object] = {}
    for settings in SERVICES.values():
        for path, info in iter_leaves(settings):
            found.update({".".join(path): r for r in roles_of(info) if isinstance(r, role_type)})
    return found


def test_every_outbound_address_is_an_endpoint_with_its_port() -> None:
    assert leaf_roles(Endpoint) == {
        "database.dsn": Endpoint("postgresql", sensitive=True, port=5432),
        "object_storage.uri": Endpoint("s3", port=443),
        "object_storage.endpoint_url": Endpoint("s3", port=443),
        "oidc.issuer": Endpoint("oidc", port=443),
        "smtp.host": Endpoint("smtp", port=587),
        "telemetry.otlp_endpoint": Endpoint("otlp", port=4318),
    }


def test_url_settings_are_endpoints_or_wired() -> None:
    # Anything else holding a URL could be a way out of the cluster the chart doesn't know.
    own_address = {"instance.public_url"}  # the app's own hostname, never dialled
    roles = {**leaf_roles(Endpoint), **leaf_roles(Wired)}
    for settings in SERVICES.values():
        for path, info in iter_leaves(settings):
            dotted = ".".join(path)
            if "Url" in str(info.annotation) or "Dsn" in str(info.annotation):
                assert dotted in roles or dotted in own_address, dotted


def test_secret_generation_policy() -> None:
    secrets = leaf_roles(Secret)
    jwt = secrets["auth.jwt_secret"]
    assert isinstance(jwt, Secret)
    assert jwt.generate >= JWT_SECRET_MIN_LENGTH
    # Never made up in production; in dev mode (throwaway data) a generated key is fine.
    assert secrets["auth.encryption_key"] == Secret(
        create_hint=ENCRYPTION_KEY_HINT, dev_generate=32, encoding="base64"
    )
    assert secrets["admin.bootstrap_password"] == Secret(generate=32)
    generated = {path for path, role in secrets.items() if getattr(role, "generate", 0)}
    assert generated == {"auth.jwt_secret", "admin.bootstrap_password"}


def test_encryption_key_hint_prints_a_valid_key() -> None:
    if shutil.which("python3") is None:
        pytest.skip("the hint runs python3, which is not on PATH")
    printed = subprocess.run(
        ["sh", "-c", ENCRYPTION_KEY_HINT], capture_output=True, text=True, check=True, timeout=30
    ).stdout.strip()
    AuthSettings(jwt_secret=JWT_SECRET, encryption_key=printed)


def declared_leaves(model: type[BaseModel]) -> set[tuple[str, str]]:
    """(declaring model, field name) of every leaf: a shared section counts once."""
    leaves: set[tuple[str, str]] = set()
    for name, info in model.model_fields.items():
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            leaves |= declared_leaves(annotation)
        else:
            leaves.add((model.__name__, name))
    return leaves


def test_enough_distinct_settings() -> None:
    assert len(set().union(*(declared_leaves(cls) for cls in SERVICES.values()))) >= 60


def test_chart_declares_one_workload_per_service() -> None:
    assert {w.name: w.settings for w in CHART.workloads} == SERVICES
    assert CHART.app_version == lookout.__version__
    migrations = next(w for w in CHART.workloads if w.name == "migrations")
    assert (migrations.kind, migrations.hook, migrations.ports) == ("Job", True, ())


def test_chart_wiring_points_at_declared_ports() -> None:
    ports = {w.name: {p.name for p in w.ports} for w in CHART.workloads}
    for workload in CHART.workloads:
        for info in workload.settings.model_fields.values():
            for role in info.metadata:
                if isinstance(role, Wired) and role.fact in ("port", "url"):
                    assert role.port in ports[role.workload or workload.name]
        for probe in (workload.liveness, workload.readiness):
            if isinstance(probe, ExecProbe):
                assert probe.command[-2:] == ("check-config", workload.name)
            elif probe is not None:
                assert probe.port in ports[workload.name]
        for path in workload.ingress:
            assert path.port in ports[workload.name]


def test_public_url_setting_exists() -> None:
    group, field = CHART.public_url_setting.split(".")
    users = [w for w in CHART.workloads if group in w.settings.model_fields]
    assert users
    for workload in users:
        assert field in workload.settings.model_fields[group].annotation.model_fields


def run_module(
    *args: str, extra: dict[str, str], app_env: dict[str, str] = COMPLETE_ENV
) -> subprocess.CompletedProcess[str]:
    base = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT / "apps" / "lookout")}
    return subprocess.run(
        [sys.executable, "-m", "lookout", *args],
        env={**base, **app_env, **extra},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_python_dash_m_lookout_check_config() -> None:
    good = run_module("check-config", "worker", extra={})
    assert good.returncode == 0, good.stderr
    assert "database.dsn = **********" in good.stdout
    assert DB_PASSWORD not in good.stdout
    bad = run_module("check-config", "worker", extra={"LOOKOUT_CONCURRENCY": "0"})
    assert bad.returncode == 1
    assert "concurrency [LOOKOUT_CONCURRENCY]" in bad.stderr


def test_python_dash_m_lookout_reads_secret_files(tmp_path: Path) -> None:
    for name, value in SECRET_VALUES.items():
        (tmp_path / name).write_text(value, encoding="utf-8")
    plain = {k: v for k, v in COMPLETE_ENV.items() if k not in SECRET_VALUES}
    result = run_module(
        "check-config", "api", extra={SECRETS_DIR_ENV: str(tmp_path)}, app_env=plain
    )
    assert result.returncode == 0, result.stderr
    assert "auth.encryption_key = **********" in result.stdout
    assert ENCRYPTION_KEY not in result.stdout


def test_serve_refuses_to_start_on_settings_check_config_rejects() -> None:
    # serve is real now (tests/lookout/test_serve_*.py run every service); it loads like
    # check-config.
    result = CliRunner().invoke(main, ["serve", "api"])
    assert result.exit_code == 1
    assert "ApiSettings did not load" in result.stderr


def test_a_dev_generated_encryption_key_is_valid() -> None:
    """What the chart makes up in dev mode: base64 of 32 random characters, i.e. 32 bytes."""
    import base64
    import secrets as random

    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    made_up = "".join(random.choice(alphabet) for _ in range(32))
    AuthSettings(jwt_secret=JWT_SECRET, encryption_key=base64.b64encode(made_up.encode()).decode())
