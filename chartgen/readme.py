"""The chart's README.md: what it is, how to install it, workloads, presets, every value."""

from __future__ import annotations

import json

from chartgen.chart_yaml import KUBE_VERSION
from chartgen.env import is_generated, secret_suffix
from chartgen.model.spec import ChartSpec, Setting
from chartgen.presets import Preset
from chartgen.runtime.roles import Endpoint
from chartgen.sizing_docs import render_sizing
from chartgen.values_tree import Node, leaves


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _default(node: Node) -> str:
    if node.required:
        return "required"
    return f"`{_cell(json.dumps(node.default, separators=(', ', ': ')))}`"


def _values_table(nodes: tuple[Node, ...]) -> list[str]:
    rows = ["| Key | Type | Default | Description |", "| --- | --- | --- | --- |"]
    for node in leaves(nodes):
        key = ".".join(node.path)
        rows.append(
            f"| `{key}` | {_cell(node.type_label)} | {_default(node)} | {_cell(node.description)} |"
        )
    return rows


def _workloads_table(spec: ChartSpec) -> list[str]:
    rows = ["| Workload | Kind | Ports | Role |", "| --- | --- | --- | --- |"]
    for workload in spec.workloads:
        decl = workload.decl
        kind = "Job (pre-install, pre-upgrade hook)" if decl.hook else decl.kind
        ports = ", ".join(f"{p.name} {p.number}" for p in decl.ports) or "none"
        rows.append(f"| `{workload.name}` | {kind} | {ports} | {_cell(decl.description)} |")
    return rows


def _default_on(setting: Setting) -> bool:
    """Whether an endpoint setting connects somewhere with the chart's default values."""
    if setting.required or setting.sensitive:
        return setting.required
    default = setting.field.get_default(call_default_factory=True)
    return default not in (None, "", [], {})


def _exposed_key(spec: ChartSpec, field_path: str) -> tuple[str, object]:
    """(values key, default) of a setting named by its field path in the declaration."""
    setting = spec.setting_named(field_path)
    assert setting is not None, "build_spec checks calls_home"
    key = ".".join(setting.values_path) or f"{field_path} (not exposed)"
    return key, setting.field.get_default(call_default_factory=True)


def _calls_home_sentence(spec: ChartSpec) -> str:
    """The boundary claim, made only when the spec bears it out."""
    on = sorted(
        {
            ".".join(s.values_path or s.field_path)
            for settings in spec.endpoint_kinds().values()
            for s in settings
            if _default_on(s) and not s.required
        }
    )
    switches = [_exposed_key(spec, path) for path in spec.decl.calls_home]
    on += [key for key, default in switches if default]
    if on:
        listed = ", ".join(f"`{key}`" for key in on)
        return (
            "With default values the app connects outside the cluster through "
            f"{listed}: check these before installing where nothing may call home."
        )
    return (
        "Nothing calls home: with default values no workload connects outside the cluster "
        "but to the services it requires."
    )


def _production_sentence(spec: ChartSpec) -> str:
    kinds = [k for k, ss in spec.endpoint_kinds().items() if any(s.required for s in ss)]
    named = " and ".join([", ".join(kinds[:-1]), kinds[-1]] if len(kinds) > 1 else kinds)
    uses = f"your own {named} (endpoints it requires), " if kinds else ""
    return (
        f"A production install uses {uses}with credentials in Secrets you create. A minimal "
        "values file (`ci/minimal-values.yaml`):"
    )


def _secrets_table(spec: ChartSpec) -> list[str]:
    rows = [
        "| Section | Chart-managed Secret | Keys (`secretKeys`) | Required |",
        "| --- | --- | --- | --- |",
    ]
    for group in spec.groups():
        if not group.secrets:
            continue
        section = ".".join(group.values_path)
        keys = ", ".join(f"`{group.secret_key(s)}`" for s in group.secrets)
        required = ", ".join(
            f"`{group.secret_key(s)}`" for s in group.secrets if s.required and not is_generated(s)
        )
        name = f"`<fullname>-{secret_suffix(group)}`"
        rows.append(f"| `{section}` | {name} | {keys} | {required or 'none'} |")
    return rows


def _endpoint_default(setting: Setting) -> str:
    if setting.required:
        return "none: required"
    default = setting.field.get_default(call_default_factory=True)
    if default is None or default == "":
        return "off (null)"
    return f"`{default}`"


def _boundary_table(spec: ChartSpec) -> list[str]:
    wiring = spec.dev
    dev_kinds = wiring.kinds() if wiring else {}
    rows = [
        "| Peer | Used by | Setting | Default | Egress rule (ports) | In dev mode |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for kind, settings in spec.endpoint_kinds().items():
        service = dev_kinds.get(kind)
        in_dev = f"the release's own `{service.component}`" if service else "as configured"
        users = ", ".join(f"`{w.name}`" for w in spec.workloads if kind in w.endpoints())
        role = settings[0].role
        port = role.port if isinstance(role, Endpoint) else ""
        for setting in settings:
            key = ".".join(setting.values_path)
            secret = " (secret)" if setting.sensitive else ""
            rows.append(
                f"| {kind} | {users} | `{key}`{secret} | {_endpoint_default(setting)} | "
                f"`networkPolicy.egress.{kind}` ({port}) | {in_dev} |"
            )
    return rows


# checkov findings the chart does not fix, and why (tests/chart/test_boundary.py holds the
# same list).
CHECKOV_WAIVERS = {
    "CKV_K8S_15": "Image Pull Policy should be Always: tags are pinned (digests too when "
    "`image.digest` is set), so IfNotPresent runs the same image, and Always would make "
    "every pod start depend on reaching the registry, which air-gapped and mirrored "
    "clusters cannot promise. Set `image.pullPolicy: Always` to opt in.",
    "CKV_K8S_43": "Image should use digest: the tag is pinned to appVersion and "
    "`image.digest` adds the digest, but a digest differs per mirror and architecture, "
    "so the chart cannot default one.",
}


def _security_section(spec: ChartSpec) -> list[str]:
    lines = [
        "### Security checks (checkov)",
        "",
        "Pods run as non-root (UID/GID 10001), read-only root filesystem, no privilege "
        "escalation, all capabilities dropped, seccomp `RuntimeDefault`, no service-account "
        "token, requests and limits for CPU, memory and ephemeral storage. "
        + (
            "Secrets reach the app as files, never env vars. "
            if spec.decl.secrets == "files"
            else "Secrets reach the app as env vars from secretKeyRef (the app reads no files). "
        )
        + "The tests run checkov on every preset and example "
        "with these checks waived, and no other:",
        "",
        "| Check | Why it is waived |",
        "| --- | --- |",
    ]
    return [*lines, *(f"| `{check}` | {why} |" for check, why in CHECKOV_WAIVERS.items())]


def _create_secrets(spec: ChartSpec) -> list[str]:
    """kubectl commands creating one existingSecret per section, with the default key names."""
    lines = ["```console"]
    for group in spec.groups():
        if not group.secrets:
            continue
        name = f"{spec.name}-{secret_suffix(group)}"
        literals = [f"--from-literal={group.secret_key(s)}='…'" for s in group.secrets]
        lines.append(
            f"kubectl --namespace {spec.name} create secret generic {name} " + " ".join(literals)
        )
    return [*lines, "```"]


def _dev_section(spec: ChartSpec, dev_values: str) -> list[str]:
    wiring = spec.dev
    if wiring is None or not dev_values:
        return []
    services = ", ".join(s.component for s in wiring.services())
    return [
        "## Evaluation install (dev mode)",
        "",
        f"`dev.enabled: true` runs {services} inside the release, wires every setting that "
        "points at them, generates and keeps their credentials (and the keys production "
        "requires you to bring), and runs the migrations as a plain Job once the database is "
        "up. One replica each, no backups: not for production. `ci/dev-values.yaml`:",
        "",
        "```yaml",
        dev_values.rstrip("\n"),
        "```",
        "",
        "NOTES.txt then says how to reach the UI with `kubectl port-forward`, and what "
        "`helm uninstall` leaves behind (the data volumes and the kept Secrets) and how to "
        "remove it.",
        "",
    ]


def render_readme(
    spec: ChartSpec,
    presets: tuple[Preset, ...],
    nodes: tuple[Node, ...],
    minimal_values: str,
    header: str,
    dev_values: str = "",
    has_full: bool = False,
) -> str:
    decl = spec.decl
    name = spec.name
    lines = [
        header,
        f"# {name}",
        "",
        f"Version {decl.version} · appVersion {decl.app_version} · Kubernetes `{KUBE_VERSION}` "
        "· Helm 3.17+ or 4",
        "",
        decl.description,
        "",
        *([decl.about.strip(), ""] if decl.about.strip() else []),
        "This chart is generated from the app's settings models, so every key below is a "
        "setting the app accepts. Values are validated by `values.schema.json`: unknown keys, "
        "wrong types and out-of-range numbers are rejected before anything is applied.",
        "",
        "## Install",
        "",
        _production_sentence(spec),
        "",
        "```yaml",
        minimal_values.rstrip("\n"),
        "```",
        "",
        "```console",
        f"helm install {name} ./{name} --namespace {name} --create-namespace "
        "--values my-values.yaml",
        "```",
        "",
        "Each section with secrets reads them from `existingSecret` when set, otherwise the chart "
        "creates `<fullname>-<section>` from the values in that section (`<fullname>` is the "
        "release name, followed by the chart name unless the release name contains it):",
        "",
        *_secrets_table(spec),
        "",
        "Secrets the chart generates (e.g. a bootstrap password) are made once and kept: "
        "`helm upgrade` reuses them through Helm's `lookup` of the live Secret, and they "
        "carry `helm.sh/resource-policy: keep`. Tools that render with `helm template` "
        "(Argo CD, Flux with post-rendering) cannot look up live objects and would make "
        "new ones on every sync: give every section an `existingSecret` there.",
        "",
        "For each section you point at an `existingSecret`, create it first, e.g. with the "
        "names the minimal values file uses (`secretKeys` renames the keys). It must hold "
        "every key `secretKeys` names, the optional ones too: set an optional key to `null` "
        "when your Secret does not carry it. Otherwise the pods wait for the missing key "
        "(rather than start without it), and `helm install`/`upgrade` refuse the release, "
        "naming the key:",
        "",
        *_create_secrets(spec),
        "",
        *(["`ci/full-values.yaml` shows most options.", ""] if has_full else []),
        *_dev_section(spec, dev_values),
        "## Outbound connections",
        "",
        _calls_home_sentence(spec),
        "",
        "Each connection below exists only when its setting is "
        "configured, and the NetworkPolicies (`networkPolicy.enabled`, on by default) then open "
        "exactly its egress rule, to the CIDRs you list, from the workloads that use it. "
        "Everything else is denied both ways, except DNS, the ingress controller (while "
        "`ingress.enabled`), the workloads' calls to each other and in-cluster clients of "
        "client-facing ports and Service `extraPorts` (`networkPolicy.clients`). A peer inside "
        "the cluster is allowed with `networkPolicy.egress.<peer>.peers` selectors instead of "
        "CIDRs; `cidrs` also extend `dns` (NodeLocal DNSCache), `ingressController` (a load "
        "balancer sending to pod IPs) and `clients`; `anyAddress: true` allows any address for "
        "a peer, on its ports only, where its addresses cannot be listed. Turn the policies off "
        "only on clusters whose CNI does not enforce them.",
        "",
        *_boundary_table(spec),
        "",
        *_security_section(spec),
        "",
        "## Workloads",
        "",
        *_workloads_table(spec),
        "",
        "## Sizing presets",
        "",
        *render_sizing(spec, presets),
        "## Values",
        "",
        *_values_table(nodes),
        "",
    ]
    return "\n".join(lines)
