"""Runtime support for renamed settings: the old env var keeps working for a while.

An app's settings source calls ``renamed_env_vars`` to learn, for each field declared
``Renamed(old, since)``, the env var it used to read, and treats a value found there as the
new one (the new name wins when both are set).
"""

from __future__ import annotations

import typing
from functools import cache

from pydantic import BaseModel
from pydantic_settings import BaseSettings

from chartgen.annotations import strip_optional
from chartgen.naming import env_name
from chartgen.roles import Renamed


def _walk(
    model: type[BaseModel], path: tuple[str, ...], prefix: str, delimiter: str
) -> dict[str, str]:
    found: dict[str, str] = {}
    for name, field in model.model_fields.items():
        inner, _ = strip_optional(field.annotation)
        if typing.get_origin(inner) is typing.Annotated:
            inner = typing.get_args(inner)[0]
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            found |= _walk(inner, (*path, name), prefix, delimiter)
        for marker in field.metadata:
            if isinstance(marker, Renamed):
                old = env_name(prefix, (*path, marker.old), delimiter)
                found[old] = env_name(prefix, (*path, name), delimiter)
    return found


@cache
def renamed_env_vars(settings: type[BaseSettings]) -> dict[str, str]:
    """``{old env var: new env var}`` for every renamed field of a settings class."""
    config = settings.model_config
    return _walk(
        settings, (), config.get("env_prefix") or "", config.get("env_nested_delimiter") or "__"
    )
