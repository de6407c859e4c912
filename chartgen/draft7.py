"""A JSON Schema 2020-12 document (pydantic's dialect) as the same checks in draft-07.

Why: Helm 4 validates the chart's schema against its dialect's metaschema on every render
before it checks the values. For 2020-12 that metaschema is seven vocabularies joined by
``$dynamicRef``, and with the Kubernetes definitions embedded (about 1,600 schema objects)
that check alone took half of Helm 4's schema time, more than all the templates; draft-07's
single metaschema costs a third of it. Helm 3 (gojsonschema) knows no dialect after draft-07.

The checks stay the same: every keyword the values schema uses means the same in both
dialects. The differences are spelled out: ``$defs`` becomes ``definitions`` (and every
``$ref`` into it), a tuple's ``prefixItems``/``items`` become draft-07's ``items`` list and
``additionalItems``, and a keyword draft-07 has no equivalent for fails the build rather
than being ignored by Helm. A ``$ref`` with siblings is refused too (draft-07 ignores them)
unless the siblings are annotations.
"""

from __future__ import annotations

from typing import Any

DIALECT = "http://json-schema.org/draft-07/schema#"
DEFS, DEFS_REF = "$defs", "#/$defs/"
DEFINITIONS, DEFINITIONS_REF = "definitions", "#/definitions/"

# Keywords whose value maps names (not keywords) to schemas.
SCHEMA_MAPS = frozenset({"properties", "patternProperties", DEFS})
# Keywords whose value is one schema.
ONE_SCHEMA = frozenset(
    {"items", "additionalProperties", "propertyNames", "not", "contains", "if", "then", "else"}
)
# 2019-09/2020-12 keywords with no draft-07 equivalent: Helm would ignore them.
NO_EQUIVALENT = frozenset(
    {
        "unevaluatedProperties",
        "unevaluatedItems",
        "dependentRequired",
        "dependentSchemas",
        "minContains",
        "maxContains",
        "$anchor",
        "$dynamicRef",
        "$dynamicAnchor",
        "$recursiveRef",
        "$recursiveAnchor",
        "$vocabulary",
    }
)
# What may stand beside a $ref in draft-07 (which ignores a $ref's siblings): annotations.
REF_SIBLINGS = frozenset({"description", "title", "default", "deprecated", "readOnly", "examples"})


class DialectError(ValueError):
    """A schema keyword draft-07 cannot express."""


def _ref(ref: Any) -> Any:
    if isinstance(ref, str) and ref.startswith(DEFS_REF):
        return DEFINITIONS_REF + ref.removeprefix(DEFS_REF)
    return ref


def _schema(node: Any, where: str) -> Any:
    if not isinstance(node, dict):
        return node  # true/false
    found = NO_EQUIVALENT.intersection(node)
    if found:
        raise DialectError(f"{where or '/'}: {sorted(found)} have no draft-07 equivalent")
    if "$ref" in node and not set(node) - {"$ref"} <= REF_SIBLINGS:
        beside = sorted(set(node) - {"$ref"} - REF_SIBLINGS)
        raise DialectError(f"{where or '/'}: draft-07 would ignore {beside} beside $ref")
    out: dict[str, Any] = {}
    for key, value in node.items():
        at = f"{where}/{key}"
        if key == "$ref":
            out[key] = _ref(value)
        elif key in SCHEMA_MAPS:
            out[DEFINITIONS if key == DEFS else key] = {
                name: _schema(sub, f"{at}/{name}") for name, sub in value.items()
            }
        elif key == "prefixItems":
            out["items"] = [_schema(sub, f"{at}/{i}") for i, sub in enumerate(value)]
            if "items" in node:
                out["additionalItems"] = _schema(node["items"], f"{where}/items")
        elif key == "items" and "prefixItems" in node:
            continue  # became additionalItems above
        elif key in ONE_SCHEMA:
            out[key] = _schema(value, at)
        elif key in ("anyOf", "oneOf", "allOf"):
            out[key] = [_schema(sub, f"{at}/{i}") for i, sub in enumerate(value)]
        else:
            out[key] = value
    return out


def to_draft7(schema: dict[str, Any]) -> dict[str, Any]:
    """The draft-07 form of a 2020-12 ``schema``; its ``$schema`` is not kept."""
    body = {key: value for key, value in schema.items() if key != "$schema"}
    converted: dict[str, Any] = _schema(body, "")
    return converted
