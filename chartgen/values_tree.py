"""Walk the values model into leaves: the one traversal values.yaml and the README share."""

from __future__ import annotations

import functools
import types
import typing
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, TypeAdapter
from pydantic.fields import FieldInfo

from chartgen.knobs import Section, section_of
from chartgen.kube_types import KubeType
from chartgen.runtime.fields import strip_optional


@dataclass(frozen=True)
class Node:
    """A key of values.yaml: a section (children) or a leaf (default)."""

    path: tuple[str, ...]
    description: str
    required: bool
    default: Any  # JSON form; None for sections and required leaves
    type_label: str
    children: tuple[Node, ...] = ()

    @property
    def key(self) -> str:
        return self.path[-1]

    @property
    def is_section(self) -> bool:
        return bool(self.children)


def type_label(annotation: Any) -> str:
    inner, nullable = strip_optional(annotation)
    origin = typing.get_origin(inner)
    if origin is typing.Annotated:
        return type_label(typing.get_args(inner)[0]) + (" or null" if nullable else "")
    if origin is Literal:
        label = " | ".join(f'"{a}"' for a in typing.get_args(inner))
    elif origin in (list, tuple, set, frozenset) or inner in (list, tuple, set):
        label = "list"
    elif (
        origin is dict
        or inner is dict
        or (isinstance(inner, type) and issubclass(inner, BaseModel))
    ):
        label = "object"
    elif inner is bool:
        label = "bool"
    elif inner is int:
        label = "int"
    elif inner is float:
        label = "float"
    elif origin in (typing.Union, types.UnionType):
        label = " or ".join(type_label(a) for a in typing.get_args(inner))
    else:
        label = "string"
    return label + (" or null" if nullable else "")


def field_type_label(field: FieldInfo) -> str:
    """A field's type for the README: a Kubernetes type by its name, e.g. "Affinity"."""
    for marker in field.metadata:
        if isinstance(marker, KubeType):
            return marker.label + (" or null" if strip_optional(field.annotation)[1] else "")
    return type_label(field.annotation)


_PLAIN = (str, int, float, bool, type(None))


def _leaf_default(field: FieldInfo) -> Any:
    value = field.get_default(call_default_factory=True)
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True, exclude_none=True)
    if isinstance(value, _PLAIN):
        return value  # already JSON: no serializer to build
    return _adapter(field.annotation).dump_python(value, mode="json")


@functools.cache
def _adapter(annotation: Any) -> TypeAdapter[Any]:
    # One per annotation: building a TypeAdapter compiles a serializer, the build's hot spot.
    return TypeAdapter(annotation)


def walk(values: Section, prefix: tuple[str, ...] = ()) -> tuple[Node, ...]:
    nodes = []
    for key, field in values.fields.items():
        path = (*prefix, key)
        description = (field.description or "").strip()
        section = section_of(field.annotation)
        if section is not None:
            children = walk(section, path)
            nodes.append(Node(path, description, False, None, "object", children))
            continue
        required = field.is_required()
        default = None if required else _leaf_default(field)
        nodes.append(Node(path, description, required, default, field_type_label(field)))
    return tuple(nodes)


def leaves(nodes: tuple[Node, ...]) -> tuple[Node, ...]:
    out: list[Node] = []
    for node in nodes:
        out.extend(leaves(node.children) if node.is_section else (node,))
    return tuple(out)


def sections_of(nodes: tuple[Node, ...]) -> list[Node]:
    """Every mapping of values.yaml, parents first: what templates read keys of."""
    out: list[Node] = []
    for node in nodes:
        if node.is_section:
            out += [node, *sections_of(node.children)]
    return out
