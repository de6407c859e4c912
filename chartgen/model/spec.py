"""ChartSpec: the one intermediate model every emitter reads.

It is built once from the app's ChartDeclaration by walking each workload's settings model:
every leaf field must carry exactly one role (chartgen.runtime.roles), shared sections are merged
across workloads, and each leaf gets its env var name and its place in values.yaml.
"""

from __future__ import annotations

import functools
import re
import typing
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings

from chartgen.knobs import QUANTITY_PATTERN
from chartgen.kube_names import DNS_LABEL
from chartgen.model.declaration import ChartDeclaration, SecretDelivery, Workload

if typing.TYPE_CHECKING:
    from chartgen.dev import DevWiring
from chartgen.naming import camel
from chartgen.runtime.fields import Group as FieldGroup
from chartgen.runtime.fields import Leaf, Opaque, old_env_name, strip_optional, walk
from chartgen.runtime.roles import (
    ROLES,
    Budget,
    Derived,
    Endpoint,
    Renamed,
    Role,
    Secret,
    Shared,
    Wired,
)

# How a setting reaches the container, decided once here for every emitter and the proof.
Delivery = Literal["config", "secret-file", "secret-env", "wired", "downward", "none"]
# How its value is written into an env var: scalars as text, complex values as JSON.
Encoding = Literal["string", "int", "float", "bool", "json"]
BUDGET_FACTS = {"cpu_budget": "cpu", "memory_budget": "memory"}


def scalar_encoding(annotation: Any) -> Encoding:
    inner, _ = strip_optional(annotation)
    while typing.get_origin(inner) is typing.Annotated:
        inner = typing.get_args(inner)[0]
    if inner is bool:
        return "bool"
    if inner is int:
        return "int"
    if inner is float:
        return "float"
    return "string"


def delivery_of(role: Role, secrets: SecretDelivery) -> Delivery:
    if isinstance(role, Wired):
        return "downward" if role.fact in BUDGET_FACTS else "wired"
    if role.sensitive:
        return "secret-file" if secrets == "files" else "secret-env"
    return "config" if role.exposed else "none"


class SpecError(ValueError):
    """The app's models or declaration cannot become a chart; the message says how to fix it."""


@dataclass(frozen=True)
class Setting:
    """One leaf field of one settings model, as the chart sees it."""

    model: str  # class name that declares the field, for messages
    owner: type[BaseModel]  # the model that declares the field
    field_name: str
    field: FieldInfo
    role: Role
    field_path: tuple[str, ...]  # from the service settings root
    values_path: tuple[str, ...]  # in values.yaml; empty when not exposed
    env: str  # the env var the chart renders (the app's own name for the field)
    env_names: tuple[str, ...]  # every name the app accepts for it (aliases)
    complex: bool  # pydantic-settings reads it as JSON
    reader: type[BaseSettings]  # the settings class whose sources read it
    delivery: Delivery
    encoding: Encoding
    renamed: Renamed | None = None  # the field's former name, if it was renamed
    old_env: str = ""  # the env var of that former name

    @property
    def old_values_path(self) -> tuple[str, ...]:
        """Where a renamed setting used to be in values.yaml."""
        assert self.renamed is not None
        return (*self.values_path[:-1], camel(self.renamed.old))

    @property
    def qualname(self) -> str:
        return f"{self.model}.{self.field_name}"

    @property
    def exposed(self) -> bool:
        return self.role.exposed

    @property
    def sensitive(self) -> bool:
        return self.role.sensitive

    @property
    def required(self) -> bool:
        return self.field.is_required()

    @property
    def description(self) -> str:
        return (self.field.description or "").strip()


@dataclass(frozen=True)
class Group:
    """A values section made of one settings model (its nested groups are children)."""

    values_path: tuple[str, ...]
    model: type[BaseModel]
    description: str
    settings: tuple[Setting, ...]  # exposed leaves directly in this group
    children: tuple[Group, ...]

    def walk_settings(self) -> tuple[Setting, ...]:
        nested = tuple(s for child in self.children for s in child.walk_settings())
        return self.settings + nested

    @property
    def secrets(self) -> tuple[Setting, ...]:
        return tuple(s for s in self.walk_settings() if s.sensitive)

    def secret_key(self, setting: Setting) -> str:
        """Key of a secret setting inside this section's Secret (its path below the section)."""
        return ".".join(setting.values_path[len(self.values_path) :])


@dataclass(frozen=True)
class Section:
    """A shared top-level section (database, oidc…) and the workloads that use it."""

    group: Group
    used_by: tuple[str, ...]

    @property
    def key(self) -> str:
        return self.group.values_path[0]


@dataclass(frozen=True)
class WorkloadSpec:
    decl: Workload
    settings: tuple[Setting, ...]  # every leaf, shared sections included, in model order
    local: Group | None  # the workload's own settings under <workload>.settings
    sections: tuple[str, ...]  # keys of the shared sections it reads

    @property
    def name(self) -> str:
        return self.decl.name

    @property
    def scalable(self) -> bool:
        """Takes replicas, autoscaling, a disruption budget and topology spread."""
        return self.decl.traits.scalable

    @property
    def budget_minimum(self) -> Budget | None:
        """The smallest budget the app accepts, if it sizes settings from its budget."""
        minimums = {
            s.role.fact: s.role.minimum
            for s in self.settings
            if isinstance(s.role, Wired) and s.role.fact in ("cpu_budget", "memory_budget")
        }
        if not minimums:
            return None
        return Budget(minimums.get("cpu_budget", 0), minimums.get("memory_budget", 0))

    @functools.cached_property
    def calls(self) -> tuple[tuple[str, str], ...]:
        """(workload, port name) of every workload of the chart this one connects to."""
        found = {
            (s.role.workload or self.name, s.role.port)
            for s in self.settings
            if isinstance(s.role, Wired) and s.role.fact == "url"
        }
        return tuple(sorted(found))

    def endpoints(self) -> dict[str, tuple[Setting, ...]]:
        """Endpoint settings this workload reads, by kind (one egress rule per kind)."""
        kinds: dict[str, list[Setting]] = {}
        for setting in self.settings:
            if isinstance(setting.role, Endpoint):
                kinds.setdefault(setting.role.kind, []).append(setting)
        return {kind: tuple(found) for kind, found in sorted(kinds.items())}

    def port(self, name: str) -> int:
        for port in self.decl.ports:
            if port.name == name:
                return port.number
        raise SpecError(f"workload {self.name!r} has no port named {name!r}")


@dataclass(frozen=True)
class ChartSpec:
    decl: ChartDeclaration
    workloads: tuple[WorkloadSpec, ...]
    sections: tuple[Section, ...]

    @property
    def name(self) -> str:
        return self.decl.name

    @property
    def scalable(self) -> dict[str, bool]:
        return {w.name: w.scalable for w in self.workloads}

    @property
    def routes_public(self) -> bool:
        """An Ingress serves the public URL: the app has one and a workload routes paths."""
        return bool(self.decl.public_url_setting) and any(w.decl.ingress for w in self.workloads)

    def endpoint_kinds(self) -> dict[str, tuple[Setting, ...]]:
        """Every kind of outbound peer and the settings (first occurrence each) that use it."""
        kinds: dict[str, dict[tuple[str, ...], Setting]] = {}
        for workload in self.workloads:
            for kind, settings in workload.endpoints().items():
                for setting in settings:
                    kinds.setdefault(kind, {}).setdefault(setting.values_path, setting)
        return {kind: tuple(found.values()) for kind, found in sorted(kinds.items())}

    @functools.cached_property
    def dev(self) -> DevWiring | None:
        """How dev mode wires the app to the in-cluster stand-ins; decided once per spec."""
        from chartgen.dev import BUILTIN, dev_wiring  # the dev plugins read the spec's settings

        return dev_wiring(self, BUILTIN)

    def callers(self, name: str) -> tuple[tuple[str, str], ...]:
        """(calling workload, port name) of every workload that connects to ``name``."""
        return self._callers.get(name, ())

    @functools.cached_property
    def _callers(self) -> dict[str, tuple[tuple[str, str], ...]]:
        # Computed once: asked for every workload, it would otherwise walk all of them each time.
        found: dict[str, list[tuple[str, str]]] = {}
        for workload in self.workloads:
            for target, port in workload.calls:
                found.setdefault(target, []).append((workload.name, port))
        return {target: tuple(callers) for target, callers in found.items()}

    def workload(self, name: str) -> WorkloadSpec:
        for workload in self.workloads:
            if workload.name == name:
                return workload
        raise SpecError(f"no workload named {name!r}")

    def section(self, key: str) -> Section:
        for section in self.sections:
            if section.key == key:
                return section
        raise SpecError(f"no shared section {key!r}")

    def groups(self) -> tuple[Group, ...]:
        """Every top-level values group of app settings: shared sections, then workload locals.

        Each is one secret group: its secrets share one Secret and one ``existingSecret``.
        """
        local = tuple(w.local for w in self.workloads if w.local is not None)
        return tuple(s.group for s in self.sections) + local

    def setting_named(self, dotted: str, exposed: bool = False) -> Setting | None:
        """The first setting at a field path as the declaration names it (`admin.email`)."""
        path = tuple(dotted.split("."))
        for workload in self.workloads:
            for setting in workload.settings:
                if setting.field_path == path and (setting.values_path or not exposed):
                    return setting
        return None

    def setting_at(self, values_path: tuple[str, ...]) -> Setting:
        for workload in self.workloads:
            for setting in workload.settings:
                if setting.values_path == values_path:
                    return setting
        raise SpecError(f"no setting at {'.'.join(values_path)}")


def _roles(field: FieldInfo) -> list[Role]:
    return [m for m in field.metadata if isinstance(m, ROLES)]


def _shared(field: FieldInfo) -> Shared | None:
    return next((m for m in field.metadata if isinstance(m, Shared)), None)


class _RoleMap:
    """Roles given by the declaration for fields the app does not annotate."""

    def __init__(self, decl: ChartDeclaration) -> None:
        self.roles = {tuple(path.split(".")): role for path, role in decl.roles.items()}
        self.default = decl.default_role
        self.used: set[tuple[str, ...]] = set()

    def role_of(self, path: tuple[str, ...]) -> Role | None:
        """The mapped role of the longest mapped prefix of ``path``, else the default."""
        for end in range(len(path), 0, -1):
            role = self.roles.get(path[:end])
            if role is not None:
                self.used.add(path[:end])
                return role
        return self.default


@dataclass
class _GroupBuilder:
    values_path: tuple[str, ...]
    model: type[BaseModel]
    description: str
    settings: list[Setting]
    children: list[_GroupBuilder]

    def freeze(self) -> Group:
        # A nested group with nothing exposed below it has no place in values.yaml.
        children = tuple(c.freeze() for c in self.children if c.exposes())
        return Group(self.values_path, self.model, self.description, tuple(self.settings), children)

    def exposes(self) -> bool:
        return bool(self.settings) or any(c.exposes() for c in self.children)


@dataclass
class _Walk:
    """One walk over a workload's settings model: its settings, groups and shared sections."""

    workload: Workload
    secrets: SecretDelivery
    role_map: _RoleMap
    missing: list[str]
    problems: list[str]

    def run(self) -> tuple[list[Setting], _GroupBuilder, dict[str, _GroupBuilder]]:
        model = self.workload.settings
        root = _GroupBuilder(
            (self.workload.name, "settings"), model, self.workload.description, [], []
        )
        groups: dict[tuple[str, ...], _GroupBuilder] = {(): root}
        shared: dict[str, _GroupBuilder] = {}
        settings: list[Setting] = []
        for node in walk(model, lambda _path, field: bool(_roles(field))):
            parent = groups.get(node.path[:-1])
            if parent is None:
                continue  # below a group that was refused
            if isinstance(node, FieldGroup):
                group = self._group(node, parent, shared)
                if group is not None:
                    groups[node.path] = group
            elif isinstance(node, Opaque):
                self._opaque(node, parent, settings)
            else:
                self._leaf(node, parent, settings)
        return settings, root, shared

    def _group(
        self, node: FieldGroup, parent: _GroupBuilder, shared: dict[str, _GroupBuilder]
    ) -> _GroupBuilder | None:
        name = node.path[-1]
        text = (node.field.description or node.model.__doc__ or "").strip()
        marker = _shared(node.field)
        if marker is not None:
            if len(node.path) > 1:
                self.problems.append(
                    f"{node.owner.__name__}.{name}: Shared() is only allowed on a field of "
                    "the service settings class itself"
                )
                return None
            key = marker.key or camel(name)
            shared[key] = _GroupBuilder((key,), node.model, text, [], [])
            return shared[key]
        child = _GroupBuilder((*parent.values_path, camel(name)), node.model, text, [], [])
        parent.children.append(child)
        return child

    def _opaque(self, node: Opaque, parent: _GroupBuilder, settings: list[Setting]) -> None:
        role = self.role_map.role_of(node.path)
        if role is None:
            self.problems.append(
                f"{node.owner.__name__}.{node.path[-1]}: the app reads this {node.model.__name__}"
                f" only as one JSON value in {node.env} (no env_nested_delimiter): map its "
                f"path {'.'.join(node.path)!r} to one role in ChartDeclaration.roles"
            )
            return
        leaf = Leaf(node.path, node.field, node.owner, self.workload.settings, (node.env,), True)
        self._add(leaf, role, parent, settings)

    def _leaf(self, leaf: Leaf, parent: _GroupBuilder, settings: list[Setting]) -> None:
        name = f"{leaf.owner.__name__}.{leaf.path[-1]}"
        roles = _roles(leaf.field)
        if len(roles) > 1:
            self.problems.append(f"{name}: has {len(roles)} roles, needs exactly one")
            return
        role = roles[0] if roles else self.role_map.role_of(leaf.path)
        if role is None:
            self.missing.append(f"{name} ({'.'.join(leaf.path)}, env {leaf.env})")
            return
        if isinstance(role, Derived) and (len(leaf.path) > 1 or leaf.field.default is not None):
            self.problems.append(
                f"{name}: a Derived field must sit on the service settings class itself and "
                "default to None (None = computed from the budget)"
            )
            return
        self._add(leaf, role, parent, settings)

    def _add(self, leaf: Leaf, role: Role, parent: _GroupBuilder, settings: list[Setting]) -> None:
        renamed = next((m for m in leaf.field.metadata if isinstance(m, Renamed)), None)
        exposed = role.exposed
        setting = Setting(
            model=leaf.owner.__name__,
            owner=leaf.owner,
            field_name=leaf.path[-1],
            field=leaf.field,
            role=role,
            field_path=leaf.path,
            values_path=(*parent.values_path, camel(leaf.path[-1])) if exposed else (),
            env=leaf.env,
            env_names=leaf.env_names,
            complex=leaf.complex,
            reader=leaf.reader,
            delivery=delivery_of(role, self.secrets),
            encoding="json" if leaf.complex else scalar_encoding(leaf.field.annotation),
            renamed=renamed,
            old_env=old_env_name(leaf, renamed.old) if renamed else "",
        )
        settings.append(setting)
        if exposed:
            parent.settings.append(setting)


def _check_workload_names(decl: ChartDeclaration) -> None:
    for workload in decl.workloads:
        # The name is a values key (.Values.<name>) and part of object names.
        if not re.fullmatch(r"[a-z][a-zA-Z0-9]*", workload.name):
            raise SpecError(
                f"workload name {workload.name!r}: use letters and digits, starting lowercase"
            )


def _check_secret_files(decl: ChartDeclaration, workload: Workload, problems: list[str]) -> None:
    """With secrets as files, the app must read them where the chart mounts them."""
    if decl.secrets != "files":
        return
    configured = workload.settings.model_config.get("secrets_dir")
    if configured is None or str(configured) != decl.secrets_dir:
        problems.append(
            f"{workload.settings.__name__} reads secret files from {configured!r}, but the "
            f"chart mounts them at {decl.secrets_dir!r}: set the class's secrets_dir to it, "
            'or deliver secrets as env vars (ChartDeclaration(secrets="env"))'
        )


def build_spec(decl: ChartDeclaration) -> ChartSpec:
    _check_workload_names(decl)
    missing: list[str] = []
    problems: list[str] = []
    role_map = _RoleMap(decl)
    workloads: list[WorkloadSpec] = []
    sections: dict[str, Group] = {}
    used_by: dict[str, list[str]] = {}
    for workload in decl.workloads:
        walk_ = _Walk(workload, decl.secrets, role_map, missing, problems)
        settings, local, shared = walk_.run()
        has_secrets = any(s.sensitive for s in settings)
        if has_secrets:
            _check_secret_files(decl, workload, problems)
        for key, builder in shared.items():
            group = builder.freeze()
            known = sections.setdefault(key, group)
            if known.model is not group.model:
                problems.append(
                    f"shared section {key!r} is {known.model.__name__} in one workload and "
                    f"{group.model.__name__} in {workload.name!r}; a section has one model"
                )
            used_by.setdefault(key, []).append(workload.name)
        frozen = local.freeze()
        workloads.append(
            WorkloadSpec(
                decl=workload,
                settings=tuple(settings),
                local=frozen if (frozen.settings or frozen.children) else None,
                sections=tuple(shared),
            )
        )
    unused = sorted(".".join(p) for p in set(role_map.roles) - role_map.used)
    if unused:
        problems.append(
            f"ChartDeclaration.roles maps {unused}, which no workload's settings have: "
            "fix or drop the paths"
        )
    if missing:
        choices = "\n".join(f"  {role.name:<9} {role.help}" for role in ROLES)
        raise SpecError(
            f"{len(missing)} settings field(s) have no chart role:\n"
            + "".join(f"  {name}\n" for name in missing)
            + "Give each exactly one role from chartgen.runtime, on the field "
            "(`Annotated[int, VALUE] = 4`) or in ChartDeclaration.roles (a model you do not "
            "own):\n" + choices
        )
    if problems:
        raise SpecError("settings models cannot become a chart:\n  " + "\n  ".join(problems))
    ordered = tuple(Section(sections[k], tuple(used_by[k])) for k in sections)
    spec = ChartSpec(decl=decl, workloads=tuple(workloads), sections=ordered)
    _check_wiring(spec)
    _check_kinds(spec)
    unknown = [path for path in decl.calls_home if spec.setting_named(path) is None]
    if unknown:
        raise SpecError(f"ChartDeclaration.calls_home names {unknown}, which are no settings")
    _ = spec.dev  # dev wiring is checked here, before anything is rendered
    return spec


def _check_kinds(spec: ChartSpec) -> None:
    for workload in spec.workloads:
        decl = workload.decl
        if decl.hook and decl.kind != "Job":
            raise SpecError(f"workload {workload.name}: only a Job can be a hook (kind Job)")
        if bool(decl.schedule) != decl.traits.scheduled:
            raise SpecError(
                f"workload {workload.name}: a CronJob needs a schedule (e.g. "
                '"0 3 * * *"), and only a CronJob takes one'
            )
        if decl.singleton and decl.kind != "Deployment":
            raise SpecError(f"workload {workload.name}: only a Deployment can be a singleton")
        if decl.volumes and not decl.traits.stateful:
            raise SpecError(f"workload {workload.name}: only a StatefulSet takes volumes")
        _check_claims(workload, spec.decl.secrets_dir)
        for name in decl.peer_ports:
            workload.port(name)  # names one of its ports, else a SpecError says which
        if not decl.hook:
            continue
        for setting in workload.settings:
            role = setting.role
            if setting.sensitive and isinstance(role, Secret) and role.generate > 0:
                # The hook runs before the release's Secrets exist: its copy could not hold
                # the value the chart generates for the others.
                raise SpecError(
                    f"{setting.qualname}: a hook workload ({workload.name}) cannot read a "
                    "chart-generated secret"
                )


def _check_claims(workload: WorkloadSpec, secrets_dir: str) -> None:
    """Claims become pod volumes beside the chart's own, values keys, mounts and PVC sizes."""
    claims = workload.decl.volumes
    taken = {"tmp", "secrets"}  # the chart's own pod volumes
    for claim in claims:
        where = f"workload {workload.name}: volume {claim.name!r}"
        if not re.fullmatch(DNS_LABEL, claim.name) or claim.name in taken:
            raise SpecError(f"{where}: name it a DNS label, unlike the chart's {sorted(taken)}")
        if not re.fullmatch(r"[a-z][a-zA-Z0-9]*", claim.key):
            raise SpecError(f"{where}: key {claim.key!r} is no values key (camelCase)")
        if not claim.mount_path.startswith("/") or claim.mount_path in ("/tmp", secrets_dir):
            raise SpecError(f"{where}: mount it at an absolute path of its own")
        if not re.fullmatch(QUANTITY_PATTERN, claim.size):
            raise SpecError(f"{where}: size {claim.size!r} is no quantity (e.g. 8Gi)")
    for attribute in ("name", "key", "mount_path"):
        values = [getattr(claim, attribute) for claim in claims]
        if len(set(values)) != len(values):
            raise SpecError(f"workload {workload.name}: two volumes share a {attribute}")


def _check_wiring(spec: ChartSpec) -> None:
    names = {w.name for w in spec.workloads}
    for workload in spec.workloads:
        for setting in workload.settings:
            role = setting.role
            if not isinstance(role, Wired):
                continue
            target = role.workload or workload.name
            if role.fact in ("port", "url"):
                if target not in names:
                    raise SpecError(f"{setting.qualname}: wired to unknown workload {target!r}")
                spec.workload(target).port(role.port)
