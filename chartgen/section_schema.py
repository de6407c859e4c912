"""The JSON schema of the values tree (chartgen.knobs.Section), as pydantic would write it
for the same fields in models, assembled one field at a time.

Why not pydantic models and ``model_json_schema``: that builds the validator of every field
of every section, only to read the schema back out of it; at 100 workloads it was half of the
build. A chart's hundreds of fields have few distinct types, so each type's schema is made
once (a TypeAdapter per type, cached for the process) and every field adds its own
description and default. Sections become ``$defs`` by name (a second section of the same
name gets a number, as pydantic disambiguates two classes). The output is pydantic's own,
key for key and in its order, but for the titles of fields, which chartgen does not write
(the values schema drops every title); the tests compare the two on every app here.
"""

from __future__ import annotations

import functools
import inspect
import math
from typing import Annotated, Any

from pydantic import BaseModel, TypeAdapter
from pydantic.fields import FieldInfo
from pydantic.json_schema import GenerateJsonSchema

from chartgen.knobs import Section, section_of

DEFS_REF = "#/$defs/"
Schema = dict[str, Any]


class Defs(dict[str, Schema]):
    """A document's definitions by name, and the section each name was given to."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: dict[str, Section] = {}


def plain_json(value: Any) -> bool:
    """Whether ``value`` is already its own JSON form (what pydantic's encoding returns)."""
    kind = type(value)
    if value is None or kind in (str, int, bool):
        return True
    if kind is float:
        return math.isfinite(value)  # inf and nan are encoded, not kept
    if kind is list:
        return all(plain_json(item) for item in value)
    if kind is dict:
        return all(type(k) is str and plain_json(v) for k, v in value.items())
    return False


class SchemaParts:
    """Schemas of one generator class: of types (cached), of fields and of sections."""

    def __init__(self, generator: type[GenerateJsonSchema]) -> None:
        self.generator = generator
        self._cached = functools.cache(self._type_schema)

    def _types(
        self, annotation: Any, metadata: tuple[Any, ...]
    ) -> tuple[Schema, dict[str, Schema]]:
        """A type's schema, shared with every field of that type: not to be changed."""
        try:
            return self._cached(annotation, metadata)
        except TypeError:  # an unhashable marker (e.g. WithJsonSchema of a dict)
            return self._type_schema(annotation, metadata)

    def _type_schema(
        self, annotation: Any, metadata: tuple[Any, ...]
    ) -> tuple[Schema, dict[str, Schema]]:
        """The schema of a field's type, and the definitions it refers to.

        Asked as a list's items: at the top, pydantic would write a model or an enum out in
        place; in a field (or an item) it is a $ref to its definition.
        """
        item = Annotated[annotation, *metadata] if metadata else annotation
        schema = TypeAdapter(list[item]).json_schema(  # type: ignore[valid-type]
            by_alias=True, mode="validation", schema_generator=self.generator
        )
        return schema["items"], schema.get("$defs", {})

    def field(self, field: FieldInfo, defs: Defs) -> Schema:
        """A field's schema, as pydantic writes it inside its model (before the title)."""
        annotation = field.annotation
        section = section_of(annotation)
        if section is not None:
            schema: Schema = {"$ref": DEFS_REF + self.section_name(section, defs)}
        else:
            typed, found = self._types(annotation, tuple(field.metadata))
            _merge(defs, found)  # both sorted already, by the adapter's generator
            schema = dict(typed)
        added: Schema = {}
        if not field.is_required() and field.default_factory is None:
            default = field.default
            added["default"] = default if plain_json(default) else _encoded(default)
        if field.description:
            added["description"] = field.description
        if field.examples is not None:
            added["examples"] = field.examples
        if field.deprecated:
            added["deprecated"] = True
        extra = field.json_schema_extra
        if callable(extra):
            extra(added)
        elif extra:
            added.update(extra)
        schema.update({key: _sort(value, key) for key, value in added.items()})
        return dict(sorted(_without_overrides(schema, defs).items()))

    def body(self, section: Section, defs: Defs) -> Schema:
        """A section's own schema: its fields as properties, closed to other keys."""
        properties = {key: self.field(field, defs) for key, field in section.fields.items()}
        required = [key for key, field in section.fields.items() if field.is_required()]
        schema: Schema = {"additionalProperties": False}
        if section.doc:
            schema["description"] = inspect.cleandoc(section.doc)
        schema["properties"] = properties
        if required:
            schema["required"] = required
        schema["title"] = section.name
        schema["type"] = "object"
        return schema

    def section_name(self, section: Section, defs: Defs) -> str:
        """The $defs name of a section, its schema added to ``defs`` the first time."""
        name, number = section.name, 1
        while name in defs and defs.sections.get(name) is not section:
            number += 1  # the name is another section's or type's
            name = f"{section.name}{number}"
        if name not in defs:
            defs.sections[name] = section
            defs[name] = {}  # a section that contains itself refers to its own name
            defs[name] = self.body(section, defs)
        return name

    def document(self, values: Section) -> Schema:
        """The whole schema of ``values``: its body, and every definition under ``$defs``.
        Parts of it are shared with other documents (and the cache): the caller copies it
        before changing it.

        Sorted as pydantic sorts (keys alphabetically but a ``properties`` map's and a
        default's), piece by piece: the cached type schemas are sorted already.
        """
        defs = Defs()
        schema = self.body(values, defs)
        if defs:
            schema["$defs"] = dict(sorted(defs.items()))
        return dict(sorted(schema.items()))


_SORTER = GenerateJsonSchema()


def _sort(value: Any, key: str) -> Any:
    """``value`` under ``key``, sorted as pydantic's generator sorts a schema's parts."""
    if isinstance(value, dict | list):
        return _SORTER._sort_recursive(value, key)
    return value


def _encoded(default: Any) -> Any:
    """A default in its JSON form, as pydantic's GenerateJsonSchema.encode_default makes it."""
    kind = type(default)
    has_config = isinstance(default, BaseModel)  # a model serializes with its own config
    return TypeAdapter(Any if has_config else kind).dump_python(default, by_alias=True, mode="json")


def _merge(defs: Defs, found: dict[str, Schema]) -> None:
    """Add the definitions a type's schema brought; one that is there already stays (a type's
    own schema titles its fields, which chartgen does not: the values schema drops titles)."""
    for name, schema in found.items():
        if name not in defs:
            defs[name] = schema
        elif untitled(defs[name]) != untitled(schema):
            raise ValueError(
                f"two types are named {name!r} in the values schema; rename one of them"
            )


def untitled(node: Any) -> Any:
    """``node`` without the titles pydantic gives schemas (the values schema drops them)."""
    if isinstance(node, dict):
        return {k: untitled(v) for k, v in node.items() if not (k == "title" and type(v) is str)}
    if isinstance(node, list):
        return [untitled(item) for item in node]
    return node


def _without_overrides(schema: Schema, defs: Defs) -> Schema:
    """pydantic drops a key beside a $ref that the definition already has, the same."""
    ref = schema.get("$ref")
    if not isinstance(ref, str) or not ref.startswith(DEFS_REF):
        return schema
    target = defs.get(ref.removeprefix(DEFS_REF), {})
    return {k: v for k, v in schema.items() if k == "$ref" or target.get(k, object()) != v}
