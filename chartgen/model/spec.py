"""ChartSpec: the one intermediate model every emitter reads.

It is built once from the app's ChartDeclaration by walking each workload's settings model:
every leaf field must carry exactly one role (chartgen.runtime.roles), shared sections are merged
across workloads, and each leaf gets its env var name and its place in values.yaml.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings

from chartgen.model.declaration import ChartDeclaration, Workload
from chartgen.naming import camel, env_name
from chartgen.runtime.fields import strip_optional
from chartgen.runtime.roles import (
    ROLE_NAMES,
    Budget,
    Derived,
    Endpoint,
    Internal,
    Renamed,
    Role,
    Secret,
    Shared,
    Value,
    Wired,
    is_sensitive,
)

ROLE_TYPES = (Value, Secret, Endpoint, Derived, Wired, Internal)
EXPOSED = Value | Secret | Endpoint | Derived

ROLE_HELP = {
    "value": "operator-facing key in values.yaml, rendered into the workload's ConfigMap",
    "secret": "sensitive: chart-managed Secret or an existingSecret key",
    "endpoint": 'an address outside the pod, e.g. Endpoint("postgresql")',
    "derived": "computed by the app from the pod's CPU/memory budget; values may override it",
    "wired": 'fixed by the chart from release facts, e.g. Wired("url", workload="api")',
    "internal": "a platform constant, not exposed (the app default applies)",
}


class SpecError(ValueError):
    """The app's models or declaration cannot become a chart; the message says how to fix it."""


@dataclass(frozen=True)
class Setting:
    """One leaf field of one settings model, as the chart sees it."""

    model: str  # class name that declares the field, for messages
    field_name: str
    field: FieldInfo
    role: Role
    field_path: tuple[str, ...]  # from the service settings root
    values_path: tuple[str, ...]  # in values.yaml; empty when not exposed
    env: str
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
        return isinstance(self.role, EXPOSED)

    @property
    def sensitive(self) -> bool:
        return is_sensitive(self.role)

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
        return self.decl.kind == "Deployment" and not self.decl.singleton

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

    @property
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

    def endpoint_kinds(self) -> dict[str, tuple[Setting, ...]]:
        """Every kind of outbound peer and the settings (first occurrence each) that use it."""
        kinds: dict[str, dict[tuple[str, ...], Setting]] = {}
        for workload in self.workloads:
            for kind, settings in workload.endpoints().items():
                for setting in settings:
                    kinds.setdefault(kind, {}).setdefault(setting.values_path, setting)
        return {kind: tuple(found.values()) for kind, found in sorted(kinds.items())}

    def callers(self, name: str) -> tuple[tuple[str, str], ...]:
        """(calling workload, port name) of every workload that connects to ``name``."""
        return tuple(
            (w.name, port) for w in self.workloads for target, port in w.calls if target == name
        )

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

    def setting_at(self, values_path: tuple[str, ...]) -> Setting:
        for workload in self.workloads:
            for setting in workload.settings:
                if setting.values_path == values_path:
                    return setting
        raise SpecError(f"no setting at {'.'.join(values_path)}")


def _model_type(annotation: Any) -> type[BaseModel] | None:
    """The BaseModel inside ``annotation`` (``M`` or ``M | None``), else None."""
    inner, _ = strip_optional(annotation)
    if isinstance(inner, type) and issubclass(inner, BaseModel):
        return inner
    return None


def _roles(field: FieldInfo) -> list[Role]:
    return [m for m in field.metadata if isinstance(m, ROLE_TYPES)]


def _shared(field: FieldInfo) -> Shared | None:
    return next((m for m in field.metadata if isinstance(m, Shared)), None)


@dataclass
class _Walk:
    """Mutable state of one walk over a service's settings model."""

    prefix: str
    delimiter: str
    missing: list[str]
    duplicated: list[str]
    settings: list[Setting]
    shared_groups: dict[str, Group]

    def group(
        self,
        model: type[BaseModel],
        field_path: tuple[str, ...],
        values_path: tuple[str, ...],
        description: str,
    ) -> Group:
        own: list[Setting] = []
        children: list[Group] = []
        for name, field in model.model_fields.items():
            path = (*field_path, name)
            roles = _roles(field)
            nested = _model_type(field.annotation)
            shared = _shared(field)
            if nested is not None and not (len(roles) == 1 and isinstance(roles[0], Internal)):
                if roles:
                    self.duplicated.append(
                        f"{model.__name__}.{name}: a nested settings group takes no role "
                        "(its own fields carry them); mark it Shared() or leave it bare"
                    )
                    continue
                text = (field.description or nested.__doc__ or "").strip()
                if shared is not None:
                    if field_path:
                        self.duplicated.append(
                            f"{model.__name__}.{name}: Shared() is only allowed on a field of "
                            "the service settings class itself"
                        )
                        continue
                    key = shared.key or camel(name)
                    self.shared_groups[key] = self.group(nested, path, (key,), text)
                else:
                    children.append(self.group(nested, path, (*values_path, camel(name)), text))
                continue
            if len(roles) != 1:
                target = self.missing if not roles else self.duplicated
                target.append(
                    f"{model.__name__}.{name}"
                    + ("" if not roles else f": has {len(roles)} roles, needs exactly one")
                )
                continue
            role = roles[0]
            renamed = next((m for m in field.metadata if isinstance(m, Renamed)), None)
            exposed = isinstance(role, EXPOSED)
            if isinstance(role, Derived) and (field_path or field.default is not None):
                self.duplicated.append(
                    f"{model.__name__}.{name}: a Derived field must sit on the service settings "
                    "class itself and default to None (None = computed from the budget)"
                )
                continue
            setting = Setting(
                model=model.__name__,
                field_name=name,
                field=field,
                role=role,
                field_path=path,
                values_path=(*values_path, camel(name)) if exposed else (),
                env=env_name(self.prefix, path, self.delimiter),
                renamed=renamed,
                old_env=(
                    env_name(self.prefix, (*field_path, renamed.old), self.delimiter)
                    if renamed
                    else ""
                ),
            )
            self.settings.append(setting)
            if exposed:
                own.append(setting)
        return Group(values_path, model, description, tuple(own), tuple(children))


def _check_field_names(model: type[BaseSettings]) -> None:
    for name, field in model.model_fields.items():
        if field.alias or field.validation_alias:
            raise SpecError(
                f"{model.__name__}.{name}: aliases are not supported yet; chartgen derives the "
                "env var from the field name"
            )


def _check_workload_names(decl: ChartDeclaration) -> None:
    for workload in decl.workloads:
        # The name is a values key (.Values.<name>) and part of object names.
        if not re.fullmatch(r"[a-z][a-zA-Z0-9]*", workload.name):
            raise SpecError(
                f"workload name {workload.name!r}: use letters and digits, starting lowercase"
            )


def build_spec(decl: ChartDeclaration) -> ChartSpec:
    _check_workload_names(decl)
    missing: list[str] = []
    problems: list[str] = []
    workloads: list[WorkloadSpec] = []
    sections: dict[str, Group] = {}
    used_by: dict[str, list[str]] = {}
    for workload in decl.workloads:
        config = workload.settings.model_config
        _check_field_names(workload.settings)
        walk = _Walk(
            prefix=config.get("env_prefix") or "",
            delimiter=config.get("env_nested_delimiter") or "__",
            missing=missing,
            duplicated=problems,
            settings=[],
            shared_groups={},
        )
        local = walk.group(workload.settings, (), (workload.name, "settings"), workload.description)
        for key, group in walk.shared_groups.items():
            known = sections.setdefault(key, group)
            if known.model is not group.model:
                problems.append(
                    f"shared section {key!r} is {known.model.__name__} in one workload and "
                    f"{group.model.__name__} in {workload.name!r}; a section has one model"
                )
            used_by.setdefault(key, []).append(workload.name)
        has_local = bool(local.settings or local.children)
        workloads.append(
            WorkloadSpec(
                decl=workload,
                settings=tuple(walk.settings),
                local=local if has_local else None,
                sections=tuple(walk.shared_groups),
            )
        )
    if missing:
        choices = "\n".join(f"  {name:<9} {ROLE_HELP[name]}" for name in ROLE_NAMES)
        raise SpecError(
            f"{len(missing)} settings field(s) have no chart role:\n"
            + "".join(f"  {name}\n" for name in missing)
            + "Give each exactly one role from chartgen.runtime.roles, e.g. "
            "`Annotated[int, VALUE] = 4`:\n" + choices
        )
    if problems:
        raise SpecError("settings models cannot become a chart:\n  " + "\n  ".join(problems))
    ordered = tuple(Section(sections[k], tuple(used_by[k])) for k in sections)
    spec = ChartSpec(decl=decl, workloads=tuple(workloads), sections=ordered)
    _check_wiring(spec)
    return spec


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
