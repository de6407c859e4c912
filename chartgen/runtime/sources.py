"""Settings sources an app adds to pydantic-settings' own: secret files, renamed env vars.

Both wrap the library's sources rather than re-implementing them; an app wires them in its
``settings_customise_sources``. Standard library and pydantic-settings only.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from functools import cache
from pathlib import Path

from pydantic_settings import BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource
from pydantic_settings.sources import NestedSecretsSettingsSource

from chartgen.runtime.fields import leaves, old_env_name
from chartgen.runtime.roles import Renamed


def secret_files_source(
    file_secret_settings: PydanticBaseSettingsSource, override_env: str = ""
) -> NestedSecretsSettingsSource:
    """Secret settings read from files named like their env vars, nested by the delimiter.

    The directory is ``$override_env`` when that is set (tests, a laptop), else the class's
    ``secrets_dir`` (or the ``_secrets_dir`` argument). A missing directory is normal: every
    secret may come from the environment. pydantic-settings ≥ 2.14.2 follows the symlinks a
    Kubernetes Secret volume is made of.
    """
    override = os.environ.get(override_env) if override_env else None
    directory = Path(override) if override else getattr(file_secret_settings, "secrets_dir", None)
    return NestedSecretsSettingsSource(
        file_secret_settings, secrets_dir=directory, secrets_dir_missing="ok"
    )


@cache
def renamed_env_vars(settings: type[BaseSettings]) -> dict[str, str]:
    """``{old env var: new env var}`` for every field declared ``Renamed(old, since)``."""
    found: dict[str, str] = {}
    for leaf in leaves(settings):
        for marker in leaf.field.metadata:
            if isinstance(marker, Renamed):
                found[old_env_name(leaf, marker.old)] = leaf.env
    return found


class RenamedEnvSource(EnvSettingsSource):
    """pydantic-settings' env source, also accepting each renamed setting's old variable
    (with a DeprecationWarning; the new name wins when both are set)."""

    def _load_env_vars(self) -> Mapping[str, str | None]:
        env = dict(super()._load_env_vars())
        for old, new in renamed_env_vars(self.settings_cls).items():
            # The parent lower-cases names unless case_sensitive.
            old_key, new_key = (old, new) if self.case_sensitive else (old.lower(), new.lower())
            if old_key in env:
                warnings.warn(
                    f"{old} is deprecated: it was renamed to {new}; set that instead",
                    DeprecationWarning,
                    stacklevel=2,
                )
                env.setdefault(new_key, env.pop(old_key))
        return env
