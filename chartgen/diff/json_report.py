"""The report as JSON, for CI and tools."""

from __future__ import annotations

import json

from chartgen.diff.compare import Report


def render_json(report: Report) -> str:
    data = {
        "chart": report.chart,
        "base": report.base,
        "baseVersion": report.verdict.base,
        "version": report.verdict.current,
        "verdict": report.verdict.as_json(),
        "changes": [change.as_json() for change in report.changes],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
