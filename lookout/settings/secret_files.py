"""Secret settings read from files: where they live and the source that reads them.

Each file is named like the env var of its setting (``LOOKOUT_DATABASE__DSN``) and holds
the bare value. In Kubernetes the chart mounts the app's Secrets at ``SECRETS_DIR``, so
credentials never sit in the pod's environment (visible in ``kubectl describe``, crash
dumps and child processes).
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic_settings import PydanticBaseSettingsSource
from pydantic_settings.sources import NestedSecretsSettingsSource

# The chart declaration mounts secrets here too (lookout.chart); keep them one constant.
SECRETS_DIR = "/run/secrets/lookout"
# Overrides SECRETS_DIR outside Kubernetes (tests, a laptop).
SECRETS_DIR_ENV = "LOOKOUT_SECRETS_DIR"


def secrets_dir() -> Path:
    """The directory secret files are read from, resolved at each load."""
    return Path(os.environ.get(SECRETS_DIR_ENV) or SECRETS_DIR)


def secret_files_source(
    file_secret_settings: PydanticBaseSettingsSource,
) -> NestedSecretsSettingsSource:
    """A source reading ``<secrets dir>/<ENV_NAME>`` files, nested by the env delimiter.

    Wrapping pydantic-settings' own file source keeps its shared init state. A missing
    directory is normal (every secret may come from the environment), so it stays silent.
    """
    return NestedSecretsSettingsSource(
        file_secret_settings, secrets_dir=secrets_dir(), secrets_dir_missing="ok"
    )
