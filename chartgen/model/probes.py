"""Probe values: for each setting, values its field accepts that differ from its default.

The env-contract proof sets each delivered setting to a probe and checks the app loaded
exactly that, so a probe equal to the default would prove nothing. Candidates are tried in
order; the proof moves to the next one for a field the app rejected.
"""

from __future__ import annotations

import enum
import typing
from typing import Any

from pydantic.fields import FieldInfo

from chartgen.runtime.fields import strip_optional

_TEXT = (
    "chartgen-probe",
    "probe@example.com",
    "https://probe.example.com/",
    "http://probe.example.com:8080/",
    "postgresql://probe:probe@probe.example.com:5432/probe",
    "s3://probe-bucket",
    "5 4 * * *",
    "JBSWY3DPEHPK3PXP",
    "cHJvYmUtcHJvYmUtcHJvYmUtcHJvYmUtcHJvYmUtMzI=",
    "4f0e9a2b7c1d3e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7",
    "/tmp/chartgen-probe",
    "PT42S",
    "probe=chartgen",
    "probe",
)
# Large first: sizes and limits are often bounded below by another setting (a buffer holding
# a batch); counts bounded above reject them and move on to the small ones.
_NUMBERS = (1 << 24, 65000, 1000, 42, 7, 3, 2, 1)
_FLOATS = (0.25, 0.5, 0.75, 1.5, 2.5, 42.5)


def _inner(annotation: Any) -> Any:
    inner, _ = strip_optional(annotation)
    while typing.get_origin(inner) is typing.Annotated:
        inner = typing.get_args(inner)[0]
    return inner


def _scalars(annotation: Any, default: Any) -> list[Any]:
    inner = _inner(annotation)
    origin = typing.get_origin(inner)
    if origin is typing.Literal:
        return list(typing.get_args(inner))
    if isinstance(inner, type) and issubclass(inner, enum.Enum):
        return [member.value for member in inner]
    if origin in (typing.Union, __import__("types").UnionType):
        found: list[Any] = []
        for arg in typing.get_args(inner):
            if arg is not type(None):
                found += _scalars(arg, default)
        return found
    if inner is bool:
        return [not default] if isinstance(default, bool) else [True, False]
    if inner is int:
        near = [default + 1, default - 1] if isinstance(default, int) else []
        return [*near, *_NUMBERS]
    if inner is float:
        near = [default + 0.5] if isinstance(default, int | float) else []
        return [*near, *_FLOATS]
    return list(_TEXT)


def _collections(annotation: Any, default: Any) -> list[Any]:
    inner = _inner(annotation)
    origin = typing.get_origin(inner) or inner
    args = typing.get_args(inner)
    if origin in (list, set, frozenset, tuple):
        items = _scalars(args[0], None) if args else list(_TEXT)
        shrunk = [list(default)[:1], list(default)[1:]] if default else []
        return [*shrunk, *[[item] for item in items[:4]], []]
    if origin is dict:
        values = _scalars(args[1], None) if len(args) > 1 else list(_TEXT)
        first = dict(list(default.items())[:1]) if default else None
        shrunk = [first] if first is not None and len(default) > 1 else []
        return [*shrunk, *[{"probe": value} for value in values[:4]], {}]
    return [{}]


def candidates(field: FieldInfo, complex_: bool) -> list[Any]:
    """Values to try, most likely accepted first, none equal to the field's default."""
    default = None if field.is_required() else field.get_default(call_default_factory=True)
    default = _plain_default(default)
    found = (
        _collections(field.annotation, default) if complex_ else _scalars(field.annotation, default)
    )
    unique: list[Any] = []
    for value in found:
        if value != default and value not in unique:
            unique.append(value)
    return unique or [default]


def _plain_default(default: Any) -> Any:
    if isinstance(default, enum.Enum):
        return default.value
    if isinstance(default, set | frozenset | tuple):
        return sorted(default, key=str)
    return default
