"""Chart.yaml and .helmignore."""

from __future__ import annotations

import yaml

from chartgen.model.declaration import ChartDeclaration

# The oldest Kubernetes the rendered manifests are validated against.
KUBE_VERSION = ">=1.30.0-0"


def render_chart_yaml(decl: ChartDeclaration, header: str) -> str:
    data: dict[str, object] = {
        "apiVersion": "v2",
        "name": decl.name,
        "description": decl.description,
        "type": "application",
        "version": decl.version,
        "appVersion": decl.app_version,
        "kubeVersion": KUBE_VERSION,
    }
    if decl.home:
        data["home"] = decl.home
    if decl.keywords:
        data["keywords"] = list(decl.keywords)
    if decl.maintainers:
        data["maintainers"] = [
            {"name": m.name, **({"email": m.email} if m.email else {})} for m in decl.maintainers
        ]
    return header + "\n" + yaml.safe_dump(data, sort_keys=False, width=100)


def render_helmignore(header: str) -> str:
    patterns = [".DS_Store", ".git/", "*.swp", "*.bak", "*.tmp", "*.orig", "*~"]
    return header + "\n" + "\n".join(patterns) + "\n"
