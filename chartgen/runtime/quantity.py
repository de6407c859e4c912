"""Kubernetes quantities: parsing (sizing presets, budgets) and formatting (docs, check-config).

Standard library only: the app imports this at start.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_SUFFIXES = {
    "": 1,
    "m": Decimal("0.001"),
    "k": 10**3,
    "M": 10**6,
    "G": 10**9,
    "T": 10**12,
    "P": 10**15,
    "E": 10**18,
    "Ki": 1 << 10,
    "Mi": 1 << 20,
    "Gi": 1 << 30,
    "Ti": 1 << 40,
    "Pi": 1 << 50,
    "Ei": 1 << 60,
}
# Kubernetes' grammar: signed decimal number, then a binary or decimal suffix or an exponent.
_QUANTITY = re.compile(r"([+-]?[0-9]*\.?[0-9]+)((?:[eE][+-]?[0-9]+)|[KMGTPE]i|[mkMGTPE]?)")


def parse_quantity(quantity: str | int | float) -> Decimal:
    """The quantity's value in base units (cores, bytes); ValueError when malformed."""
    if isinstance(quantity, int | float):
        return Decimal(str(quantity))
    match = _QUANTITY.fullmatch(quantity.strip())
    if match is None:
        raise ValueError(f"{quantity!r} is not a Kubernetes quantity")
    number, suffix = match.groups()
    try:
        if suffix[:1] in ("e", "E"):
            return Decimal(number + suffix)
        return Decimal(number) * _SUFFIXES[suffix]
    except InvalidOperation as error:
        raise ValueError(f"{quantity!r} is not a Kubernetes quantity") from error


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
