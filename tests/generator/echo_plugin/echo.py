"""A project's own dev plugin: an HTTP server answering every request, standing in for
the app's webhook receiver. tests/generator/test_dev_plugins.py copies this directory into
the tiny app's package; chartgen knows nothing of it."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from chartgen.dev.base import DevPlugin, Fact
from chartgen.dev.knobs import dev_image, dev_resources, image_field
from chartgen.knobs import ValuesSection
from chartgen.model.declaration import DevMode

EchoImage = dev_image("EchoImage", "docker.io/hashicorp/http-echo", "1.0.0")
RESOURCES, EchoResources = dev_resources("Echo", "100m", "64Mi")


class DevEcho(ValuesSection):
    image: EchoImage = image_field(EchoImage)
    resources: EchoResources = RESOURCES


class HttpEcho(DevPlugin):
    component = "echo"
    kind = "webhook"
    port = 5678
    title = "http-echo"
    values = DevEcho
    summary = "http-echo (webhook receiver)."
    template = "echo.yaml.j2"
    template_dir = Path(__file__).parent
    stateful = False

    def facts(self, mode: DevMode) -> Mapping[str, Fact]:
        return {"url": self.service_url()}
