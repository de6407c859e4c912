"""Declared renames: one declaration, three effects (app, chart guard, schema)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest
from lookout.chart import CHART as DECLARATION
from lookout.settings.telemetry import TelemetrySettings
from lookout.settings.worker import WorkerSettings

from chartgen.model.declaration import Removal
from chartgen.model.spec import build_spec
from chartgen.retired import RetiredKey, add_retired_keys, retired_keys
from tests.helm import CHART, Helm

MINIMAL = CHART / "ci" / "minimal-values.yaml"
SCHEMA = json.loads((CHART / "values.schema.json").read_text())
OLD, NEW = "telemetry.sampleRatio", "telemetry.traceSampleRatio"


def test_the_reference_app_declares_its_rename() -> None:
    keys = {key.dotted: key for key in retired_keys(build_spec(DECLARATION))}
    assert keys[OLD].renamed_to == tuple(NEW.split("."))
    assert keys[OLD].since == "0.2.0"


def test_the_schema_lets_the_old_key_through_to_the_guard() -> None:
    telemetry = SCHEMA["definitions"]["Telemetry"]["properties"]
    assert telemetry["sampleRatio"]["deprecated"] is True
    assert telemetry["sampleRatio"]["x-renamed-to"] == NEW
    assert "traceSampleRatio" in telemetry


def test_a_render_still_setting_the_old_key_fails_naming_the_new_one(
    helm: Helm, tmp_path: Path
) -> None:
    old_file, new_file = tmp_path / "old.yaml", tmp_path / "new.yaml"
    old_file.write_text("telemetry:\n  sampleRatio: 0.5\n")
    new_file.write_text("telemetry:\n  traceSampleRatio: 0.5\n")
    result = helm.run(*helm.template_args([MINIMAL, old_file]))
    assert result.returncode != 0
    assert "REMOVALS:" in result.stderr
    assert OLD in result.stderr and NEW in result.stderr
    assert "kind:" not in result.stdout
    # The new key renders, and reaches the app under its new env var.
    docs = helm.template([MINIMAL, new_file])
    config = next(
        d for d in docs if d["metadata"]["name"] == "rel-lookout-api" and d["kind"] == "ConfigMap"
    )
    assert config["data"]["LOOKOUT_TELEMETRY__TRACE_SAMPLE_RATIO"] == "0.5"


def _worker_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(__import__("os").environ):
        if name.startswith("LOOKOUT_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("LOOKOUT_SECRETS_DIR", str(tmp_path))
    required = {
        "LOOKOUT_INSTANCE__PUBLIC_URL": "https://lookout.example.com",
        "LOOKOUT_ADMIN__EMAIL": "ops@example.com",
        "LOOKOUT_DATABASE__DSN": "postgresql://u:p@db:5432/lookout",
        "LOOKOUT_OBJECT_STORAGE__URI": "s3://bucket",
        "LOOKOUT_AUTH__JWT_SECRET": "j" * 48,
        "LOOKOUT_AUTH__ENCRYPTION_KEY": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
    }
    for name, value in required.items():
        monkeypatch.setenv(name, value)


def test_the_app_still_reads_the_old_env_var(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _worker_env(monkeypatch, tmp_path)
    monkeypatch.setenv("LOOKOUT_TELEMETRY__SAMPLE_RATIO", "0.25")
    with pytest.warns(DeprecationWarning, match="LOOKOUT_TELEMETRY__TRACE_SAMPLE_RATIO"):
        settings = WorkerSettings()
    assert settings.telemetry.trace_sample_ratio == 0.25


def test_the_new_env_var_wins_over_the_old(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _worker_env(monkeypatch, tmp_path)
    monkeypatch.setenv("LOOKOUT_TELEMETRY__SAMPLE_RATIO", "0.25")
    monkeypatch.setenv("LOOKOUT_TELEMETRY__TRACE_SAMPLE_RATIO", "0.75")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        settings = WorkerSettings()
    assert settings.telemetry.trace_sample_ratio == 0.75
    assert "sample_ratio" not in TelemetrySettings.model_fields


def test_a_declared_removal_becomes_a_deprecated_key_and_a_message() -> None:
    removal = Removal("api.settings.legacyMode", since="0.3.0", reason="it is always on now")
    key = RetiredKey(tuple(removal.key.split(".")), removal.since, reason=removal.reason)
    schema = json.loads(json.dumps(SCHEMA))
    add_retired_keys(schema, (key,))
    settings = schema["definitions"]["ApiSettings"]["properties"]["legacyMode"]
    assert settings["x-removed"] == "it is always on now"
    assert key.message == (
        "api.settings.legacyMode was removed in chart 0.3.0: it is always on now"
    )
