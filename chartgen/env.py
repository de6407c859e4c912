"""How each setting reaches the container: Go template snippets for env vars.

Env var values follow pydantic-settings parsing: scalars as text, complex types as JSON.
Helm reads every number in values.yaml as float64, so integers go through ``int64`` to
avoid ``1e+07`` (which an ``int`` field rejects).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from chartgen.dev.wiring import Source
from chartgen.model.spec import ChartSpec, Encoding, Group, Setting, WorkloadSpec
from chartgen.naming import kebab
from chartgen.render.conditions import TRUE, Cond, all_of, any_of, negate
from chartgen.render.conditions import ref as ref_cond
from chartgen.render.config_value import ConfigValue
from chartgen.runtime.quantity import format_bytes, format_cpu
from chartgen.runtime.roles import Secret, Wired

PIPES: dict[Encoding, str] = {
    "string": "quote",
    "int": "int64 | quote",
    "float": "float64 | toString | quote",
    "bool": "toString | quote",
    "json": "toJson | quote",
}


def values_ref(path: tuple[str, ...]) -> str:
    return ".Values." + ".".join(path)


@dataclass(frozen=True)
class ConfigEntry:
    """A ConfigMap data entry: ``env: value`` rendered only when ``condition`` holds."""

    env: str
    value: ConfigValue
    condition: Cond  # when the entry is rendered
    dev: Source | None = None  # in dev mode (its plugin's condition) a dev service's value


@dataclass(frozen=True)
class SecretEntry:
    """An env var read from a Secret key (the section's Secret, or its existingSecret)."""

    env: str
    section: str  # values key of the section's group, dotted
    key_ref: str  # Go expression of the key name in the Secret
    in_use: Cond  # when the pod gets it: always, or once the operator configured it
    value_ref: str  # Go expression of the value in values.yaml
    required: bool
    generated: bool  # the chart makes one up (and keeps it) when none is given
    component: str  # object name suffix of the chart-managed Secret it reads
    dev: Source | None = None  # in dev mode (its plugin's condition) a dev service's Secret
    # Dev mode: the chart generates it even though production requires it from the operator.
    dev_generated: bool = False
    # A hook workload reads hook copies, except in dev mode where it is a plain Job.
    dev_component: str = ""


def _wired_value(setting: Setting, workload: WorkloadSpec, spec: ChartSpec) -> ConfigValue:
    role = setting.role
    assert isinstance(role, Wired)
    if role.fact == "namespace":
        return ConfigValue("namespace")
    target = spec.workload(role.workload or workload.name)
    port = target.port(role.port)
    if role.fact == "port":
        return ConfigValue("literal", text=str(port))
    return ConfigValue("service_url", component=target.name, port=port, path=role.path)


BUDGET_FACTS = {"cpu_budget": "cpu", "memory_budget": "memory"}


@dataclass(frozen=True)
class BudgetEntry:
    """An env var the kubelet fills from the container's resources (downward API)."""

    env: str
    resource: Literal["cpu", "memory"]
    minimum: int  # millicores or bytes; 0 for none

    @property
    def divisor(self) -> str:
        return "1m" if self.resource == "cpu" else "1"

    @property
    def minimum_in_base_units(self) -> float:
        """The minimum as the chart's quantity helper reads quantities: cores, bytes."""
        return self.minimum / 1000 if self.resource == "cpu" else float(self.minimum)

    @property
    def minimum_text(self) -> str:
        return format_cpu(self.minimum) if self.resource == "cpu" else format_bytes(self.minimum)


def budget_entries(workload: WorkloadSpec) -> list[BudgetEntry]:
    return [
        BudgetEntry(s.env, BUDGET_FACTS[s.role.fact], s.role.minimum)  # type: ignore[arg-type]
        for s in workload.settings
        if isinstance(s.role, Wired) and s.role.fact in BUDGET_FACTS
    ]


def config_entries(workload: WorkloadSpec, spec: ChartSpec) -> list[ConfigEntry]:
    wiring = spec.dev
    entries = []
    for setting in workload.settings:
        if isinstance(setting.role, Wired) and setting.role.fact in BUDGET_FACTS:
            continue  # the pod spec fills these from its resources
        if isinstance(setting.role, Wired):
            entries.append(ConfigEntry(setting.env, _wired_value(setting, workload, spec), TRUE))
        elif setting.exposed and not setting.sensitive:
            ref = values_ref(setting.values_path)
            pipe = PIPES[setting.encoding]
            default = (
                None if setting.required else setting.field.get_default(call_default_factory=True)
            )
            # Optional settings left null stay unset, so the app applies its own None.
            unset = ref_cond(f'(kindIs "invalid" {ref})')
            condition = negate(unset) if default is None else TRUE
            entries.append(
                ConfigEntry(
                    setting.env,
                    ConfigValue("values", ref=ref, pipe=pipe),
                    condition,
                    dev=wiring.fact_of(setting) if wiring else None,
                )
            )
    return entries


def group_of(setting: Setting, spec: ChartSpec) -> Group:
    """The top-level values group (section or workload settings) a setting belongs to."""
    for group in spec.groups():
        if setting.values_path[: len(group.values_path)] == group.values_path:
            return group
    raise AssertionError(f"{setting.qualname} belongs to no group")


def is_generated(setting: Setting) -> bool:
    return isinstance(setting.role, Secret) and setting.role.generate > 0


def is_dev_generated(setting: Setting) -> bool:
    """Generated in dev mode only: production requires it from the operator."""
    return (
        isinstance(setting.role, Secret)
        and not is_generated(setting)
        and (setting.role.dev_generate > 0)
    )


def secret_suffix(group: Group) -> str:
    """Object name suffix of a group's chart-managed Secret (<fullname>-<suffix>)."""
    return kebab(group.values_path[0])


def member(expr: str, key: str) -> str:
    """Go expression of the entry ``key`` of the map ``expr``."""
    return f"{expr}.{key}" if key.isidentifier() else f'(index {expr} "{key}")'


def key_ref(group: Group, key: str) -> str:
    """Go expression of the name ``key`` has in the group's Secret (its secretKeys entry)."""
    return member(values_ref(group.values_path) + ".secretKeys", key)


def secret_entries(workload: WorkloadSpec, spec: ChartSpec) -> list[SecretEntry]:
    wiring = spec.dev
    entries = []
    for setting in workload.settings:
        if not setting.sensitive:
            continue
        group = group_of(setting, spec)
        section = ".".join(group.values_path)
        key = group.secret_key(setting)
        entries.append(
            SecretEntry(
                env=setting.env,
                section=section,
                key_ref=key_ref(group, key),
                in_use=in_use(setting, spec),
                value_ref=values_ref(setting.values_path),
                required=setting.required,
                generated=is_generated(setting),
                # A hook Job runs before the release's Secrets exist: it reads hook copies.
                component=(
                    f"{workload.name}-{secret_suffix(group)}"
                    if workload.decl.hook
                    else secret_suffix(group)
                ),
                dev=wiring.fact_of(setting) if wiring else None,
                dev_generated=is_dev_generated(setting),
                dev_component=secret_suffix(group),
            )
        )
    return entries


def in_use(setting: Setting, spec: ChartSpec) -> Cond:
    """The operator configured this setting, so the app will use it (always when required)."""
    if setting.required or is_generated(setting):
        return TRUE
    value = ref_cond(values_ref(setting.values_path))
    if setting.sensitive:
        # From an existingSecret unless its key is set to null (the Secret lacks it): the pod
        # then waits for the Secret and key rather than starting without them (a typo).
        group = group_of(setting, spec)
        from_existing = all_of(
            ref_cond(f"{values_ref(group.values_path)}.existingSecret"),
            ref_cond(key_ref(group, group.secret_key(setting))),
        )
        return any_of(from_existing, value)
    return value


def any_in_use(settings: tuple[Setting, ...], spec: ChartSpec) -> Cond:
    return any_of(*(in_use(s, spec) for s in settings))


def random_value(setting: Setting) -> str:
    """Go pipeline making up a value for a secret the chart may generate ("" if none)."""
    role = setting.role
    if not isinstance(role, Secret) or not (role.generate or role.dev_generate):
        return ""
    pipeline = f"randAlphaNum {role.generate or role.dev_generate}"
    # base64 keys are read as urlsafe base64 (e.g. a Fernet key): - and _, not + and /.
    urlsafe = ' | b64enc | replace "+" "-" | replace "/" "_"'
    return pipeline + (urlsafe if role.encoding == "base64" else "")


def managed_secret_values(group: Group) -> Cond:
    """Evaluated inside `with` the group's values: the chart has something to put in the
    group's own Secret (a value, a key it always generates, or one it generates in dev mode)."""
    refs = [
        ref_cond("." + ".".join(s.values_path[len(group.values_path) :])) for s in group.secrets
    ]
    if any(is_generated(s) for s in group.secrets):
        refs.append(TRUE)
    if any(is_dev_generated(s) for s in group.secrets):
        refs.append(ref_cond("$.Values.dev.enabled"))
    return any_of(*refs)
