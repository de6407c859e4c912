"""The report as upgrade notes: one release section, ready for a CHANGELOG."""

from __future__ import annotations

from chartgen.diff.compare import Report
from chartgen.diff.model import Change

SECTIONS = (
    ("breaking", "Breaking changes"),
    ("needs-attention", "Needs attention"),
    ("safe", "Safe"),
)
SEPARATOR = " × "  # between an example and a preset in a render's label


def _split(label: str) -> tuple[str, str]:
    example, _, preset = label.rpartition(SEPARATOR)
    return (example, preset) if example else (label, "")


def _where(change: Change, renders: tuple[str, ...]) -> str:
    """Where a rendered change shows, shortest first: every render, or per example."""
    if not change.renders:
        return ""
    if set(renders) <= set(change.renders):
        return " (every render)"
    presets = {_split(label)[1] for label in renders}
    by_example: dict[str, list[str]] = {}
    for label in change.renders:
        example, preset = _split(label)
        by_example.setdefault(example, []).append(preset)
    parts = []
    for example, seen in by_example.items():
        name = "" if example == change.object else example
        if len(presets) > 1 and set(seen) >= presets:
            parts.append(f"{name}, every preset" if name else "every preset")
        else:
            parts.append(SEPARATOR.join(p for p in (name, ", ".join(filter(None, seen))) if p))
    return f" ({'; '.join(p for p in parts if p)})" if any(parts) else ""


def _items(changes: list[Change], renders: tuple[str, ...]) -> list[str]:
    # One line per subject: a key whose type, requirement and description all changed reads
    # as one entry.
    grouped: dict[tuple[str, tuple[str, ...]], list[Change]] = {}
    for change in changes:
        grouped.setdefault((change.subject, change.renders), []).append(change)
    lines = []
    for (subject, _), group in grouped.items():
        reasons = "; ".join(dict.fromkeys(c.reason.rstrip(".") for c in group))
        actions = "; ".join(dict.fromkeys(c.action.rstrip(".") for c in group if c.action))
        line = f"- **{subject}**{_where(group[0], renders)}: {reasons}."
        if actions and group[0].classification != "safe":
            line += f" **To do:** {actions}."
        lines.append(line)
    return lines


def render_markdown(report: Report) -> str:
    verdict = report.verdict
    lines = [f"## {verdict.current} (from {verdict.base})", ""]
    lines.append(
        f"Compared with {report.base}; rendered objects compared for {len(report.renders)} "
        "preset × example combinations."
    )
    for classification, title in SECTIONS:
        lines += ["", f"### {title}", ""]
        items = [c for c in report.changes if c.classification == classification]
        lines += _items(items, report.renders) or ["None."]
    gate = "**Version bump OK**" if verdict.ok else "**Version bump not enough**"
    lines += ["", "### Version", "", f"{gate}: {verdict.message}"]
    return "\n".join(lines) + "\n"
