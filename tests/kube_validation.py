"""kubernetes-validate --strict, with each kind's validator built once per process.

``kubernetes_validate.validate`` reads the 1.5 MB definitions file and builds a validator for
every document it checks; a render has dozens, and the property tests render hundreds.
Same schemas, same errors (``kubernetes_validate.ValidationError``).
"""

from __future__ import annotations

import functools
import re
from typing import Any

import jsonschema
import kubernetes_validate
from kubernetes_validate.utils import all_versions, major_minor, schema_contents
from referencing import Registry, Resource


def _schema_version(desired: str) -> str:
    return [v for v in all_versions() if major_minor(v) <= major_minor(desired)][-1]


@functools.cache
def _registry(version: str) -> Registry:
    definitions = schema_contents(
        f"kubernetes-json-schema/v{version}-local-strict/_definitions.json", version
    )
    return Resource.from_contents(definitions) @ Registry()  # type: ignore[no-any-return]


@functools.cache
def _validator(kind: str, api_version: str, desired: str) -> jsonschema.Validator:
    version = _schema_version(desired)
    group = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    try:
        schema = schema_contents(
            f"kubernetes-json-schema/v{version}-local-strict/{kind.lower()}-{group}.json", desired
        )
    except FileNotFoundError:
        raise kubernetes_validate.SchemaNotFoundError(
            version=major_minor(desired), kind=kind, api_version=api_version
        ) from None
    registry = Resource.from_contents(schema) @ _registry(version)
    return jsonschema.validators.Draft202012Validator(schema, registry=registry)


def validate(doc: dict[str, Any], desired: str) -> None:
    """Raises kubernetes_validate.ValidationError when ``doc`` is not a valid object."""
    try:
        _validator(doc["kind"], doc["apiVersion"], desired).validate(doc)
    except jsonschema.ValidationError as error:
        version = major_minor(_schema_version(desired))
        raise kubernetes_validate.ValidationError(error, version=version) from None
