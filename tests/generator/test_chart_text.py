"""How the generator writes Go template text: long messages wrapped, sections grouped.
(Every line of the chart fits a width: tests/generator/test_go_lines.py.)"""

from __future__ import annotations

import json
import re
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

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
