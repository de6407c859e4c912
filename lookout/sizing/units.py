"""Byte and CPU units, and how budgets are written for operators (Kubernetes quantities)."""

from __future__ import annotations

KiB = 1024
MiB = 1024 * KiB
GiB = 1024 * MiB


def format_cpu(millicores: int) -> str:
    """``500m``, ``2``: as a Kubernetes CPU quantity."""
    return f"{millicores // 1000}" if millicores % 1000 == 0 else f"{millicores}m"


def format_bytes(size: int) -> str:
    """``512Mi``, ``1Gi``: exact binary units when they divide, else MiB with one decimal."""
    for unit, factor in (("Gi", GiB), ("Mi", MiB), ("Ki", KiB)):
        if size >= factor and size % factor == 0:
            return f"{size // factor}{unit}"
    if size < MiB:
        return f"{size} bytes"
    return f"{size / MiB:.1f}Mi"
