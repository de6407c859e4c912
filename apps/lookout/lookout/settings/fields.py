"""Reading chart roles and structure back out of the settings models."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, get_args

from pydantic import BaseModel, SecretBytes, SecretStr
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings

from chartgen.runtime.roles import Role


def roles_of(info: FieldInfo) -> list[Role]:
    """Every role marker on a field (a valid leaf has exactly one, a group none)."""
    return [item for item in info.metadata if isinstance(item, Role)]


def group_model(info: FieldInfo) -> type[BaseModel] | None:
    """The nested model of a group field, or None for a leaf."""
    annotation = info.annotation
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def iter_leaves(
    model: type[BaseModel], prefix: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], FieldInfo]]:
    """Every leaf field below ``model`` with its path of field names."""
    for name, info in model.model_fields.items():
        nested = group_model(info)
        if nested is None:
            yield (*prefix, name), info
        else:
            yield from iter_leaves(nested, (*prefix, name))


def _mentions_secret_type(annotation: Any) -> bool:
    if annotation in (SecretStr, SecretBytes):
        return True
    return any(_mentions_secret_type(arg) for arg in get_args(annotation))


def is_sensitive(info: FieldInfo) -> bool:
    """Whether a leaf's value must never be shown (by role, or by its pydantic type)."""
    return any(role.sensitive for role in roles_of(info)) or _mentions_secret_type(info.annotation)


def env_var_name(settings: type[BaseSettings], path: Sequence[str]) -> str:
    """The environment variable the service reads for a field path."""
    # Lookout's own convention (one prefix, "__" between levels); chartgen proves at build
    # time that the chart renders exactly these names.
    config = settings.model_config
    delimiter = config.get("env_nested_delimiter") or "__"
    return ((config.get("env_prefix") or "") + delimiter.join(path)).upper()
