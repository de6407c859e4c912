"""The lookout reference app: its settings load, print safely, fail clearly, and carry roles."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from pydantic import BaseModel, ValidationError

import lookout
from chartgen.declaration import ExecProbe
from chartgen.roles import Derived, Endpoint, Internal, Secret, Shared, Value, Wired
from lookout.chart import CHART
from lookout.check_config import load_settings
from lookout.cli import main
from lookout.settings import SERVICES

ROOT = Path(__file__).resolve().parents[1]
ROLE_TYPES = (Value, Secret, Endpoint, Derived, Wired, Internal)

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
}
# Every setting any service needs, plus every optional secret, so masking is exercised.
COMPLETE_ENV = {
    "LOOKOUT_INSTANCE__PUBLIC_URL": "https://lookout.example.com",
    "LOOKOUT_INSTANCE__ADMIN_EMAIL": "ops@example.com",
    "LOOKOUT_OBJECT_STORAGE__URI": "s3://lookout-data/prod",
    "LOOKOUT_OIDC__ISSUER": "https://idp.example.com",
    "LOOKOUT_OIDC__CLIENT_ID": "lookout",
    "LOOKOUT_SMTP__HOST": "smtp.example.com",
    "LOOKOUT_SMTP__USERNAME": "lookout",
    **SECRET_VALUES,
}


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """A process environment holding exactly COMPLETE_ENV among LOOKOUT_ variables."""
    for name in list(os.environ):
        if name.upper().startswith("LOOKOUT_"):
            monkeypatch.delenv(name)
    for name, value in COMPLETE_ENV.items():
        monkeypatch.setenv(name, value)
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
    env.setenv("LOOKOUT_RATE_LIMITS__BURST", "7")
    env.setenv("LOOKOUT_DATABASE__POOL_SIZE", "25")
    env.setenv("LOOKOUT_CORS_ALLOWED_ORIGINS", '["https://a.example", "https://b.example"]')
    env.setenv("LOOKOUT_OIDC__SCOPES", '["openid", "groups"]')
    env.setenv("LOOKOUT_FEATURE_FLAGS", '{"dashboards_v2": true}')
    env.setenv("LOOKOUT_JOB_TIMEOUTS", '{"export": 1200}')
    env.setenv("LOOKOUT_ACCEPTED_SIGNALS", '["traces"]')
    env.setenv("LOOKOUT_RETENTION__TRACES_DAYS", "14")
    api = load_settings("api")
    assert api.rate_limits.burst == 7
    assert api.rate_limits.requests_per_minute == 600
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
        ("frontend", {"LOOKOUT_INSTANCE__ADMIN_EMAIL": "ops"}, "should match pattern"),
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


def roles_problems(model: type[BaseModel], top: bool) -> list[str]:
    """Fields breaking the role rules: one role per leaf, none on groups, Shared only on top."""
    problems: list[str] = []
    for name, info in model.model_fields.items():
        where = f"{model.__name__}.{name}"
        roles = [m for m in info.metadata if isinstance(m, ROLE_TYPES)]
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


def run_module(*args: str, extra: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "lookout", *args],
        env={**base, **COMPLETE_ENV, **extra},
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


@pytest.mark.parametrize("args", [["serve", "api"], ["migrate"]])
def test_placeholder_commands_say_so(args: list[str]) -> None:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert "not implemented" in result.stderr
