"""Names: values keys (camelCase), Kubernetes names (kebab-case)."""

from __future__ import annotations

import functools


# Cached: pydantic's alias generator calls it for every field of every values section.
@functools.cache
def camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def kebab(name: str) -> str:
    out: list[str] = []
    for char in name.replace("_", "-"):
        if char.isupper() and out and out[-1] != "-":
            out.append("-")
        out.append(char.lower())
    return "".join(out)
