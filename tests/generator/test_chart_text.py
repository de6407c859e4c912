"""How the generator writes Go template text: long messages wrapped, sections grouped."""

from __future__ import annotations

import json
import re
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from chartgen.build import build_chart
from chartgen.chart_templates import go_text, sections_by_parent
from chartgen.config import find_project

PROJECT = find_project(Path(__file__).resolve().parents[2] / "apps" / "lookout")


def test_sections_are_grouped_under_their_parent_parents_first() -> None:
    sections = ["image", "ingress", "ingress.tls", "api", "api.settings", "api.settings.retry"]
    grouped = sections_by_parent(sections)
    assert grouped == {
        "": ["image", "ingress", "api"],
        "api": ["settings"],
        "api.settings": ["retry"],
        "ingress": ["tls"],
    }
    # The template walks them in this order and finds each parent before its children.
    order = list(grouped)
    for parent in order:
        if parent:
            grandparent = parent.rpartition(".")[0]
            assert order.index(grandparent) < order.index(parent)


def _literals(expression: str) -> list[str]:
    return [json.loads(m) for m in re.findall(r'"(?:[^"\\]|\\.)*"', expression)]


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=400))
def test_go_text_is_the_text_in_short_lines(text: str) -> None:
    expression = go_text(text)
    assert "".join(_literals(expression)) == text
    words_fit = all(len(word) < 80 for word in text.split(" "))
    if words_fit:
        assert max(len(line) for line in expression.splitlines()) <= 100, expression


def test_messages_of_the_chart_need_no_sideways_scrolling() -> None:
    """The long lines left are conditions (a regex, a chain of `and`); no message is one."""
    chart = build_chart(PROJECT)
    for path, text in chart.files.items():
        if not path.startswith("templates/"):
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if "append $errors" in line or "fail " in line:
                assert len(line) <= 150, f"{path}:{number}: {line}"
            assert len(line) <= 300, f"{path}:{number} is {len(line)} characters"
