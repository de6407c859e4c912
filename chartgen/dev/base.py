"""The dev plugin contract: a stand-in service in dev mode is a DevPlugin and one template.

chartgen runs a plugin when the app's DevMode wires a setting to one of its facts: it renders
``template`` (which sees ``plugin``, itself) to templates/dev/<component>.yaml, puts ``values``
under dev.<key>, points the wired settings at the facts and the app's egress for ``kind`` at
its pods. Optional macros of the template (which see ``plugin`` too) add to shared files:
``kept_secret()`` (its part of templates/dev/secrets.yaml, the Secret dev-<component> its
SecretKey facts are in), ``notes()`` (NOTES.txt) and, when ``awaited``, ``wait_container()``
(a hook Job's wait)."""

from __future__ import annotations

import typing
from collections.abc import Mapping
from pathlib import Path

from chartgen.knobs import ValuesSection
from chartgen.render.conditions import Cond, all_of, ref
from chartgen.render.config_value import ConfigValue

if typing.TYPE_CHECKING:
    from chartgen.model.declaration import DevMode


class SecretKey(typing.NamedTuple):
    """A fact the plugin keeps in its Secret (<fullname>-dev-<component>), under ``key``."""

    key: str


Fact = ConfigValue | SecretKey


class DevPlugin:
    """A dev stand-in for one endpoint kind; a subclass sets the attributes and facts()."""

    component: str  # object name suffix and app.kubernetes.io/component
    kind: str  # the endpoint kind it stands in for; its facts are named "<kind>.<fact>"
    port: int  # where that endpoint listens
    title: str  # its name in prose, e.g. "MinIO"
    values: type[ValuesSection]  # its knobs (image, resources…) under dev.<key>
    summary: str  # the description of dev.<key>
    template: str  # its Jinja source, by name in the templates directory or template_dir
    template_dir: Path | None = None  # a project's plugin keeps its template where it likes
    key: str = ""  # its values key under dev, if not its component
    switch: bool = False  # dev.<key>.enabled turns it off within dev mode
    stateful: bool = True  # a StatefulSet whose PVC outlives the release
    jobs: tuple[str, ...] = ()  # components of the Jobs it runs (named by content hash)
    # The app's pods wait for it: a hook Job until it serves (the template's wait_container),
    # the other workloads reading its kind by the app's DevMode.wait_command.
    awaited: bool = False

    def facts(self, mode: DevMode) -> Mapping[str, Fact]:
        """What the app may be wired to, by short name."""
        raise NotImplementedError

    @property
    def values_key(self) -> str:
        return self.key or self.component

    @property
    def secret(self) -> str:
        """Object name suffix of the Secret it keeps its credentials in."""
        return f"dev-{self.component}"

    @property
    def condition(self) -> Cond:
        """It stands in for its endpoint kind in this render."""
        on = ref(".Values.dev.enabled")
        return all_of(on, ref(f".Values.dev.{self.values_key}.enabled")) if self.switch else on

    def service_url(self) -> ConfigValue:
        """Its Service's http:// URL on its port, the fact most stand-ins provide."""
        return ConfigValue("service_url", component=self.component, port=self.port)
