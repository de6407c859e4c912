"""Chart roles: how the chart supplies each field of an app's settings models.

An app annotates every leaf field of its pydantic-settings models with exactly one role,
e.g. ``log_level: Annotated[LogLevel, VALUE] = "info"``.  A field whose type is itself a
model is a *group*: its own fields carry the roles, and it may be marked ``Shared()`` to
become one top-level values section used by every workload that has it.

This module is imported by the app at run time, so it depends on the standard library only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Literal


class _Role:
    """What every role says about itself, so the generator lists and explains roles without
    knowing each one: its name (in the roles lock and messages), a line of help, whether the
    setting is a values key (exposed) at all, and whether it is sensitive: never shown or
    stored outside a Secret."""

    name: ClassVar[str]
    help: ClassVar[str]
    exposed: ClassVar[bool] = True
    sensitive: bool = False

    @property
    def label(self) -> str:
        """The role as the roles lock and `chartgen roles` write it."""
        return self.name


@dataclass(frozen=True)
class Value(_Role):
    """Operator-facing: a key in values.yaml, reaches the container as an env var."""

    name = "value"
    help = "operator-facing key in values.yaml, rendered into the workload's ConfigMap"


@dataclass(frozen=True)
class Secret(_Role):
    """Sensitive: a chart-managed Secret or an ``existingSecret`` key, mounted as a file.

    ``generate``: when neither values nor an existingSecret supply it, the chart generates
    this many random characters once and keeps them across upgrades. Leave it 0 for keys
    that protect data (an encryption key must never be silently made up).
    ``create_hint``: a shell command printing a valid value, quoted in errors and docs.
    """

    generate: int = 0
    create_hint: str = ""
    # Dev mode only (dev.enabled): generate this many random characters even for a key the
    # chart never makes up in production, so an evaluation install needs no Secret.
    dev_generate: int = 0
    # "base64": the value is the base64 of the random characters (e.g. a 32-byte key).
    encoding: Literal["alnum", "base64"] = "alnum"
    name = "secret"
    help = "sensitive: chart-managed Secret or an existingSecret key"
    sensitive = True


@dataclass(frozen=True)
class Endpoint(_Role):
    """An address outside the pod (database, object storage, identity, SMTP, telemetry).

    ``kind`` names the peer (``postgresql``, ``s3``, ``oidc``, ``smtp``, ``otlp``…); every
    endpoint of a kind shares one egress rule (CIDRs and ports in values).
    ``sensitive`` endpoints embed credentials (a DSN with a password) and are delivered
    like secrets.
    """

    kind: str
    sensitive: bool = False
    # The port egress to this kind of peer defaults to (NetworkPolicy speaks ports).
    port: int = 443
    name = "endpoint"
    help = 'an address outside the pod, e.g. Endpoint("postgresql")'

    @property
    def label(self) -> str:
        return f"endpoint({self.kind}{', sensitive' if self.sensitive else ''})"


@dataclass(frozen=True)
class Budget:
    """What a pod actually gets: the CPU and memory its derived settings are sized for.

    The chart passes it through the downward API: the CPU limit (the request when no limit
    is set, never the node's CPU count) and the memory limit (the request when no limit).
    """

    cpu_millicores: int
    memory_bytes: int

    @property
    def cpu_cores(self) -> float:
        return self.cpu_millicores / 1000


# A formula sees the budget and the settings loaded so far (earlier derived fields included).
Formula = Callable[[Budget, Any], Any]


@dataclass(frozen=True)
class Derived(_Role):
    """An internal setting computed from the pod's budget; an explicit value overrides it.

    ``explain`` is one line for values.yaml and the README, e.g. "2 per CPU core".
    """

    formula: Formula
    explain: str
    name = "derived"
    help = "computed by the app from the pod's CPU/memory budget; values may override it"


WiredFact = Literal["port", "url", "namespace", "cpu_budget", "memory_budget"]


@dataclass(frozen=True)
class Wired(_Role):
    """Fixed by the chart from release facts; the operator never sets it.

    ``port``: the workload's own container port named ``port``.
    ``url``: ``http://<service of workload>:<its port named port>``.
    ``namespace``: the release namespace.
    ``cpu_budget`` / ``memory_budget``: the pod's Budget in millicores / bytes, from the
    downward API (resourceFieldRef), so VPA, LimitRanges and in-place resize are honoured.
    ``minimum`` is the smallest budget the app accepts; the chart refuses to render less.
    """

    fact: WiredFact
    workload: str | None = None
    port: str = "http"
    minimum: int = 0
    # ``url`` only: a path after the port, e.g. "/api".
    path: str = ""
    name = "wired"
    help = 'fixed by the chart from release facts, e.g. Wired("url", workload="api")'
    exposed = False

    @property
    def label(self) -> str:
        return f"wired({self.fact})"


@dataclass(frozen=True)
class Internal(_Role):
    """A constant the platform owns: not exposed, the app default applies."""

    name = "internal"
    help = "a platform constant, not exposed (the app default applies)"
    exposed = False


@dataclass(frozen=True)
class Shared:
    """Marks a nested settings model as a top-level values section shared by workloads.

    ``key`` overrides the values key (default: the field name in camelCase).
    """

    key: str | None = None


@dataclass(frozen=True)
class Renamed:
    """The field was called ``old`` (a field name in the same model) before chart ``since``.

    The one declaration behind three things: the app still reads the old env var during the
    deprecation period, the chart fails a render whose values still set the old key (naming
    the new one), and ``chartgen diff`` reports a rename instead of a removal and an addition.
    """

    old: str
    since: str


Role = Value | Secret | Endpoint | Derived | Wired | Internal
# Every role, in the order messages list them.
ROLES: tuple[type[Role], ...] = (Value, Secret, Endpoint, Derived, Wired, Internal)


VALUE = Value()
SECRET = Secret()
INTERNAL = Internal()
