"""values.schema.json is written in draft-07 (chartgen.draft7): the same checks as pydantic's
2020-12 schema, or the build fails naming what draft-07 cannot say."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from chartgen.build import build_chart
from chartgen.config import load_project
from chartgen.draft7 import DialectError, to_draft7
from chartgen.model.spec import build_spec
from chartgen.presets import load_presets
from chartgen.retired import retired_keys
from chartgen.schema import schema_2020_12
from chartgen.values_model import values_model

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "apps" / "lookout"


def test_defs_become_definitions_and_refs_follow() -> None:
    schema = {
        "$defs": {"A": {"type": "object", "properties": {"$ref": {"type": "string"}}}},
        "properties": {
            "a": {"$ref": "#/$defs/A", "description": "kept"},
            "items": {"anyOf": [{"$ref": "#/$defs/A"}, {"type": "null"}]},
        },
    }
    assert to_draft7(schema) == {
        "definitions": {"A": {"type": "object", "properties": {"$ref": {"type": "string"}}}},
        "properties": {
            "a": {"$ref": "#/definitions/A", "description": "kept"},
            "items": {"anyOf": [{"$ref": "#/definitions/A"}, {"type": "null"}]},
        },
    }


def test_tuples_become_item_lists() -> None:
    closed = {"type": "array", "prefixItems": [{"type": "integer"}], "items": False}
    expected = {"type": "array", "items": [{"type": "integer"}], "additionalItems": False}
    assert to_draft7(closed) == expected
    open_ = {"type": "array", "prefixItems": [{"type": "string"}]}
    assert to_draft7(open_) == {"type": "array", "items": [{"type": "string"}]}


@pytest.mark.parametrize(
    "schema",
    [
        {"properties": {"a": {"type": "object", "unevaluatedProperties": False}}},
        {"dependentRequired": {"a": ["b"]}},
        {"properties": {"a": {"$ref": "#/$defs/A", "type": "object"}}},
    ],
)
def test_what_draft_07_cannot_say_fails(schema: dict[str, Any]) -> None:
    with pytest.raises(DialectError):
        to_draft7(schema)


def _defaults() -> dict[str, Any]:
    chart = build_chart(load_project(APP))
    return yaml.safe_load(chart.files["values.yaml"])  # type: ignore[no-any-return]


def _merged(base: Any, over: Any) -> Any:
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for key, value in over.items():
            out[key] = _merged(base.get(key), value)
        return out
    return over


def _variants(values: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The values as given, then with each mapping given an unknown key and each leaf null and
    a value of another JSON type: what the schema must accept and refuse alike in both."""
    yield values

    def paths(node: Any, at: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], Any]]:
        yield at, node
        if isinstance(node, dict):
            for key, value in node.items():
                yield from paths(value, (*at, key))

    for path, node in list(paths(values, ())):
        replacements: list[Any] = (
            [{**node, "unknownKey": 1}]
            if isinstance(node, dict)
            else [None, "text" if isinstance(node, list) else [1]]
        )
        for replacement in replacements:
            variant = copy.deepcopy(values)
            if not path:
                yield replacement
                continue
            parent = variant
            for key in path[:-1]:
                parent = parent[key]
            parent[path[-1]] = replacement
            yield variant


def _verdicts(validator: Any, instance: Any) -> set[tuple[tuple[Any, ...], str]]:
    return {(tuple(e.absolute_path), str(e.validator)) for e in validator.iter_errors(instance)}


# Keywords that mean the same in 2020-12 and draft-07 (annotations included: they check
# nothing in either), and the ones draft-07 spells otherwise: what a schema may hold here.
SAME_MEANING = frozenset(
    {
        "$schema", "$comment", "$ref", "type", "enum", "const", "properties",
        "additionalProperties", "patternProperties", "propertyNames", "required", "items",
        "minItems", "maxItems", "uniqueItems", "minimum", "maximum", "exclusiveMinimum",
        "exclusiveMaximum", "multipleOf", "minLength", "maxLength", "pattern", "anyOf", "oneOf",
        "allOf", "not", "if", "then", "else", "minProperties", "maxProperties", "description",
        "title", "default", "examples", "readOnly", "writeOnly", "deprecated",
    }
)  # fmt: skip


def _keywords(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("properties", "patternProperties", "$defs", "definitions"):
                for sub in value.values():
                    yield from _keywords(sub)
                continue
            yield key
            if key not in ("default", "enum", "const", "examples"):
                yield from _keywords(value)
    elif isinstance(node, list):
        for item in node:
            yield from _keywords(item)


def _lookout_schemas() -> tuple[dict[str, Any], dict[str, Any]]:
    project = load_project(APP)
    spec = build_spec(project.load_declaration())
    model = values_model(spec, load_presets(project.presets, spec.scalable))
    original = schema_2020_12(model, retired_keys(spec))
    return original, to_draft7(original)


def test_lookout_schema_changes_only_where_its_definitions_live() -> None:
    original, written = _lookout_schemas()
    unknown = {k for k in _keywords(original) if not k.startswith("x-")} - SAME_MEANING
    assert not unknown, f"keywords whose draft-07 meaning is not checked here: {unknown}"
    text = json.dumps(original).replace('"#/$defs/', '"#/definitions/')
    renamed = json.loads(text)
    renamed = {("definitions" if k == "$defs" else k): v for k, v in renamed.items()}
    assert written == renamed


def test_lookout_schema_refuses_in_draft_07_what_it_refused_in_2020_12() -> None:
    original, written = _lookout_schemas()
    jsonschema.Draft7Validator.check_schema(written)
    before = jsonschema.Draft202012Validator(original)
    after = jsonschema.Draft7Validator(written)
    defaults = _defaults()
    # The full example sets every section, so every part of the schema is reached.
    full = yaml.safe_load((APP / "examples" / "full-values.yaml").read_text())
    # Every sixth variant: each validation walks the whole values tree (the keyword check
    # above covers the rest of the schema).
    variants = list(_variants(_merged(defaults, full)))[::6]
    assert len(variants) > 100
    for variant in variants:
        assert _verdicts(after, variant) == _verdicts(before, variant)
