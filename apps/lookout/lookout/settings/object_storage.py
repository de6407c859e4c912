"""Bucket holding trace, metric and log data."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, HttpUrl, SecretStr

from chartgen.runtime.roles import SECRET, VALUE, Endpoint
from chartgen.runtime.rules import Together, cross_field
from lookout.settings.base import Section


class ObjectStorageSettings(Section):
    # An endpoint even without endpoint_url: the app reaches the provider's API for it.
    # gs:// and az:// buckets share the "s3" egress rule (HTTPS to the object store).
    uri: Annotated[
        str,
        Endpoint("s3", port=443),
        Field(
            pattern=r"^(s3|gs|az)://[^/]+(/.*)?$",
            description="Bucket and optional prefix, e.g. s3://lookout-data/prod.",
        ),
    ]
    endpoint_url: Annotated[
        HttpUrl | None,
        Endpoint("s3", port=443),
        Field(description="S3-compatible API URL (MinIO, R2); empty uses the provider default."),
    ] = None
    region: Annotated[
        str,
        VALUE,
        Field(min_length=1, description="Bucket region."),
    ] = "us-east-1"
    access_key_id: Annotated[
        SecretStr | None,
        SECRET,
        Field(description="Static access key ID; empty uses the workload's cloud identity."),
    ] = None
    secret_access_key: Annotated[
        SecretStr | None,
        SECRET,
        Field(description="Static secret access key paired with access_key_id."),
    ] = None
    force_path_style: Annotated[
        bool,
        VALUE,
        Field(description="Address buckets as host/bucket instead of bucket.host (MinIO)."),
    ] = False

    # Half a key pair silently falls back to cloud identity; fail loudly instead.
    _keys_come_in_pairs = cross_field(Together("access_key_id", "secret_access_key"))
