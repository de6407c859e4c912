"""The chart's README.md: the facts README.md.j2 lays out (the prose lives in the template)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from chartgen.chart_templates import jinja_environment
from chartgen.chart_yaml import KUBE_VERSION
from chartgen.env import is_generated, secret_suffix
from chartgen.model.spec import ChartSpec, Setting
from chartgen.presets import Preset
from chartgen.runtime.roles import Endpoint
from chartgen.sizing_docs import preset_tables
from chartgen.values_tree import Node, leaves

# checkov findings the chart does not fix, and why (tests/chart/test_boundary.py waives
# exactly these).
CHECKOV_WAIVERS = {
    "CKV_K8S_15": "Image Pull Policy should be Always: tags are pinned (digests too when "
    "`image.digest` is set), so IfNotPresent runs the same image, and Always would make "
    "every pod start depend on reaching the registry, which air-gapped and mirrored "
    "clusters cannot promise. Set `image.pullPolicy: Always` to opt in.",
    "CKV_K8S_43": "Image should use digest: the tag is pinned to appVersion and "
    "`image.digest` adds the digest, but a digest differs per mirror and architecture, "
    "so the chart cannot default one.",
}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _default_cell(node: Node) -> str:
    if node.required:
        return "required"
    return f"`{_cell(json.dumps(node.default, separators=(', ', ': ')))}`"


def _ticks(items: list[str]) -> str:
    return ", ".join(f"`{item}`" for item in items)


def _and_list(items: list[str]) -> str:
    return " and ".join([", ".join(items[:-1]), items[-1]] if len(items) > 1 else items)


def _default(setting: Setting) -> Any:
    return setting.field.get_default(call_default_factory=True)


def _calls_out(spec: ChartSpec) -> list[str]:
    """Values keys through which default values connect outside the cluster: endpoints on by
    default (not required ones: the operator names those) and the declared call-home switches."""
    on = {
        ".".join(s.values_path or s.field_path)
        for settings in spec.endpoint_kinds().values()
        for s in settings
        if not s.required and not s.sensitive and _default(s) not in (None, "", [], {})
    }
    for path in spec.decl.calls_home:
        setting = spec.setting_named(path)
        assert setting is not None, "build_spec checks calls_home"
        if _default(setting):
            on.add(".".join(setting.values_path) or f"{path} (not exposed)")
    return sorted(on)


def _secret_sections(spec: ChartSpec) -> list[dict[str, Any]]:
    return [
        {
            "section": ".".join(group.values_path),
            "suffix": secret_suffix(group),
            "secret_keys": [group.secret_key(s) for s in group.secrets],
            "required": [
                group.secret_key(s) for s in group.secrets if s.required and not is_generated(s)
            ],
        }
        for group in spec.groups()
        if group.secrets
    ]


def _endpoint_default(setting: Setting) -> str:
    if setting.required:
        return "none: required"
    default = _default(setting)
    return "off (null)" if default is None or default == "" else f"`{default}`"


def _boundary(spec: ChartSpec) -> list[dict[str, Any]]:
    dev_kinds = spec.dev.kinds() if spec.dev else {}
    rows = []
    for kind, settings in spec.endpoint_kinds().items():
        role = settings[0].role
        service = dev_kinds.get(kind)
        for setting in settings:
            rows.append(
                {
                    "kind": kind,
                    "users": [w.name for w in spec.workloads if kind in w.endpoints()],
                    "key": ".".join(setting.values_path),
                    "secret": setting.sensitive,
                    "default": _endpoint_default(setting),
                    "port": role.port if isinstance(role, Endpoint) else "",
                    "dev": service.component if service else "",
                }
            )
    return rows


def render_readme(
    spec: ChartSpec,
    presets: tuple[Preset, ...],
    nodes: tuple[Node, ...],
    templates: Path,
    examples: dict[str, str],
    header: str,
) -> str:
    """``examples``: the project's example values files by name (minimal, dev, full)."""
    env = jinja_environment(templates)
    env.filters.update(cell=_cell, default_cell=_default_cell, ticks=_ticks)
    required_kinds = [k for k, ss in spec.endpoint_kinds().items() if any(s.required for s in ss)]
    dev_services = [s.component for s in spec.dev.plugins] if spec.dev else []
    return env.get_template("README.md.j2").render(
        header=header,
        name=spec.name,
        decl=spec.decl,
        about=spec.decl.about.strip(),
        kube_version=KUBE_VERSION,
        required_kinds=_and_list(required_kinds),
        minimal_values=examples.get("minimal", "").rstrip("\n"),
        secret_sections=_secret_sections(spec),
        has_full="full" in examples,
        dev_services=dev_services if "dev" in examples else [],
        dev_values=examples.get("dev", "").rstrip("\n"),
        hooks=[w.name for w in spec.workloads if w.decl.hook],
        calls_out=_calls_out(spec),
        boundary=_boundary(spec),
        secret_files=spec.decl.secrets == "files",
        waivers=CHECKOV_WAIVERS,
        workloads=[
            {
                "name": w.name,
                "kind": w.decl.kind,
                "hook": w.decl.hook,
                "ports": ", ".join(f"{p.name} {p.number}" for p in w.decl.ports) or "none",
                "description": w.decl.description,
            }
            for w in spec.workloads
        ],
        run_alone=[w.name for w in spec.workloads if not w.decl.traits.runs_alongside],
        sizing=preset_tables(spec, presets),
        values=leaves(nodes),
    )
