"""pydantic's anyOf of single-type branches is written as one schema with a type list
(chartgen.schema): the same values pass and fail, and Helm names the check that failed."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st

from chartgen.schema import _clean

VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 300) | st.floats(-5, 300) | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=6,
)
NULL = {"type": "null"}
# What pydantic writes for X | None and X | Y | None, and how chartgen writes it.
MERGED = [
    ([{"type": "integer", "minimum": 1, "maximum": 64}, NULL], ["integer", "null"]),
    ([{"type": "string", "pattern": "^a", "maxLength": 3}, NULL], ["string", "null"]),
    ([{"type": "boolean"}, NULL], ["boolean", "null"]),
    ([{"type": "object", "additionalProperties": {"type": "string"}}, NULL], ["object", "null"]),
    ([{"type": "array", "items": {"type": "integer"}}, NULL], ["array", "null"]),
    (
        [{"type": "integer", "minimum": 0}, {"type": "string", "pattern": "^[0-9]+%$"}, NULL],
        ["integer", "string", "null"],
    ),
]
# Kept as anyOf: a branch whose keywords also judge other types, or overlapping types.
KEPT = [
    [{"type": "string", "enum": ["a", "b"]}, NULL],
    [{"type": "string", "const": ""}, {"type": "string", "pattern": "^x"}],
    [{"type": "integer", "minimum": 3}, {"type": "number", "maximum": 1}],
    [{"$ref": "#/$defs/A"}, NULL],
    [{"type": "integer", "not": {"const": 2}}, NULL],
]


@pytest.mark.parametrize(("branches", "types"), MERGED)
def test_single_type_branches_become_one_schema(branches: list[Any], types: list[str]) -> None:
    written = _clean({"anyOf": branches, "description": "d"})
    assert "anyOf" not in written
    assert written["type"] == types
    assert written["description"] == "d"


@pytest.mark.parametrize("branches", KEPT)
def test_branches_that_judge_other_types_stay_an_any_of(branches: list[Any]) -> None:
    assert _clean({"anyOf": branches})["anyOf"] == branches


@given(VALUES)
def test_the_same_values_pass(value: Any) -> None:
    for branches, _ in MERGED:
        before = jsonschema.Draft7Validator({"anyOf": branches}).is_valid(value)
        after = jsonschema.Draft7Validator(_clean({"anyOf": branches})).is_valid(value)
        assert before == after, (branches, value)
