"""Chart-owned values: the Kubernetes knobs every generated chart offers besides app settings.

These are pydantic models like the app's, so one walker turns both into values.yaml, the
schema and the README.  Subclasses of ValuesSection are printed key by key in values.yaml;
other models (resources) are printed as their (empty) default and documented as a whole.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from chartgen.naming import camel


class ValuesSection(BaseModel):
    """A mapping in values.yaml: closed to unknown keys, camelCase keys."""

    model_config = ConfigDict(extra="forbid", alias_generator=camel, populate_by_name=True)


# Kubernetes quantity: a plain number, or digits with an optional decimal part and suffix.
QUANTITY_PATTERN = r"^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$"
Quantity = Annotated[str, Field(pattern=QUANTITY_PATTERN)] | Annotated[float, Field(ge=0)]


class ResourceList(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    cpu: Quantity | None = Field(None, description="CPU, e.g. 500m or 2.")
    memory: Quantity | None = Field(None, description="Memory, e.g. 512Mi or 2Gi.")
    ephemeral_storage: Quantity | None = Field(
        None, alias="ephemeral-storage", description="Ephemeral storage, e.g. 1Gi."
    )


class Resources(BaseModel):
    model_config = ConfigDict(extra="forbid")

    requests: ResourceList | None = None
    limits: ResourceList | None = None


class ImagePullSecret(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)


class ServiceAccountValues(ValuesSection):
    create: bool = Field(
        True, description="Create one ServiceAccount per workload (named after the workload)."
    )
    annotations: dict[str, str] = Field(
        default_factory=dict,
        description="Annotations on every ServiceAccount, e.g. for workload identity.",
    )


class IngressTls(ValuesSection):
    enabled: bool = Field(True, description="Serve TLS when the public URL is https.")
    secret_name: str = Field(
        "", description='TLS Secret for the host; "" uses <fullname>-tls (e.g. from cert-manager).'
    )


class IngressValues(ValuesSection):
    enabled: bool = Field(True, description="Expose the public URL's host through an Ingress.")
    class_name: str = Field("", description='IngressClass name; "" uses the cluster default.')
    annotations: dict[str, str] = Field(
        default_factory=dict, description="Annotations, e.g. cert-manager.io/cluster-issuer."
    )
    tls: IngressTls = Field(default_factory=IngressTls, description="TLS for the public host.")


PullPolicy = Literal["Always", "IfNotPresent", "Never"]


def workload_knobs(is_job: bool) -> dict[str, tuple[object, object]]:
    """Per-workload Kubernetes knobs, as create_model field definitions."""
    knobs: dict[str, tuple[object, object]] = {}
    if not is_job:
        knobs["replicas"] = (
            int | None,
            Field(None, ge=0, description="Replica count; null takes it from the preset."),
        )
    knobs["resources"] = (
        Resources,
        Field(
            default_factory=Resources,
            description="Requests and limits; each key set here overrides the preset's.",
        ),
    )
    knobs["pod_annotations"] = (
        dict[str, str],
        Field(default_factory=dict, description="Extra annotations on the pods."),
    )
    if is_job:
        knobs["backoff_limit"] = (
            int,
            Field(3, ge=0, description="Retries before the Job is marked failed."),
        )
    return knobs
