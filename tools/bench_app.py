"""Synthetic chartgen projects for `make bench`: N Deployments, each with ~50 settings.

Every workload has its own BaseSettings class of leaf VALUE fields (a mix of int, str, bool
and float), one port with its Wired("port") field, and a Shared() section of five fields
that all workloads read. No secrets, so no secret-file source is needed. Default presets.
"""

from __future__ import annotations

from pathlib import Path

SHARED_FIELDS = 5
# (type, default, description) of leaf fields, cycled through to make a realistic mix.
KINDS: tuple[tuple[str, str, str], ...] = (
    ("int", "{n}", "A count or limit."),
    ("str", '"value-{n}"', "A name or mode."),
    ("bool", "{flag}", "A feature switch."),
    ("float", "{n}.5", "A ratio or timeout in seconds."),
    ("int", "{n}0", "A size in bytes."),
    ("str", '"https://example.com/{n}"', "An address."),
)

HEADER = '''"""Synthetic app for chartgen's bench: {workloads} workloads x {fields} settings."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from chartgen.model.declaration import ChartDeclaration, HttpProbe, Port, Workload
from chartgen.runtime import VALUE, Shared, Wired


class SharedModel(BaseModel):
    model_config = ConfigDict(extra="forbid")

{shared}


SharedSection = Annotated[SharedModel, Shared(), Field(description="Used by every workload.")]
'''

CLASS = """

class Workload{i}Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="SYN_", env_nested_delimiter="__", secrets_dir="/run/secrets/syn"
    )

    common: SharedSection
    port: Annotated[int, Wired("port"), Field(description="HTTP port.")] = {port}
{fields}
"""

WORKLOAD = """    Workload(
        name="w{i}",
        description="Synthetic workload {i}.",
        settings=Workload{i}Settings,
        command=("syn", "w{i}"),
        ports=(Port("http", {port}),),
        liveness=HttpProbe("/healthz"),
        readiness=HttpProbe("/healthz"),
    ),"""

FOOTER = """

CHART = ChartDeclaration(
    name="{name}",
    description="Synthetic chart with {workloads} workloads.",
    version="0.1.0",
    app_version="0.1.0",
    image_registry="ghcr.io",
    image_repository="example/syn",
    workloads=(
{workloads_code}
    ),
)
"""

PYPROJECT = """[tool.chartgen]
declaration = "{module}:CHART"
output = "generated"
"""


def _field(name: str, index: int) -> str:
    kind, default, description = KINDS[index % len(KINDS)]
    value = default.format(n=index + 1, flag="True" if index % 2 else "False")
    return f"    {name}: Annotated[{kind}, VALUE, Field(description={description!r})] = {value}"


def app_source(name: str, workloads: int, fields: int) -> str:
    shared = "\n".join(_field(f"shared_option_{j}", j) for j in range(SHARED_FIELDS))
    parts = [HEADER.format(workloads=workloads, fields=fields, shared=shared)]
    own = fields - SHARED_FIELDS - 1  # the shared section and the port count towards ~50
    for i in range(workloads):
        body = "\n".join(_field(f"option_{j}", j + i) for j in range(own))
        parts.append(CLASS.format(i=i, port=8000 + i, fields=body))
    code = "\n".join(WORKLOAD.format(i=i, port=8000 + i) for i in range(workloads))
    parts.append(FOOTER.format(name=name, workloads=workloads, workloads_code=code))
    return "".join(parts)


def write_project(directory: Path, workloads: int, fields: int = 50) -> Path:
    """A project directory whose module (unique per size, so imports never collide)."""
    module = f"bench_syn_{workloads}x{fields}"
    root = directory / module
    root.mkdir(parents=True, exist_ok=True)
    (root / f"{module}.py").write_text(app_source(f"syn{workloads}", workloads, fields))
    (root / "pyproject.toml").write_text(PYPROJECT.format(module=module))
    return root
