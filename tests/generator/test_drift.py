"""Drift: a new setting cannot ship without a role, and stale output fails the check."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.copies import chartgen, copy_project

NEW_FIELD = """
    retry_budget: int = Field(3, ge=0, description="Retries per request before giving up.")
"""


def _add_to_api_settings(project: Path, field_source: str) -> None:
    module = project / "lookout" / "settings" / "api.py"
    text = module.read_text()
    match = re.search(r"class ApiSettings\(.*?\):\n(    \"\"\".*?\"\"\"\n)?", text, re.S)
    assert match, "ApiSettings class not found"
    module.write_text(text[: match.end()] + field_source + text[match.end() :])


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_project(tmp_path)


def test_copy_is_fresh(project: Path) -> None:
    result = chartgen(project, "check")
    assert result.returncode == 0, result.stdout + result.stderr


def _files(directory: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(directory)): p.read_bytes() for p in directory.rglob("*") if p.is_file()
    }


def test_field_without_role_is_refused(project: Path) -> None:
    before = _files(project / "generated")
    _add_to_api_settings(project, NEW_FIELD)
    result = chartgen(project, "build")
    assert result.returncode == 1
    assert "ApiSettings.retry_budget" in result.stderr
    for role in ("value", "secret", "endpoint", "wired", "internal"):
        assert role in result.stderr
    # Nothing was written: the committed chart is untouched, and check refuses too.
    assert _files(project / "generated") == before
    assert chartgen(project, "check").returncode == 1


def test_field_with_role_reaches_values_and_stale_check_fails(project: Path) -> None:
    _add_to_api_settings(project, NEW_FIELD.replace("int =", "Annotated[int, VALUE] ="))
    stale = chartgen(project, "check")
    assert stale.returncode == 1
    assert "+    retryBudget: 3" in stale.stdout  # values.yaml gains the key with its default
    assert "LOOKOUT_RETRY_BUDGET" in stale.stdout  # the api ConfigMap renders it
    assert "make chart" in stale.stderr

    built = chartgen(project, "build")
    assert built.returncode == 0, built.stderr
    assert chartgen(project, "check").returncode == 0


def test_removed_file_is_reported_and_deleted(project: Path) -> None:
    extra = project / "generated" / "lookout" / "templates" / "leftover.yaml"
    extra.write_text("kind: ConfigMap\n")
    stale = chartgen(project, "check")
    assert stale.returncode == 1
    assert "a/generated/lookout/templates/leftover.yaml" in stale.stdout
    assert chartgen(project, "build").returncode == 0
    assert not extra.exists()


def test_a_preset_below_the_apps_minimum_is_refused(project: Path) -> None:
    preset = project / "presets" / "tiny.yaml"
    text = preset.read_text()
    api = text.index("  api:")
    limit = text.index("memory: 512Mi", text.index("limits:", api))
    preset.write_text(text[:limit] + "memory: 256Mi" + text[limit + len("memory: 512Mi") :])
    result = chartgen(project, "build")
    assert result.returncode == 1
    assert "presets/tiny.yaml: workloads.api.resources.limits.memory" in result.stderr
