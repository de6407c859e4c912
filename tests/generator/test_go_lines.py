"""Long Go template lines are broken inside their actions only, and render the same."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from chartgen.build import build_chart
from chartgen.config import find_project
from chartgen.render.go_lines import WIDTH, fit_line, fit_lines
from tests.helm import PINNED, Helm

PROJECT = find_project(Path(__file__).resolve().parents[2] / "apps" / "lookout")

CONDITION = (
    "      {{- if and (not .Values.dev.enabled) (not (or"
    " .Values.networkPolicy.egress.postgresql.cidrs"
    " .Values.networkPolicy.egress.postgresql.peers"
    " .Values.networkPolicy.egress.postgresql.anyAddress)) }}"
)
MESSAGE = (
    '{{- $errors = append $errors (printf "%s.resources: set requests.%s or limits.%s; derived '
    'settings and scheduling need one, and this message goes on a while longer." $w $name $name) }}'
)
PIPELINE = (
    "  LOOKOUT_ADMIN__RATE_LIMITS__LOGIN_ATTEMPTS_PER_HOUR_AND_THEN_SOME: "
    "{{ .Values.admin.rateLimits.loginAttemptsPerHour | int64 | quote }}"
)


def _rejoined(lines: tuple[str, ...]) -> str:
    return lines[0] + "".join(" " + line.strip() for line in lines[1:])


@pytest.mark.parametrize("line", [CONDITION, PIPELINE])
def test_a_long_action_is_broken_at_its_spaces_into_lines_that_fit(line: str) -> None:
    lines = fit_line(line)
    assert len(lines) > 1
    assert all(len(part) <= WIDTH for part in lines), lines
    assert _rejoined(lines) == line
    indent = len(line) - len(line.lstrip())
    assert all(part.startswith(" " * (indent + 4)) for part in lines[1:])


def test_breaks_prefer_the_outermost_and_keep_keywords_and_pipes_readable() -> None:
    lines = fit_line(CONDITION)
    assert lines[0].rstrip().endswith("(not .Values.dev.enabled)")  # between and's arguments
    assert lines[1].lstrip().startswith("(not (or ")  # not "(not" alone
    assert not any(part.rstrip().endswith(("(not", "|")) for part in lines)
    assert not any(part.lstrip().startswith("}}") for part in lines)
    assert fit_line(PIPELINE)[-1].lstrip().startswith("|")


def test_a_literal_too_long_for_a_line_becomes_a_print_of_the_same_text() -> None:
    lines = fit_line(MESSAGE)
    assert all(len(part) <= WIDTH for part in lines), lines
    text = "\n".join(lines)
    pieces = [json.loads(p) for p in re.findall(r'"(?:[^"\\]|\\.)*"', text.split("(print", 1)[1])]
    message = json.loads(re.search(r'\(printf ("(?:[^"\\]|\\.)*")', MESSAGE).group(1))
    assert "".join(pieces).startswith(message)


def test_text_outside_actions_and_comments_stay_as_they_are() -> None:
    prose = "word " * 40 + "{{ .Values.x }}"
    comment = "{{- /* " + "a comment that runs on " * 10 + "*/}}"
    assert fit_line(prose) == (prose,)
    assert fit_line(comment) == (comment,)
    assert fit_lines(f"{prose}\n{comment}\n") == f"{prose}\n{comment}\n"


def test_no_line_of_the_generated_templates_needs_sideways_scrolling() -> None:
    chart = build_chart(PROJECT)
    long = [
        f"{path}:{number}: {len(line)}"
        for path, text in chart.files.items()
        if path.startswith("templates/")
        for number, line in enumerate(text.splitlines(), 1)
        if len(line) > WIDTH
    ]
    assert not long


@pytest.mark.parametrize("helm", ["helm3", "helm4"])
def test_both_helm_lines_render_a_fitted_template_as_the_original(
    helm: str, tmp_path: Path
) -> None:
    values = {
        "dev": {"enabled": False},
        "networkPolicy": {"egress": {"postgresql": {"cidrs": [], "peers": []}}},
        "admin": {"rateLimits": {"loginAttemptsPerHour": 12}},
        "w": "api",
        "name": "cpu",
    }
    body = "\n".join(
        [
            "data:",
            CONDITION.replace("      {{- if", "{{- if") + "\n  postgres: open\n{{- end }}",
            PIPELINE,
            "{{- $errors := list }}{{- $w := .Values.w }}{{- $name := .Values.name }}",
            MESSAGE,
            "  message: {{ first $errors | quote }}",
        ]
    )
    outputs = []
    for name, text in (("original", body), ("fitted", fit_lines(body))):
        chart = tmp_path / name
        (chart / "templates").mkdir(parents=True)
        (chart / "Chart.yaml").write_text(f"apiVersion: v2\nname: {name}\nversion: 0.1.0\n")
        (chart / "values.yaml").write_text(json.dumps(values))
        (chart / "templates" / "cm.yaml").write_text(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n" + text + "\n"
        )
        result = Helm(helm, PINNED[helm], tmp_path / "home").run("template", "rel", str(chart))
        assert result.returncode == 0, result.stderr
        outputs.append(result.stdout.replace(f"{name}/templates", "chart/templates"))
    assert fit_lines(body) != body
    assert outputs[0] == outputs[1]
    assert "postgres: open" in outputs[0] and "derived settings" in outputs[0]
