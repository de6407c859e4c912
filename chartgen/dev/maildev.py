"""MailDev for the app's SMTP server: a catch-all whose web UI shows every email, kept in
the pod only (a Deployment); dev.mail.enabled=false leaves SMTP to the operator."""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import Field

from chartgen.dev.base import DevPlugin, Fact
from chartgen.dev.knobs import dev_image, dev_resources, image_field
from chartgen.knobs import ValuesSection
from chartgen.model.declaration import DevMode
from chartgen.render.config_value import ConfigValue

MaildevImage = dev_image("MaildevImage", "docker.io/maildev/maildev", "2.2.1")
_RESOURCES, MaildevResources = dev_resources("Maildev", "250m", "256Mi")


class DevMail(ValuesSection):
    enabled: bool = Field(
        True, description="Run MailDev, an SMTP catch-all whose web UI shows every email."
    )
    command: list[str] = Field(
        default_factory=lambda: ["bin/maildev"],
        min_length=1,
        description="How the image starts MailDev (the upstream image's, relative to its "
        'working directory); e.g. ["maildev"] for an image with it on PATH.',
    )
    image: MaildevImage = image_field(MaildevImage)  # type: ignore[valid-type]
    resources: MaildevResources = _RESOURCES  # type: ignore[valid-type]


class MailDev(DevPlugin):
    component, kind, port, key = "maildev", "smtp", 1025, "mail"
    title, summary = "MailDev", "MailDev (SMTP)."
    values = DevMail
    template = "dev/maildev.yaml.j2"
    switch, stateful = True, False

    def facts(self, mode: DevMode) -> Mapping[str, Fact]:
        return {
            "host": ConfigValue("service_host", component=self.component),
            "port": ConfigValue("literal", text=str(self.port)),
            "tls": ConfigValue("literal", text="false"),
        }
