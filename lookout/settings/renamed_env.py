"""Env vars of renamed settings: read under their old name during the deprecation period."""

from __future__ import annotations

import warnings
from collections.abc import Mapping

from pydantic_settings import EnvSettingsSource

from chartgen.renames import renamed_env_vars


class RenamedEnvSource(EnvSettingsSource):
    """pydantic-settings' env source, also accepting each renamed setting's old variable."""

    def _load_env_vars(self) -> Mapping[str, str | None]:
        env = dict(super()._load_env_vars())
        for old, new in renamed_env_vars(self.settings_cls).items():
            # Names are lower-cased by the parent unless case_sensitive.
            old_key, new_key = (old, new) if self.case_sensitive else (old.lower(), new.lower())
            if old_key in env:
                warnings.warn(
                    f"{old} is deprecated: it was renamed to {new}; set that instead",
                    DeprecationWarning,
                    stacklevel=2,
                )
                env.setdefault(new_key, env.pop(old_key))
        return env
