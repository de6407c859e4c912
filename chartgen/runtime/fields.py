"""The one walker over settings models: groups, leaves and the env names the app reads.

Env names are the app's, not chartgen's: every name comes from pydantic-settings' own
``EnvSettingsSource`` for the class that actually reads the field, so per-class
``env_prefix``, ``env_nested_delimiter`` (or none), aliases, ``AliasChoices`` and case
sensitivity follow the library. A nested ``BaseSettings`` built by ``default_factory`` under a
parent without a nested delimiter reads the environment itself, with its own prefix: its
leaves are read by that class, not by the parent.

Standard library and pydantic-settings only: the app imports this at start (renamed env vars).
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, EnvSettingsSource


def strip_optional(annotation: Any) -> tuple[Any, bool]:
    """``(T, True)`` for ``T | None``; the annotation itself and False otherwise."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        nullable = len(args) < len(typing.get_args(annotation))
        if len(args) == 1:
            return args[0], nullable
        return typing.Union[tuple(args)], nullable  # noqa: UP007
    return annotation, False


def nested_model(field: FieldInfo) -> type[BaseModel] | None:
    """The model a group field holds (``M`` or ``M | None``), else None for a leaf."""
    inner, _ = strip_optional(field.annotation)
    if typing.get_origin(inner) is typing.Annotated:
        inner = typing.get_args(inner)[0]
    if isinstance(inner, type) and issubclass(inner, BaseModel):
        return inner
    return None


@dataclass(frozen=True)
class Leaf:
    """One setting as the app reads it."""

    path: tuple[str, ...]  # field names from the root settings class
    field: FieldInfo
    owner: type[BaseModel]  # the model declaring the field, for messages
    reader: type[BaseSettings]  # the settings class whose sources read it
    env_names: tuple[str, ...]  # every env var that sets it, the conventional one first
    complex: bool  # read as JSON

    @property
    def env(self) -> str:
        return self.env_names[0]

    @property
    def qualname(self) -> str:
        return f"{self.owner.__name__}.{self.path[-1]}"


@dataclass(frozen=True)
class Group:
    """A field holding a nested model, entered by the walk."""

    path: tuple[str, ...]
    field: FieldInfo
    model: type[BaseModel]
    owner: type[BaseModel]


@dataclass(frozen=True)
class Opaque:
    """A nested model the app reads only as one JSON value (no nested delimiter)."""

    path: tuple[str, ...]
    field: FieldInfo
    model: type[BaseModel]
    owner: type[BaseModel]
    env: str


Node = Leaf | Group | Opaque
# Whether the walk treats a field as one setting even though it holds a model.
IsLeaf = Callable[[tuple[str, ...], FieldInfo], bool]


class _Reader:
    """pydantic-settings' env source of one settings class, asked for names and encodings."""

    def __init__(self, settings: type[BaseSettings]) -> None:
        self.settings = settings
        self.source = _env_source(settings)
        self.delimiter: str = self.source.env_nested_delimiter or ""
        self.case_sensitive = bool(self.source.case_sensitive)

    def shown(self, name: str) -> str:
        # The library lower-cases names it matches case-insensitively; upper case is what
        # operators expect to see and what the app reads all the same.
        return name if self.case_sensitive else name.upper()

    def top_names(self, name: str, field: FieldInfo) -> tuple[str, ...]:
        found = [env for _, env, _ in self.source._extract_field_info(field, name)]
        names = list(dict.fromkeys(self.shown(env) for env in found))
        # The conventional name first: prefix + field name, else an alias carrying the
        # prefix (a bare AliasPath head is a name apps often refuse to read from the env).
        prefix = self.shown(self.source.env_prefix or "")
        conventional = self.shown((self.source.env_prefix or "") + name)
        names.sort(key=lambda env: (env != conventional, not env.startswith(prefix)))
        return tuple(names)

    def is_complex(self, field: FieldInfo) -> bool:
        return self.source._field_is_complex(field)[0]


@cache
def _env_source(settings: type[BaseSettings]) -> EnvSettingsSource:
    # Built once per class: the source reads os.environ when made, which names don't need.
    return EnvSettingsSource(settings)


def _key(field_name: str, field: FieldInfo, model: type[BaseModel]) -> str:
    """The key pydantic accepts for a nested field under a delimiter: its name, or its alias
    when the model validates by alias only."""
    alias = field.validation_alias if isinstance(field.validation_alias, str) else field.alias
    by_name = model.model_config.get("populate_by_name") or model.model_config.get(
        "validate_by_name"
    )
    return alias if alias and not by_name else field_name


def walk(settings: type[BaseSettings], is_leaf: IsLeaf | None = None) -> Iterator[Node]:
    """Every group and leaf below ``settings``, in declaration order (a group before its
    fields). ``is_leaf`` makes a model-typed field one setting (read as JSON)."""
    yield from _walk_class(_Reader(settings), settings, (), is_leaf or (lambda _p, _f: False))


def _walk_class(
    reader: _Reader, model: type[BaseModel], path: tuple[str, ...], is_leaf: IsLeaf
) -> Iterator[Node]:
    for name, field in model.model_fields.items():
        here = (*path, name)
        names = reader.top_names(name, field)
        nested = nested_model(field)
        if nested is None or is_leaf(here, field):
            complex_ = nested is not None or reader.is_complex(field)
            yield Leaf(here, field, model, reader.settings, names, complex_)
            continue
        own_reader = (
            issubclass(nested, BaseSettings)
            and not reader.delimiter
            and field.default_factory is not None
        )
        if own_reader:
            # Filled by default_factory when the parent's sources give nothing: the nested
            # class reads the environment with its own prefix.
            yield Group(here, field, nested, model)
            yield from _walk_class(_Reader(nested), nested, here, is_leaf)  # type: ignore[arg-type]
        elif reader.delimiter:
            yield Group(here, field, nested, model)
            yield from _walk_nested(reader, nested, here, names[0] + reader.delimiter, is_leaf)
        else:
            yield Opaque(here, field, nested, model, names[0])


def _walk_nested(
    reader: _Reader, model: type[BaseModel], path: tuple[str, ...], base: str, is_leaf: IsLeaf
) -> Iterator[Node]:
    for name, field in model.model_fields.items():
        here = (*path, name)
        env = reader.shown(base + _key(name, field, model))
        nested = nested_model(field)
        if nested is None or is_leaf(here, field):
            complex_ = nested is not None or reader.is_complex(field)
            yield Leaf(here, field, model, reader.settings, (env,), complex_)
            continue
        yield Group(here, field, nested, model)
        yield from _walk_nested(reader, nested, here, env + reader.delimiter, is_leaf)


def leaves(settings: type[BaseSettings], is_leaf: IsLeaf | None = None) -> list[Leaf]:
    return [node for node in walk(settings, is_leaf) if isinstance(node, Leaf)]


def old_env_name(leaf: Leaf, old: str) -> str:
    """The env var a renamed leaf was read from under its former field name ``old``."""
    reader = _Reader(leaf.reader)
    if len(leaf.env_names) == 1 and leaf.env.endswith(reader.shown(leaf.path[-1])):
        stem = leaf.env[: len(leaf.env) - len(leaf.path[-1])]
        return stem + reader.shown(old)
    return reader.top_names(old, FieldInfo(annotation=leaf.field.annotation))[0]
