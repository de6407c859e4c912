"""Values building blocks of the dev plugins (image, resources, storage) and the dev section."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from pydantic import Field, create_model

from chartgen.knobs import QUANTITY_PATTERN, PullPolicy, Quantity, ValuesSection
from chartgen.kube_names import OptionalResourceName, Registry

if TYPE_CHECKING:
    from chartgen.dev.base import DevPlugin


def dev_image(name: str, repository: str, tag: str) -> type[ValuesSection]:
    """An image knob whose defaults are this image's (values.yaml shows them)."""
    return create_model(  # type: ignore[call-overload,no-any-return]
        name,
        __base__=ValuesSection,
        repository=(str, Field(repository, min_length=1, description="Image repository.")),
        tag=(str, Field(tag, min_length=1, description="Image tag (pinned).")),
        pull_policy=(PullPolicy, Field("IfNotPresent", description="Image pull policy.")),
    )


def image_field(model: type[ValuesSection], what: str = "Image") -> Any:
    return Field(
        default_factory=model, description=f"{what}, pinned; point it at a mirror if needed."
    )


def _quantities(name: str, cpu: str, memory: str, storage: str) -> type[ValuesSection]:
    return create_model(  # type: ignore[call-overload,no-any-return]
        name,
        __base__=ValuesSection,
        cpu=(Quantity, Field(cpu, description="CPU.")),
        memory=(Quantity, Field(memory, description="Memory.")),
        ephemeral_storage=(
            Quantity,
            Field(storage, alias="ephemeral-storage", description="Ephemeral storage."),
        ),
    )


def dev_resources(name: str, cpu: str, memory: str) -> tuple[Any, type[ValuesSection]]:
    """Requests and limits of a dev service with its own defaults: its field and model."""
    requests = _quantities(f"{name}Requests", "50m", "128Mi", "64Mi")
    limits = _quantities(f"{name}Limits", cpu, memory, "1Gi")
    model = create_model(
        f"{name}Resources",
        __base__=ValuesSection,
        requests=(requests, Field(default_factory=requests, description="Requests.")),
        limits=(limits, Field(default_factory=limits, description="Limits.")),
    )
    return Field(default_factory=model, description="Requests and limits."), model


class DevStorage(ValuesSection):
    size: str = Field("8Gi", pattern=QUANTITY_PATTERN, description="PVC size.")
    storage_class_name: OptionalResourceName = Field(
        "", description='StorageClass; "" for the default.'
    )


STORAGE: Any = Field(default_factory=DevStorage, description="Its data volume.")
REGISTRY = (
    "Registry host for every dev image in place of its own (docker.io, quay.io), e.g. a "
    'mirror; "" keeps theirs.'
)


@functools.cache
def dev_values(plugins: tuple[DevPlugin, ...]) -> type[ValuesSection]:
    """The dev section: its switch, a registry for every dev image, a key per plugin."""
    *others, last = [p.title for p in plugins]
    run = f"{', '.join(others)} and {last}" if others else last
    enabled = (
        f"Evaluation install: run {run} in the release and wire the app to "
        f"{'them' if others else 'it'}. Not for production: one replica each, no backups."
    )
    fields: dict[str, Any] = {
        "enabled": (bool, Field(False, description=enabled)),
        "image_registry": (Registry, Field("", description=REGISTRY)),
    }
    for p in plugins:
        fields[p.values_key] = (p.values, Field(default_factory=p.values, description=p.summary))
    return create_model("DevValues", __base__=ValuesSection, **fields)  # type: ignore[no-any-return]
