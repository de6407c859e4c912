"""A values schema as one entry per dotted key path: what each key accepts, flattened.

``$ref`` is resolved (siblings such as ``description`` win over the target's), ``anyOf`` /
``oneOf`` alternatives are merged into one set of accepted types, enum values and bounds,
and ``allOf`` members into one node. A map's values are the key ``<map>.*`` and an array's
items ``<array>[]``, so constraints on them are compared too. A property marked
``deprecated`` with ``x-renamed-to`` or ``x-removed`` is a retired key, kept apart.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

KeyPath = tuple[str, ...]
MAP_VALUES = "*"
ITEMS = "[]"

# Keywords bounding what a value of a given type may be; compared one by one.
LOWER_BOUNDS = ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties")
UPPER_BOUNDS = ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties")
BOUNDS = (*LOWER_BOUNDS, *UPPER_BOUNDS, "pattern", "multipleOf")

# How much an object accepts besides its named properties, from most to least.
Extra = Literal["any", "typed", "none"]
EXTRA_ORDER: tuple[Extra, ...] = ("none", "typed", "any")


@dataclass(frozen=True)
class Key:
    types: frozenset[str]  # JSON types accepted; "any" when the schema does not say
    enum: tuple[Any, ...] | None  # the only non-null values accepted; None when open
    bounds: Mapping[str, Any]
    description: str
    required: bool  # named in its parent's "required"
    extra: Extra | None  # objects only: what additionalProperties lets through
    container: bool  # has named properties, each its own key

    @property
    def is_value(self) -> bool:
        """A key whose values.yaml default is compared whole (not key by key)."""
        return not self.container


@dataclass(frozen=True)
class Retired:
    """A key kept in the schema only to fail with a clear message: renamed or removed."""

    since: str
    renamed_to: KeyPath | None
    reason: str


@dataclass(frozen=True)
class SchemaKeys:
    keys: dict[KeyPath, Key]
    retired: dict[KeyPath, Retired]


def dotted(path: KeyPath) -> str:
    return ".".join(path)


def _pointer(root: Mapping[str, Any], ref: str) -> Mapping[str, Any]:
    if not ref.startswith("#"):
        raise ValueError(f"only local $ref is supported, not {ref!r}")
    node: Any = root
    for part in ref.lstrip("#").strip("/").split("/") if ref != "#" else ():
        node = node[part.replace("~1", "/").replace("~0", "~")]
    if not isinstance(node, Mapping):
        raise ValueError(f"$ref {ref!r} does not point at a schema")
    return node


def _resolve(
    root: Mapping[str, Any], node: Mapping[str, Any], seen: frozenset[str]
) -> dict[str, Any]:
    """``node`` with its $ref and allOf folded in; a $ref already being expanded stops there."""
    out: dict[str, Any] = {}
    ref = node.get("$ref")
    if isinstance(ref, str) and ref not in seen:
        out.update(_resolve(root, _pointer(root, ref), seen | {ref}))
    for member in node.get("allOf", ()):
        out.update(_resolve(root, member, seen))
    out.update({k: v for k, v in node.items() if k not in ("$ref", "allOf")})
    return out


def _branches(
    root: Mapping[str, Any], node: Mapping[str, Any], seen: frozenset[str]
) -> list[dict[str, Any]]:
    """The alternatives a value may match, each a plain schema without anyOf/oneOf."""
    node = _resolve(root, node, seen)
    for keyword in ("anyOf", "oneOf"):
        if keyword in node:
            return [b for alt in node[keyword] for b in _branches(root, alt, seen)]
    return [node]


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _types(branch: Mapping[str, Any]) -> set[str]:
    declared = branch.get("type")
    if isinstance(declared, str):
        return {declared}
    if isinstance(declared, list):
        return set(declared)
    if "const" in branch:
        return {_json_type(branch["const"])}
    if "enum" in branch:
        return {_json_type(v) for v in branch["enum"]}
    if "properties" in branch or "additionalProperties" in branch:
        return {"object"}
    return {"any"}


def _enum(branches: Sequence[Mapping[str, Any]]) -> tuple[Any, ...] | None:
    values: list[Any] = []
    for branch in branches:
        if _types(branch) == {"null"}:
            continue
        if "const" in branch:
            values.append(branch["const"])
        elif "enum" in branch:
            values.extend(v for v in branch["enum"] if v is not None)
        else:
            return None  # one open alternative: any value of its type goes
    return tuple(values) if values else None


def _extra(branches: Sequence[Mapping[str, Any]]) -> Extra | None:
    objects = [b for b in branches if "object" in _types(b)]
    if not objects:
        return None
    levels: list[Extra] = []
    for branch in objects:
        extra = branch.get("additionalProperties", True)
        levels.append("none" if extra is False else "typed" if isinstance(extra, dict) else "any")
    return max(levels, key=EXTRA_ORDER.index)


def _retired(node: Mapping[str, Any]) -> Retired | None:
    if node.get("deprecated") is not True:
        return None
    if "x-renamed-to" not in node and "x-removed" not in node:
        return None
    target = node.get("x-renamed-to")
    return Retired(
        since=str(node.get("x-since", "")),
        renamed_to=tuple(str(target).split(".")) if target else None,
        reason=str(node.get("x-removed", "")),
    )


def _walk(
    root: Mapping[str, Any],
    node: Mapping[str, Any],
    path: KeyPath,
    required: bool,
    seen: frozenset[str],
    out: SchemaKeys,
) -> None:
    outer = _resolve(root, node, seen)
    branches = _branches(root, node, seen)
    properties: dict[str, Any] = {}
    required_names: set[str] = set()
    value_schemas: list[Any] = []
    item_schemas: list[Any] = []
    bounds: dict[str, Any] = {}
    for branch in branches:
        properties.update(branch.get("properties") or {})
        required_names.update(branch.get("required") or ())
        if isinstance(branch.get("additionalProperties"), dict):
            value_schemas.append(branch["additionalProperties"])
        if isinstance(branch.get("items"), dict):
            item_schemas.append(branch["items"])
        if "const" not in branch:
            # Alternatives of different types bound different things; a keyword set on two
            # alternatives of one type is rare (first one wins).
            for keyword in BOUNDS:
                if keyword in branch:
                    bounds.setdefault(keyword, branch[keyword])
    description = outer.get("description") or next(
        (b["description"] for b in branches if b.get("description")), ""
    )
    out.keys[path] = Key(
        types=frozenset(t for b in branches for t in _types(b)),
        enum=_enum(branches),
        bounds=bounds,
        description=str(description).strip(),
        required=required,
        extra=_extra(branches),
        container=bool(properties),
    )
    # A $ref already expanded on this path is a recursive model: one level is enough.
    refs = frozenset(b["$ref"] for b in (node, outer) if isinstance(b.get("$ref"), str))
    for name, child in properties.items():
        retired = _retired(child)
        if retired is not None:
            out.retired[(*path, name)] = retired
        else:
            _walk(root, child, (*path, name), name in required_names, seen | refs, out)
    for schema in value_schemas[:1]:
        _walk(root, schema, (*path, MAP_VALUES), False, seen | refs, out)
    for schema in item_schemas[:1]:
        _walk(root, schema, (*path, ITEMS), False, seen | refs, out)


def schema_keys(schema: Mapping[str, Any]) -> SchemaKeys:
    """Every key of a values schema (the root is the empty path) and its retired keys."""
    out = SchemaKeys(keys={}, retired={})
    _walk(schema, schema, (), True, frozenset(), out)
    return out


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


# No default: values.yaml does not hold the key (None would be a null default).
MISSING: Any = _Missing()


def default_at(values: Any, path: KeyPath) -> Any:
    """The values.yaml default at ``path``, or MISSING."""
    node = values
    for part in path:
        if part in (MAP_VALUES, ITEMS) or not isinstance(node, dict) or part not in node:
            return MISSING
        node = node[part]
    return node
