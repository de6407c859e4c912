"""query: memory of the query engine, per-query memory and how many queries run at once."""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING

from chartgen.runtime.roles import Budget, Derived
from lookout.sizing.budget import (
    BudgetRange,
    CostModel,
    clamp,
    count,
    filled,
    fit,
    per_core,
    usable,
    whole_mib,
)
from lookout.sizing.units import GiB, MiB

if TYPE_CHECKING:
    from lookout.settings.query import QuerySettings

BASE_MEMORY = 256 * MiB  # interpreter, query engine, result cache
QUERY_SHARE = Fraction(1, 8)  # of the memory budget, per query
MIN_QUERY_MEMORY = 64 * MiB  # less cancels ordinary dashboard queries
MAX_QUERY_MEMORY = 4 * GiB  # more only lets one runaway query starve the others

# 384Mi: 90 % of it holds the base and one query at its smallest.
RANGE = BudgetRange("query", min_cpu_millicores=100, min_memory_bytes=384 * MiB)


def _query_share(budget: Budget) -> Fraction:
    # From memory only: a per-query size that shrank as CPU grew would break monotonicity.
    return clamp(QUERY_SHARE * budget.memory_bytes, MIN_QUERY_MEMORY, MAX_QUERY_MEMORY)


def memory_limit_bytes(budget: Budget, settings: QuerySettings) -> int:
    return whole_mib(_query_share(RANGE.clamp(budget)))


def max_concurrent_queries(budget: Budget, settings: QuerySettings) -> int:
    budget = RANGE.clamp(budget)
    # Reserve the exact share, not its rounded value, so the count never drops as memory
    # grows; an explicit larger per-query limit reserves what it asks for.
    each = max(Fraction(filled(settings.memory_limit_bytes)), _query_share(budget))
    by_cpu = per_core(budget, 2)  # queries wait on object storage about half the time
    by_memory = fit(usable(budget) - BASE_MEMORY, each)
    return count(by_cpu, by_memory)


MEMORY_LIMIT_BYTES = Derived(memory_limit_bytes, "1/8 of memory, between 64Mi and 4Gi")
MAX_CONCURRENT_QUERIES = Derived(
    max_concurrent_queries, "2 per CPU core, at most what memory allows at the per-query limit"
)


def estimated_memory(settings: QuerySettings) -> int:
    return BASE_MEMORY + filled(settings.max_concurrent_queries) * filled(
        settings.memory_limit_bytes
    )


MODEL = CostModel(RANGE, estimated_memory)
