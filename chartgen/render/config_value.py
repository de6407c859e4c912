"""A ConfigMap value as a fact of the spec; the chart's Go for it is in workload/_values.j2."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class ConfigValue:
    """What a ConfigMap entry holds, as a fact; workload/_values.j2 writes its Go template.

    ``values``: the values key ``ref`` through ``pipe``; ``namespace``: the release's;
    ``literal``: ``text``; ``service_url``/``service_host``: the Service of the chart's
    ``component`` (with ``port`` and ``path`` for a URL).
    """

    kind: Literal["values", "namespace", "literal", "service_url", "service_host"]
    ref: str = ""
    pipe: str = ""
    text: str = ""
    component: str = ""
    port: int = 0
    path: str = ""
