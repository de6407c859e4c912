"""MinIO for the app's S3 object storage: a StatefulSet and PVC, the root credentials kept
in its Secret, and a Job that creates DevMode.bucket."""

from __future__ import annotations

from collections.abc import Mapping

from chartgen.dev.base import DevPlugin, Fact, SecretKey
from chartgen.dev.knobs import STORAGE, DevStorage, dev_image, dev_resources, image_field
from chartgen.knobs import ValuesSection
from chartgen.model.declaration import DevMode
from chartgen.render.config_value import ConfigValue

MinioImage = dev_image("MinioImage", "quay.io/minio/minio", "RELEASE.2025-04-22T22-12-26Z")
MinioClientImage = dev_image("MinioClientImage", "quay.io/minio/mc", "RELEASE.2025-04-16T18-13-26Z")
_RESOURCES, MinioResources = dev_resources("Minio", "1", "1Gi")


class DevMinio(ValuesSection):
    image: MinioImage = image_field(MinioImage)  # type: ignore[valid-type]
    client_image: MinioClientImage = image_field(  # type: ignore[valid-type]
        MinioClientImage, "Image of the Job that creates the bucket (MinIO client)"
    )
    storage: DevStorage = STORAGE
    resources: MinioResources = _RESOURCES  # type: ignore[valid-type]


class MinIO(DevPlugin):
    component, kind, port = "minio", "s3", 9000
    title, summary = "MinIO", "MinIO (S3 API)."
    values = DevMinio
    template = "dev/minio.yaml.j2"
    jobs = ("minio-bucket",)

    def facts(self, mode: DevMode) -> Mapping[str, Fact]:
        return {
            "uri": ConfigValue("literal", text=f"s3://{mode.bucket}"),
            "endpoint": self.service_url(),
            "access_key": SecretKey("accessKey"),
            "secret_key": SecretKey("secretKey"),
            "path_style": ConfigValue("literal", text="true"),
        }
