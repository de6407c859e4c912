"""values.schema.json: JSON Schema (draft-07) of the values model, made safe for every Helm.

pydantic writes 2020-12, inlines everything under ``$defs`` and closes models declared
``extra="forbid"``.  On top of that: titles are dropped (noise in reviews), ``format`` is
dropped unless pydantic is at least as strict as the format (Helm ≤3.18.4 checks formats,
later Helm does not), ``default`` is kept only on leaves, and the root accepts ``global``,
which Helm injects into every chart used as a subchart. Last, the schema is written as the
same checks in draft-07 (chartgen.draft7: Helm 4 checks a 2020-12 schema against its
metaschema at three times the cost, on every render).
"""

from __future__ import annotations

import functools
import json
from json.encoder import encode_basestring_ascii  # type: ignore[attr-defined]
from typing import Any

from pydantic.json_schema import GenerateJsonSchema, JsonSchemaMode

from chartgen.draft7 import DEFINITIONS, DEFS, DEFS_REF, DIALECT, to_draft7
from chartgen.knobs import Section
from chartgen.kube_types import ITEM, PLACEHOLDER, definitions, item_definitions
from chartgen.retired import RetiredKey, add_retired_keys
from chartgen.section_schema import SchemaParts, plain_json

# pydantic's HttpUrl/AnyUrl accept inputs that RFC 3986 "uri" rejects (it percent-encodes
# spaces, trims whitespace), so those would fail on old Helm only: no format survives.
KEPT_FORMATS: frozenset[str] = frozenset()

# Keywords whose value is a map of names to schemas (the names are not keywords).
SCHEMA_MAPS = ("properties", "$defs", "patternProperties")


class ValuesJsonSchema(GenerateJsonSchema):
    """pydantic's generator, with a short cut for plain defaults: pydantic encodes each one
    through a TypeAdapter made for it, most of the cost of the whole schema for a chart's
    hundreds of str, int and bool defaults, which encode to themselves."""

    def encode_default(self, dft: Any) -> Any:
        return dft if plain_json(dft) else super().encode_default(dft)

    @property
    def mode(self) -> JsonSchemaMode:
        """pydantic's, read without its cost: a generator asks for its mode dozens of times
        per field, and pydantic's reads the (always unset) json_schema_mode_override through
        ConfigWrapper.__getattr__, which raises and catches a KeyError for a missing key."""
        override = self._config.config_dict.get("json_schema_mode_override")
        return self._mode if override is None else override


PARTS = SchemaParts(ValuesJsonSchema)


def _clean(node: Any, wanted: set[str] | None = None) -> Any:
    """``node`` without titles and unkept formats, with type lists where they are the same
    check (below); a Kubernetes type's placeholder becomes a $ref, its name added to
    ``wanted``."""
    if isinstance(node, list):
        return [_clean(item, wanted) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "title" or key == PLACEHOLDER:
            continue
        if key == "format" and value not in KEPT_FORMATS:
            continue
        if key in SCHEMA_MAPS:
            out[key] = {name: _clean(sub, wanted) for name, sub in value.items()}
        else:
            out[key] = _clean(value, wanted)
    if PLACEHOLDER in node:
        assert wanted is not None, "a Kubernetes placeholder where none is expected"
        wanted.add(node[PLACEHOLDER])
        out["$ref"] = DEFS_REF + node[PLACEHOLDER]
    # A section's default is its own values.yaml subtree; repeating it here only adds noise.
    if "$ref" in out:
        out.pop("default", None)
    return _one_type_each(_closed_pattern_map(out))


# Keywords that only check values of one type: a value of any other type passes them.
TYPED_KEYWORDS: dict[str, frozenset[str]] = {
    "null": frozenset(),
    "integer": frozenset({"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"}),
    "number": frozenset({"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"}),
    "string": frozenset({"minLength", "maxLength", "pattern"}),
    "boolean": frozenset(),
    "array": frozenset({"items", "minItems", "maxItems", "uniqueItems"}),
    "object": frozenset({"properties", "additionalProperties", "required", "propertyNames"}),
}


def _one_type_each(node: dict[str, Any]) -> dict[str, Any]:
    """pydantic writes ``X | Y | None`` as anyOf [X, Y, null]. Where each branch is one type of
    its own (no two that overlap, as integer and number do) with keywords that check only that
    type, it is the same check as one schema with ``type: [X, Y, "null"]`` and all of their
    keywords. Helm then names the check that failed ("minimum: got -1, want 0"), not every
    branch that did."""
    branches = node.get("anyOf")
    if not isinstance(branches, list) or len(branches) < 2:
        return node
    kinds = [branch.get("type") if isinstance(branch, dict) else None for branch in branches]
    if not all(kind in TYPED_KEYWORDS for kind in kinds) or len(set(kinds)) < len(kinds):
        return node
    if {"integer", "number"} <= set(kinds):
        return node
    merged = {k: v for k, v in node.items() if k != "anyOf"}
    for kind, branch in zip(kinds, branches, strict=True):
        checks = set(branch) - {"type"}
        if not checks <= TYPED_KEYWORDS[kind] or checks & set(merged):
            return node
        merged.update({key: branch[key] for key in checks})
    merged["type"] = kinds
    return dict(sorted(merged.items()))


def _closed_pattern_map(node: dict[str, Any]) -> dict[str, Any]:
    """pydantic writes a map with constrained keys as patternProperties, which leaves keys
    that miss the pattern unchecked (any value passes): the pattern goes to propertyNames,
    so such a key is refused by name, and its schema to additionalProperties."""
    patterns = node.get("patternProperties")
    if not patterns or len(patterns) != 1 or "additionalProperties" in node:
        return node
    [(pattern, values)] = patterns.items()
    out = {k: v for k, v in node.items() if k != "patternProperties"}
    out["propertyNames"] = {"pattern": pattern, **node.get("propertyNames", {})}
    out["additionalProperties"] = values
    return out


def _document(
    values: Section, retired: tuple[RetiredKey, ...]
) -> tuple[dict[str, Any], frozenset[str]]:
    """The values schema in pydantic's dialect without the Kubernetes definitions, and the
    names of those its $refs need."""
    wanted: set[str] = set()
    schema: dict[str, Any] = _clean(PARTS.document(values), wanted)
    add_retired_keys(schema, retired)
    schema["properties"] = {
        "global": {
            "type": "object",
            "description": "Values Helm shares with subcharts; accepted and ignored.",
        },
        **schema["properties"],
    }
    return schema, frozenset(wanted)


# The vendored Kubernetes definitions a chart needs, cleaned (and in draft-07) once per
# process for each set of names: the same for every build, and half of a schema's objects.
@functools.cache
def _kube_2020_12(names: frozenset[str]) -> dict[str, Any]:
    types = {name.removesuffix(ITEM) for name in names}
    cleaned: dict[str, Any] = _clean({**definitions(*types), **item_definitions(names)})
    return dict(sorted(cleaned.items()))


@functools.cache
def _kube_draft7(names: frozenset[str]) -> dict[str, Any]:
    converted: dict[str, Any] = to_draft7({DEFS: _kube_2020_12(names)})[DEFINITIONS]
    return converted


def schema_2020_12(values: Section, retired: tuple[RetiredKey, ...] = ()) -> dict[str, Any]:
    """The values schema in pydantic's dialect, 2020-12, before it is written as draft-07."""
    schema, kube = _document(values, retired)
    if kube:
        schema.setdefault(DEFS, {}).update(_kube_2020_12(kube))
    return schema


def values_schema(
    values: Section, comment: str, retired: tuple[RetiredKey, ...] = ()
) -> dict[str, Any]:
    schema, kube = _document(values, retired)
    body = to_draft7(schema)
    if kube:
        body.setdefault(DEFINITIONS, {}).update(_kube_draft7(kube))
    return {"$schema": DIALECT, "$comment": comment, **body}


def indented_json(value: Any) -> str:
    """``json.dumps(value, indent=2)``, the same text at twice the speed: with an indent,
    json encodes in pure Python, through a generator per level."""
    out: list[str] = []
    write = out.append

    def node(item: Any, indent: str) -> None:
        kind = type(item)
        if kind is str:
            write(encode_basestring_ascii(item))
        elif (kind is dict or kind is list) and item:
            inner = indent + "  "
            close = "}" if kind is dict else "]"
            separator = ("{" if kind is dict else "[") + "\n" + inner
            for entry in item.items() if kind is dict else item:
                write(separator)
                if kind is dict:
                    write(encode_basestring_ascii(entry[0]) + ": ")
                    entry = entry[1]
                node(entry, inner)
                separator = ",\n" + inner
            write("\n" + indent + close)
        else:
            write(json.dumps(item))

    node(value, "")
    return "".join(out)


def render_schema(values: Section, comment: str, retired: tuple[RetiredKey, ...] = ()) -> str:
    return indented_json(values_schema(values, comment, retired)) + "\n"
