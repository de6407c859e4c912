"""Kubernetes quantities, parsed by the Kubernetes client's own ``parse_quantity``.

Importing ``kubernetes.utils`` imports the whole API client (~0.25 s, half a build), while
``kubernetes/utils/quantity.py`` needs only ``decimal``: load that one module by path.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from decimal import Decimal
from functools import cache
from pathlib import Path
from types import ModuleType


@cache
def _quantity_module() -> ModuleType:
    package = importlib.util.find_spec("kubernetes")
    if package is None or package.origin is None:
        raise ModuleNotFoundError("chartgen needs the kubernetes package (pip install kubernetes)")
    path = Path(package.origin).parent / "utils" / "quantity.py"
    spec = importlib.util.spec_from_file_location("chartgen._kubernetes_quantity", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def parse_quantity(quantity: str | int | float) -> Decimal:
    parse: Callable[[object], Decimal] = _quantity_module().parse_quantity
    return parse(quantity)


def millicores(quantity: str | int | float) -> int:
    return int(parse_quantity(quantity) * 1000)


def bytes_of(quantity: str | int | float) -> int:
    return int(parse_quantity(quantity))


def format_bytes(size: int) -> str:
    """``512Mi``, ``1Gi``: exact binary units when they divide, else MiB with one decimal."""
    for unit, factor in (("Gi", 1 << 30), ("Mi", 1 << 20), ("Ki", 1 << 10)):
        if size >= factor and size % factor == 0:
            return f"{size // factor}{unit}"
    if size < 1 << 20:
        return f"{size} bytes"
    return f"{size / (1 << 20):.1f}Mi"


def format_cpu(millicores: int) -> str:
    """``500m``, ``2``: as a Kubernetes CPU quantity."""
    return f"{millicores // 1000}" if millicores % 1000 == 0 else f"{millicores}m"
