"""What an app imports at start: role markers, settings sources, budget and derived settings.

Standard library and pydantic-settings only, so an app's image needs nothing else of chartgen.
"""

from chartgen.runtime.derive import budget_of, derive, derived_fields, evaluate
from chartgen.runtime.roles import (
    INTERNAL,
    SECRET,
    VALUE,
    Budget,
    Derived,
    Endpoint,
    Internal,
    Renamed,
    Role,
    Secret,
    Shared,
    Value,
    Wired,
)
from chartgen.runtime.sources import RenamedEnvSource, renamed_env_vars, secret_files_source

__all__ = [
    "INTERNAL",
    "SECRET",
    "VALUE",
    "Budget",
    "Derived",
    "Endpoint",
    "Internal",
    "Renamed",
    "RenamedEnvSource",
    "Role",
    "Secret",
    "Shared",
    "Value",
    "Wired",
    "budget_of",
    "derive",
    "derived_fields",
    "evaluate",
    "renamed_env_vars",
    "secret_files_source",
]
