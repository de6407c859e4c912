"""What ``check-config`` does: load a service's settings, show them safely, explain errors."""

from __future__ import annotations

import json

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails, to_jsonable_python

from lookout.settings import SERVICES, ServiceSettings
from lookout.settings.fields import (
    env_var_name,
    group_model,
    is_sensitive,
    iter_leaves,
)
from lookout.sizing.report import source_note, summary

MASK = "**********"


def load_settings(service: str) -> ServiceSettings:
    """Build the settings exactly as the service does at start (env vars, secret files)."""
    return SERVICES[service]()


def _show(value: object, info: FieldInfo) -> str:
    if value is None:
        # Unset reveals nothing and tells the operator the feature is off.
        return "null"
    if is_sensitive(info):
        return MASK
    # JSON, like complex env vars, so strings, lists and dicts read unambiguously.
    return json.dumps(to_jsonable_python(value))


def _entries(model: BaseModel, prefix: str) -> list[tuple[str, str]]:
    entries: list[tuple[str, str]] = []
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        path = f"{prefix}{name}"
        if isinstance(value, BaseModel):
            entries.extend(_entries(value, f"{path}."))
        else:
            entries.append((path, _show(value, info) + source_note(model, name)))
    return entries


def render_config(settings: BaseModel) -> str:
    """The effective configuration as sorted ``dotted.path = value`` lines, secrets masked.

    Derived settings say where their value came from; a sized service ends with comment
    lines giving its budget and the estimated memory against it.
    """
    lines = [f"{path} = {shown}" for path, shown in sorted(_entries(settings, ""))]
    return "\n".join([*lines, *summary(settings)])


def _resolve(
    settings: type[ServiceSettings], loc: tuple[int | str, ...]
) -> tuple[list[str], FieldInfo | type[BaseModel] | None]:
    """Field names along an error location and what it ends in: a leaf, a group, or neither."""
    model: type[BaseModel] = settings
    path: list[str] = []
    for part in loc:
        info = model.model_fields.get(part) if isinstance(part, str) else None
        if info is None:
            # An unknown (extra) key: it is still the env var the operator set.
            path.append(str(part))
            return path, None
        path.append(part)
        nested = group_model(info)
        if nested is None:
            # Whatever follows (list index, dict key) lives inside this one env var.
            return path, info
        model = nested
    return path, model


def _env_hint(
    settings: type[ServiceSettings], path: list[str], target: type[BaseModel], missing: bool
) -> str:
    """Env vars to look at for an error about a whole group."""
    if missing:
        # A missing section: name exactly the variables that would make it complete.
        required = [
            env_var_name(settings, (*path, *sub))
            for sub, info in iter_leaves(target)
            if info.is_required()
        ]
        if required:
            return ", ".join(required)
    if not path:
        return "whole service"
    # A cross-field rule: any variable of the section may be at fault.
    return env_var_name(settings, path) + "__*"


def _describe(settings: type[ServiceSettings], error: ErrorDetails) -> str:
    path, target = _resolve(settings, tuple(error["loc"]))
    missing = error["type"] == "missing"
    if isinstance(target, type):
        env = _env_hint(settings, path, target, missing)
    else:
        env = env_var_name(settings, path)
    where = ".".join(str(part) for part in error["loc"]) or "(settings)"
    line = f"  {where} [{env}]: {error['msg']}"
    if isinstance(target, FieldInfo) and not is_sensitive(target) and not missing:
        line += f" (got {error['input']!r})"
    return line


def format_validation_error(settings: type[ServiceSettings], error: ValidationError) -> str:
    """A readable report of why a service's settings did not load; never shows secrets."""
    count = error.error_count()
    noun = "problem" if count == 1 else "problems"
    header = f"{settings.__name__} did not load ({count} {noun}):"
    details = [_describe(settings, item) for item in error.errors(include_url=False)]
    return "\n".join([header, *details])
