"""The env contract, proven at build time: what the chart renders is what the app reads.

For every workload the proof sets exactly what its container would get — ConfigMap env vars,
chart-wired values, the downward-API budget, secret files or secret env vars — with a probe
value per setting that differs from the default, in an emptied environment and a temporary
working directory, loads the workload's settings class, and checks that every probe arrived
at its field. A setting whose value does not arrive fails the build, naming the setting and
the env name the chart would have rendered.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import SecretBytes, SecretStr, TypeAdapter, ValidationError
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings

from chartgen.model.probes import candidates
from chartgen.model.sandbox import Sandbox
from chartgen.model.spec import ChartSpec, Setting, SpecError, WorkloadSpec
from chartgen.runtime.roles import Wired

# Object names the proof renders wired URLs with, as if the release were called "proof".
PROOF_FULLNAME = "proof"
PROOF_NAMESPACE = "proof-namespace"
# The budget the downward API would give: above any minimum an app is likely to declare.
PROOF_BUDGET = {"cpu_budget": 1500, "memory_budget": 3 << 30}
MAX_ROUNDS = 24


class ContractError(SpecError):
    """A setting the chart delivers does not reach the app's settings as rendered."""


def encode(setting: Setting, value: Any) -> str:
    """The env var text the chart's pipeline writes for ``value`` (see the config macros)."""
    if setting.encoding == "json":
        # Go's toJson: compact, map keys sorted.
        return json.dumps(value, separators=(",", ":"), sort_keys=True)
    if setting.encoding == "bool":
        return "true" if value else "false"
    if setting.encoding == "int":
        return str(int(value))
    return str(value)


def wired_value(setting: Setting, workload: WorkloadSpec, spec: ChartSpec) -> str:
    role = setting.role
    assert isinstance(role, Wired)
    if role.fact == "namespace":
        return PROOF_NAMESPACE
    if role.fact in PROOF_BUDGET:
        return str(max(PROOF_BUDGET[role.fact], role.minimum))
    target = spec.workload(role.workload or workload.name)
    port = target.port(role.port)
    if role.fact == "port":
        return str(port)
    return f"http://{PROOF_FULLNAME}-{target.name}:{port}{role.path}"


@dataclass
class _Probe:
    setting: Setting
    options: list[Any]
    index: int = 0
    fixed: str | None = None  # a value the chart renders itself (wired, downward API)
    omitted: bool = False  # left out: no candidate the app accepts together with the others

    @property
    def value(self) -> Any:
        return self.options[self.index]

    @property
    def text(self) -> str:
        if self.fixed is not None:
            return self.fixed
        if self.setting.delivery in ("secret-file", "secret-env"):
            return encode(self.setting, self.value) if self.setting.complex else str(self.value)
        return encode(self.setting, self.value)


@dataclass
class _Rendered:
    env: dict[str, str] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)


def _probes(workload: WorkloadSpec, spec: ChartSpec) -> list[_Probe]:
    probes = []
    for setting in workload.settings:
        if setting.delivery == "none":
            continue
        if setting.delivery in ("wired", "downward"):
            probes.append(_Probe(setting, [None], fixed=wired_value(setting, workload, spec)))
        else:
            probes.append(_Probe(setting, _accepted(setting)))
    return probes


# id(field) -> (field, accepted candidates); the field is kept so its id is never reused.
_ACCEPTED: dict[int, tuple[FieldInfo, list[Any]]] = {}


def _field_accepts(setting: Setting, value: Any) -> bool:
    """Whether the field alone takes ``value``: its type, constraints and field validators
    (the owner model validating just this assignment). Cross-field rules wait for the load."""
    owner, name = setting.owner, setting.field_name
    try:
        owner.__pydantic_validator__.validate_assignment(owner.model_construct(), name, value)
    except ValidationError as error:
        return not any(tuple(e["loc"])[:1] == (name,) for e in error.errors())
    except Exception:
        return True
    return True


def _accepted(setting: Setting) -> list[Any]:
    """The candidates the field accepts on its own, so a load round is spent only on what no
    single field can tell. Cached per field: shared sections bring one field to many
    workloads."""
    cached = _ACCEPTED.get(id(setting.field))
    if cached is not None and cached[0] is setting.field:
        return cached[1]
    options = candidates(setting.field, setting.complex)
    # The value as the app gets it: env text parsed back (JSON for complex values).
    kept = [o for o in options if _field_accepts(setting, json.loads(json.dumps(o)))] or options
    _ACCEPTED[id(setting.field)] = (setting.field, kept)
    return kept


# id(field) -> (field, a TypeAdapter of its annotation): building one costs about a
# millisecond, and the proof compares typed values for many fields of every build.
_ADAPTERS: dict[int, tuple[FieldInfo, TypeAdapter[Any]]] = {}


def _adapter(setting: Setting) -> TypeAdapter[Any]:
    cached = _ADAPTERS.get(id(setting.field))
    if cached is not None and cached[0] is setting.field:
        return cached[1]
    adapter: TypeAdapter[Any] = TypeAdapter(setting.field.annotation)
    _ADAPTERS[id(setting.field)] = (setting.field, adapter)
    return adapter


def _render(probes: list[_Probe]) -> _Rendered:
    rendered = _Rendered()
    for probe in probes:
        if probe.omitted:
            continue
        target = rendered.files if probe.setting.delivery == "secret-file" else rendered.env
        target[probe.setting.env] = probe.text
    return rendered


def _load(settings: type[BaseSettings], rendered: _Rendered, sandbox: Sandbox) -> BaseSettings:
    def load(secrets: Path) -> BaseSettings:
        return settings(_secrets_dir=secrets)  # type: ignore[call-arg]

    return sandbox.run(rendered.env, rendered.files, load)


def _at(settings: Any, path: tuple[str, ...]) -> Any:
    for name in path:
        settings = getattr(settings, name)
    return settings


def _unwrap(value: Any) -> Any:
    if isinstance(value, SecretStr | SecretBytes):
        return value.get_secret_value()
    return value


def _arrived(probe: _Probe, loaded: Any) -> bool:
    setting = probe.setting
    got = _unwrap(loaded)
    if probe.fixed is not None and not setting.complex:
        expected: Any = probe.fixed
    else:
        expected = json.loads(probe.text) if setting.complex else probe.value
    if got == expected:
        return True
    try:
        # The app's type normalises the text (URLs, durations, paths, enums): compare typed.
        return _unwrap(_adapter(setting).validate_python(expected)) == got
    except (ValidationError, TypeError, ValueError):
        return str(got) == str(expected)


def _rejected(error: ValidationError, probes: list[_Probe]) -> list[_Probe]:
    """Probes whose field the app refused; they move to their next candidate."""
    found = []
    locations = [tuple(str(part) for part in item["loc"]) for item in error.errors()]
    for probe in probes:
        path = probe.setting.field_path
        hit = any(loc[: len(path)] == path or path[-len(loc) :] == loc for loc in locations if loc)
        if hit and probe.index + 1 < len(probe.options):
            found.append(probe)
    return found


def _culprits(settings: type[BaseSettings], probes: list[_Probe], sandbox: Sandbox) -> list[_Probe]:
    """Probes that break a rule across fields (an error no field location names): those
    whose omission alone lets the settings load."""
    found = []
    for probe in probes:
        if probe.fixed is not None or probe.omitted or probe.setting.required:
            continue
        probe.omitted = True
        try:
            _load(settings, _render(probes), sandbox)
            found.append(probe)
        except ValidationError:
            pass
        finally:
            probe.omitted = False
    return found


def _load_with_probes(
    settings: type[BaseSettings], probes: list[_Probe], sandbox: Sandbox
) -> BaseSettings:
    """Load, moving rejected probes to their next candidate until the app accepts them all."""
    for _ in range(MAX_ROUNDS):
        try:
            return _load(settings, _render(probes), sandbox)
        except ValidationError as error:
            last = error
            rejected = _rejected(error, probes)
            if not rejected:
                rejected = _culprits(settings, probes, sandbox)
                if not rejected:
                    break
            for probe in rejected:
                if probe.index + 1 < len(probe.options):
                    probe.index += 1
                else:
                    probe.omitted = True
    raise ContractError(
        f"{settings.__name__} does not load with what the chart renders for it "
        f"(a probe value per setting):\n{_missing(last, probes)}{last}"
    )


def _missing(error: ValidationError, probes: list[_Probe]) -> str:
    """The delivered settings under a field the app reports missing: their names were not
    read (a wrong env name, or secret files the app's sources do not read)."""
    lines = []
    for item in error.errors():
        if item["type"] != "missing":
            continue
        loc = tuple(str(part) for part in item["loc"])
        for probe in probes:
            if probe.setting.field_path[: len(loc)] == loc:
                lines.append(
                    f"  {probe.setting.qualname}: the chart sets {probe.setting.env} "
                    f"({probe.setting.delivery}); the app reports {'.'.join(loc)} missing\n"
                )
    return "".join(lines)


def prove_workload(workload: WorkloadSpec, spec: ChartSpec, sandbox: Sandbox | None = None) -> int:
    """Load the workload's settings as the chart delivers them; return how many settings
    were proven. Raises ContractError naming each setting whose value did not arrive."""
    if sandbox is None:
        with Sandbox() as own:
            return prove_workload(workload, spec, own)
    probes = _probes(workload, spec)
    settings = workload.decl.settings
    try:
        loaded = _load_with_probes(settings, probes, sandbox)
    except ContractError as error:
        raise ContractError(f"{workload.name}: {error}") from None
    unproven = [p.setting.qualname for p in probes if p.omitted]
    if unproven:
        raise ContractError(
            f"{workload.name}: no probe value the app accepts for {unproven} together with "
            "the other settings; the env contract of these settings is unproven"
        )
    missing = [p for p in probes if not _arrived(p, _at(loaded, p.setting.field_path))]
    if missing:
        lines = "\n".join(
            f"  {p.setting.qualname} ({'.'.join(p.setting.field_path)}): the chart sets "
            f"{p.setting.env}={p.text!r} ({p.setting.delivery}), the app read "
            f"{_unwrap(_at(loaded, p.setting.field_path))!r}"
            for p in missing
        )
        raise ContractError(
            f"{workload.name}: the env contract does not hold: {settings.__name__} did not "
            f"receive {len(missing)} setting(s) the chart delivers:\n{lines}"
        )
    return len(probes)


def prove(spec: ChartSpec) -> dict[str, int]:
    """Prove every workload; return the number of settings proven per workload."""
    with Sandbox() as sandbox:
        return {w.name: prove_workload(w, spec, sandbox) for w in spec.workloads}


def check_delivered(
    workload: WorkloadSpec, env: dict[str, str], files: dict[str, str]
) -> list[str]:
    """What the app's own loader makes of a real rendering: load the workload's settings with
    ``env`` and secret ``files`` (as the kubelet would give them) and name every setting whose
    rendered value did not arrive. [] when all did."""
    with Sandbox() as sandbox:
        loaded = _load(workload.decl.settings, _Rendered(dict(env), dict(files)), sandbox)
    problems = []
    for setting in workload.settings:
        text = env.get(setting.env, files.get(setting.env))
        if text is None:
            continue
        got = _unwrap(_at(loaded, setting.field_path))
        raw: Any = json.loads(text) if setting.complex else text
        try:
            expected = _unwrap(_adapter(setting).validate_python(raw))
        except ValidationError as error:
            problems.append(f"{setting.env}: {text!r} is not a valid {setting.qualname}: {error}")
            continue
        if got != expected:
            problems.append(f"{setting.env}={text!r} -> {setting.qualname} is {got!r}")
    return problems
