"""values.yaml: every default from the models, with helm-docs ``# --`` comments."""

from __future__ import annotations

import json
import re
import textwrap
from typing import Any

from chartgen.values_tree import Node

WIDTH = 100
_BREAKS = re.compile(r"[\t\n\v\f\r]")


def _wrap(text: str, width: int) -> list[str]:
    """textwrap.wrap(text, width), without its cost for the usual one-line description."""
    if len(text) <= width and text == text.strip() and not _BREAKS.search(text):
        return [text]
    return textwrap.wrap(text, width)


def _comment(text: str, indent: str, prefix: str = "-- ") -> list[str]:
    if not text:
        return []
    wrapped = _wrap(text, WIDTH - len(indent) - 5) or [""]
    first, *rest = wrapped
    return [f"{indent}# {prefix}{first}"] + [f"{indent}# {line}" for line in rest]


# Strings that stay unquoted: identifier-like, and never read back as another type.
_PLAIN = re.compile(r"[A-Za-z_/][A-Za-z0-9_./@+-]*")
_RESERVED = frozenset({"true", "false", "yes", "no", "on", "off", "y", "n", "null", "~"})


def _scalar(value: Any) -> str:
    if isinstance(value, str):
        plain = _PLAIN.fullmatch(value) and value.lower() not in _RESERVED
        # A JSON string is a valid YAML double-quoted scalar.
        return value if plain else json.dumps(value, ensure_ascii=False)
    return json.dumps(value)


def _entry(key: str, value: Any, indent: str) -> list[str]:
    """``key: value`` in block style, Helm's list indentation, collections recursively."""
    head = f"{indent}{_scalar(key)}:"
    if isinstance(value, dict) and value:
        return [head] + [
            line for k, v in value.items() for line in _entry(str(k), v, indent + "  ")
        ]
    if isinstance(value, list) and value:
        lines = [head]
        for item in value:
            if isinstance(item, dict | list) and item:
                nested = _entry("_", item, indent + "  ")[1:]
                first = nested[0].lstrip()
                lines.append(f"{indent}  - {first}")
                lines.extend(nested[1:])
            else:
                lines.append(f"{indent}  - {_scalar(item)}")
        return lines
    empty = {dict: "{}", list: "[]"}.get(type(value))
    return [f"{head} {empty or _scalar(value)}"]


def _node(node: Node, depth: int) -> list[str]:
    indent = "  " * depth
    if node.is_section:
        lines = _comment(node.description, indent)
        lines.append(f"{indent}{node.key}:")
        for child in node.children:
            lines.extend(_node(child, depth + 1))
        return lines
    if node.required:
        lines = _comment(f"(required) {node.description}", indent)
        lines.append(f"{indent}# {node.key}:")
        return lines
    return _comment(node.description, indent) + _entry(node.key, node.default, indent)


def render_values_yaml(nodes: tuple[Node, ...], header: list[str]) -> str:
    lines = list(header)
    for node in nodes:
        lines.append("")
        lines.extend(_node(node, 0))
    return "\n".join(lines) + "\n"
