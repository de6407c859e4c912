"""The chart's README.md: what it is, how to install it, workloads, presets, every value."""

from __future__ import annotations

import json

from chartgen.chart_yaml import KUBE_VERSION
from chartgen.env import secret_suffix
from chartgen.presets import Preset
from chartgen.sizing_docs import render_sizing
from chartgen.spec import ChartSpec
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
        required = ", ".join(f"`{group.secret_key(s)}`" for s in group.secrets if s.required)
        name = f"`<fullname>-{secret_suffix(group)}`"
        rows.append(f"| `{section}` | {name} | {keys} | {required or 'none'} |")
    return rows


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


def render_readme(
    spec: ChartSpec,
    presets: tuple[Preset, ...],
    nodes: tuple[Node, ...],
    minimal_values: str,
    header: str,
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
        "This chart is generated from the app's settings models, so every key below is a "
        "setting the app accepts. Values are validated by `values.schema.json`: unknown keys, "
        "wrong types and out-of-range numbers are rejected before anything is applied.",
        "",
        "## Install",
        "",
        "A production install uses your own PostgreSQL, object storage and identity provider, "
        "with credentials in Secrets you create. A minimal values file "
        "(`ci/minimal-values.yaml`):",
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
        "For each section you point at an `existingSecret`, create it first, e.g. with the "
        "names the minimal values file uses (`secretKeys` renames the keys):",
        "",
        *_create_secrets(spec),
        "",
        "`ci/full-values.yaml` shows most options.",
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
