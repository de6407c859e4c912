"""The chart's values API as one Section tree, built from the ChartSpec and chart knobs.

values.yaml, values.schema.json and the README's values table are all emitted from this tree,
so they cannot disagree.  App settings keep their own types and constraints; secrets become
plain strings (their content never reaches the schema) next to an ``existingSecret`` switch.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, WithJsonSchema
from pydantic.fields import FieldInfo

from chartgen.dev.knobs import dev_values
from chartgen.env import is_generated
from chartgen.knobs import (
    Affinity,
    ClientsPeer,
    DnsPeer,
    FieldDef,
    ImagePullSecret,
    IngressControllerPeer,
    IngressValues,
    PullPolicy,
    Section,
    ServiceAccountValues,
    Tolerations,
    egress_rule,
    no_items,
    persistence_knobs,
    section,
    workload_knobs,
)
from chartgen.kube_names import (
    Annotations,
    DataKey,
    Labels,
    OptionalDnsLabel,
    OptionalResourceName,
    Registry,
)
from chartgen.model.spec import ChartSpec, Group, Setting, SpecError
from chartgen.model.value_rules import schema_constraints
from chartgen.naming import camel
from chartgen.pod_knobs import global_pod_knobs, pod_knobs
from chartgen.presets import Preset
from chartgen.runtime.roles import ROLES, Derived, Endpoint, Renamed, Shared
from chartgen.runtime.rules import Shape

# What an extra object needs for Helm to apply it (the API server checks the rest).
KUBERNETES_OBJECT: dict[str, Any] = {
    "type": "object",
    "required": ["apiVersion", "kind", "metadata"],
    "properties": {
        "apiVersion": {"type": "string", "minLength": 1},
        "kind": {"type": "string", "minLength": 1},
        "metadata": {
            "type": "object",
            "required": ["name"],
            "properties": {"name": {"type": "string", "minLength": 1}},
        },
    },
}
CHARTGEN_MARKERS = (*ROLES, Renamed, Shared, Shape)


def _title(path: tuple[str, ...]) -> str:
    return "".join(part[:1].upper() + part[1:] for part in path)


def _leaf(
    setting: Setting, dev_wired: frozenset[tuple[str, ...]] = frozenset()
) -> FieldDef | FieldInfo:
    field = setting.field
    if setting.sensitive:
        text = setting.description + " Secret: prefer `existingSecret`; never logged."
        return str, Field("", description=text.strip())
    description = setting.description
    if isinstance(setting.role, Derived):
        description += f" Null derives it from the pod's budget: {setting.role.explain}."
    # Keep pydantic's constraints; chartgen's own markers mean nothing to the schema.
    constraints = [m for m in field.metadata if not isinstance(m, CHARTGEN_MARKERS)]
    extra = schema_constraints(setting) or None
    if setting.required and setting.field_path in dev_wired:
        # Dev mode wires it: required only without dev.enabled (the chart checks that).
        text = f"(required unless dev.enabled) {description}"
        annotation = (
            Annotated[(field.annotation, *constraints)] if constraints else field.annotation
        )
        return annotation | None, Field(None, description=text, json_schema_extra=extra)
    # The field made complete at once (the app's type, its constraints as metadata): there
    # is one per setting, and Field() then a copy with the annotation cost 8 times as much.
    default = {} if setting.required else {"default": field.get_default(call_default_factory=True)}
    leaf = FieldInfo(
        annotation=field.annotation, description=description, json_schema_extra=extra, **default
    )
    leaf.metadata = constraints
    return leaf


def _secret_key_field(key: str, setting: Setting) -> FieldDef:
    if setting.required or is_generated(setting):
        return DataKey, Field(key, alias=key, description=f"Key holding {key}.")
    # An existingSecret must hold every key named here (else the pod waits for it): null
    # says this optional one is not in it.
    text = f"Key holding {key}; null if your existingSecret does not hold it (then it is unset)."
    return DataKey | None, Field(key, alias=key, description=text)


def _secret_knobs(group: Group) -> dict[str, FieldDef]:
    secrets = group.secrets
    if not secrets:
        return {}
    keys = {group.secret_key(s): _secret_key_field(group.secret_key(s), s) for s in secrets}
    keys_model = section(_title((*group.values_path, "secretKeys")), keys)
    return {
        "existing_secret": (
            OptionalResourceName,
            Field(
                "",
                description="Name of an existing Secret holding this section's secrets; "
                '"" lets the chart create one from the values here.',
            ),
        ),
        "secret_keys": (
            keys_model,
            Field(default_factory=dict, description="Key of each secret in that Secret."),
        ),
    }


def group_model(
    group: Group, dev_wired: frozenset[tuple[str, ...]] = frozenset(), top: bool = True
) -> Section:
    fields: dict[str, FieldDef | FieldInfo] = {
        s.field_name: _leaf(s, dev_wired) for s in group.settings
    }
    for child in group.children:
        child_model = group_model(child, dev_wired, top=False)
        fields[child.values_path[-1]] = (
            child_model,
            Field(default_factory=dict, description=child.description),
        )
    if top:
        # One Secret per top-level group: the knobs live there, not on nested groups.
        fields.update(_secret_knobs(group))
    return section(_title(group.values_path), fields, group.description)


def _client_ports(spec: ChartSpec) -> list[str]:
    return [
        f"{w.name} {p.name} {p.number}" for w in spec.workloads for p in w.decl.ports if p.clients
    ]


def _ingress_knobs(spec: ChartSpec) -> dict[str, FieldDef]:
    if not spec.routes_public:
        return {}
    return {
        "ingress": (
            IngressValues,
            Field(default_factory=IngressValues, description="Ingress for the public URL."),
        )
    }


def network_policy_model(spec: ChartSpec) -> Section:
    egress_fields: dict[str, FieldDef] = {}
    for kind, settings in spec.endpoint_kinds().items():
        role = settings[0].role
        assert isinstance(role, Endpoint)
        used_by = ", ".join(".".join(s.values_path) for s in settings)
        model = egress_rule(kind, role.port, used_by)
        egress_fields[kind] = (
            model,
            Field(default_factory=dict, description=f"Egress to {kind}."),
        )
    egress = section("NetworkPolicyEgress", egress_fields)
    fields: dict[str, FieldDef] = {
        "enabled": (bool, Field(True, description="Render the NetworkPolicies.")),
        "dns": (DnsPeer, Field(default_factory=DnsPeer, description="The cluster DNS (port 53).")),
        **(
            {
                "ingress_controller": (
                    IngressControllerPeer,
                    Field(
                        default_factory=IngressControllerPeer,
                        description="The ingress controller (admitted while ingress.enabled).",
                    ),
                )
            }
            if spec.routes_public
            else {}
        ),
        "clients": (
            ClientsPeer,
            Field(
                default_factory=ClientsPeer,
                description="In-cluster clients of the client-facing ports ("
                + (", ".join(_client_ports(spec)) or "none")
                + ").",
            ),
        ),
        # No endpoint, no egress peers to list (an empty section would be written as null).
        **(
            {
                "egress": (
                    egress,
                    Field(
                        default_factory=dict,
                        description="Outbound peers outside the cluster, one per kind of endpoint.",
                    ),
                )
            }
            if egress_fields
            else {}
        ),
    }
    return section("NetworkPolicy", fields)


def values_model(spec: ChartSpec, presets: tuple[Preset, ...]) -> Section:
    decl = spec.decl
    network_policy = network_policy_model(spec)
    preset_names = tuple(p.name for p in presets)
    default_preset = "small" if "small" in preset_names else preset_names[0]
    image_fields: dict[str, FieldDef] = {
        "registry": (
            Registry,
            Field(
                decl.image_registry,
                description="Image registry host (no https://); set it for a mirror.",
            ),
        ),
        "repository": (
            str,
            Field(decl.image_repository, min_length=1, description="Image repository."),
        ),
        "tag": (str, Field("", description='Image tag; "" uses the chart appVersion.')),
        "digest": (
            str,
            Field(
                "",
                pattern=r"^(sha256:[a-f0-9]{64})?$",
                description="Image digest (sha256:…) pinning the exact image; used with the tag.",
            ),
        ),
        "pull_policy": (PullPolicy, Field("IfNotPresent", description="Image pull policy.")),
    }
    image = section("Image", image_fields)
    fields: dict[str, FieldDef] = {
        "preset": (
            Literal[preset_names],  # type: ignore[valid-type]
            Field(
                default_preset,
                description="Sizing preset for every workload: "
                + ", ".join(preset_names)
                + ". Per-workload resources and replicas override it key by key.",
            ),
        ),
        "name_override": (
            OptionalDnsLabel,
            Field("", description="Replaces the chart name in object names."),
        ),
        "fullname_override": (
            OptionalDnsLabel,
            Field("", description="Replaces the full object name prefix (a DNS label)."),
        ),
        "image": (
            image,
            Field(default_factory=dict, description="The app image (all workloads)."),
        ),
        "image_pull_secrets": (
            list[ImagePullSecret],
            Field(
                default_factory=no_items, description="Secrets for pulling from a private registry."
            ),
        ),
        "service_account": (
            ServiceAccountValues,
            Field(default_factory=ServiceAccountValues, description="Workload ServiceAccounts."),
        ),
        **_ingress_knobs(spec),
        "network_policy": (
            network_policy,
            Field(
                default_factory=dict,
                description="NetworkPolicies: every workload denies all traffic but DNS, the "
                "chart's own calls and the endpoints below. Turn off only on clusters whose "
                "CNI does not enforce NetworkPolicy.",
            ),
        ),
        "node_selector": (
            dict[str, str],
            Field(default_factory=dict, description="Node labels every pod requires."),
        ),
        "tolerations": (
            Tolerations,
            Field(default_factory=no_items, description="Taints every pod tolerates."),
        ),
        "affinity": (
            Affinity,
            Field(default_factory=dict, description="Affinity of every pod."),
        ),
        **global_pod_knobs(),
        "priority_class_name": (
            OptionalResourceName,
            Field("", description='PriorityClass of every pod; "" for the cluster default.'),
        ),
        "common_labels": (
            Labels,
            Field(default_factory=dict, description="Extra labels on every object."),
        ),
        "common_annotations": (
            Annotations,
            Field(default_factory=dict, description="Extra annotations on every object."),
        ),
        "pod_annotations": (
            Annotations,
            Field(default_factory=dict, description="Extra annotations on every pod."),
        ),
        "rollout_on_config_change": (
            bool,
            Field(
                True,
                description="Roll pods when their ConfigMap or the chart's Secrets change "
                "(checksum annotations). Set false when a reloader controller does it.",
            ),
        ),
        "extra_objects": (
            list[Annotated[dict[str, Any], WithJsonSchema(KUBERNETES_OBJECT)]],
            Field(
                default_factory=no_items,
                description="More Kubernetes objects to deploy with the release (templated).",
            ),
        ),
    }
    wiring = spec.dev
    dev_wired = frozenset(wiring.sources) if wiring else frozenset()
    if wiring is not None:
        dev = dev_values(wiring.plugins)
        fields["dev"] = (dev, Field(default_factory=dev, description="Dev mode (evaluation only)."))
    for key in [s.key for s in spec.sections] + [w.name for w in spec.workloads]:
        if key in fields:
            raise SpecError(
                f"values key {key!r} is taken twice: a shared section or workload may not "
                "reuse a chart key or another section's name; rename it (Shared(key=...))"
            )
        fields[key] = (None, Field())  # placeholder, so later duplicates are caught too
    for shared in spec.sections:
        model = group_model(shared.group, dev_wired)
        users = ", ".join(shared.used_by)
        text = f"{shared.group.description} Used by: {users}."
        fields[shared.key] = (model, Field(default_factory=dict, description=text))
    for workload in spec.workloads:
        decl = workload.decl
        knobs = workload_knobs(decl)
        probes = tuple(k for k in ("liveness", "readiness") if getattr(decl, k) is not None)
        knobs.update(pod_knobs(decl.traits.kind, workload.scalable, probes, bool(decl.ports)))
        claims = persistence_knobs(decl)
        taken = sorted({camel(k) for k in (*knobs, "settings")} & set(claims))
        if taken:
            raise SpecError(f"workload {workload.name}: volume keys {taken} are the chart's")
        knobs.update(claims)
        if workload.local is not None:
            local = group_model(workload.local, dev_wired)
            knobs["settings"] = (
                local,
                Field(default_factory=dict, description=f"Settings of the {workload.name} app."),
            )
        model = section(_title((workload.name, "workload")), knobs)
        fields[workload.name] = (
            model,
            Field(default_factory=dict, description=workload.decl.description),
        )
    return section("Values", fields)
