"""The budget range a service supports and the arithmetic every formula shares.

Shares of memory are exact fractions (never rounded before they are compared), so a count
derived from them cannot drop when the budget grows by a byte; only the values handed to the
settings are rounded, and always down, so they stay within what the cost model allowed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from chartgen.runtime.roles import Budget
from lookout.sizing.units import GiB, MiB, format_bytes, format_cpu

# The part of the memory budget a configuration may plan for; the rest is left to the
# allocator, fragmentation and whatever the cost model misses.
USABLE_MEMORY = Fraction(9, 10)

MAX_CPU_MILLICORES = 64_000
MAX_MEMORY_BYTES = 256 * GiB


@dataclass(frozen=True)
class BudgetRange:
    """The budgets a service's cost model is checked against.

    Below the minimum not even one unit of work fits, so the service refuses to start.
    Above the maximum the formulas size as for the maximum: the model is not validated
    beyond it, and a pod that big must not fail to start.
    """

    service: str
    min_cpu_millicores: int
    min_memory_bytes: int
    max_cpu_millicores: int = MAX_CPU_MILLICORES
    max_memory_bytes: int = MAX_MEMORY_BYTES

    def clamp(self, budget: Budget) -> Budget:
        return Budget(
            cpu_millicores=min(budget.cpu_millicores, self.max_cpu_millicores),
            memory_bytes=min(budget.memory_bytes, self.max_memory_bytes),
        )

    def check_cpu(self, millicores: int) -> int:
        if millicores < self.min_cpu_millicores:
            raise ValueError(
                f"budget_cpu_millicores must be at least {self.min_cpu_millicores} "
                f"({format_cpu(self.min_cpu_millicores)} CPU) for {self.service}"
            )
        return millicores

    def check_memory(self, size: int) -> int:
        if size < self.min_memory_bytes:
            raise ValueError(
                f"budget_memory_bytes must be at least {self.min_memory_bytes} "
                f"({format_bytes(self.min_memory_bytes)}) for {self.service}"
            )
        return size


@dataclass(frozen=True)
class CostModel:
    """What a settings class needs from its service's sizing module."""

    range: BudgetRange
    estimated_memory: Callable[[Any], int]


def usable(budget: Budget) -> Fraction:
    return USABLE_MEMORY * budget.memory_bytes


def per_core(budget: Budget, units: int) -> int:
    """``units`` for each CPU core, rounded up (a fraction of a core still gets one)."""
    return -(-units * budget.cpu_millicores // 1000)


def fit(available: Fraction, each: Fraction | int) -> int:
    """How many units of ``each`` bytes fit in ``available`` bytes."""
    return max(0, math.floor(available / each))


def count(by_cpu: int, by_memory: int, cap: int | None = None) -> int:
    """What the CPU calls for, at most what memory allows (and ``cap``), at least one."""
    value = min(by_cpu, by_memory)
    if cap is not None:
        value = min(value, cap)
    return max(1, value)


def clamp(value: Fraction, low: int, high: int) -> Fraction:
    return min(max(value, Fraction(low)), Fraction(high))


def whole_mib(size: Fraction | int) -> int:
    """Rounded down to whole MiB: readable, and never more than the share it came from."""
    return math.floor(size / MiB) * MiB


def filled(value: int | None) -> int:
    """A derived setting once ``derive`` has run (None only means "not derived yet")."""
    if value is None:
        raise ValueError("a derived setting was read before derive() filled it in")
    return value
