"""api: memory of the HTTP server and the formula for its worker processes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chartgen.runtime.roles import Budget, Derived
from lookout.sizing.budget import (
    BudgetRange,
    CostModel,
    count,
    filled,
    fit,
    per_core,
    usable,
)
from lookout.sizing.units import MiB

if TYPE_CHECKING:
    from lookout.settings.api import ApiSettings

BASE_MEMORY = 150 * MiB  # interpreter, framework, DB/S3/OIDC clients: the master process
WORKER_MEMORY = 128 * MiB  # one forked worker with its connection pool and caches
MAX_WORKERS = 64  # the field's own upper limit

# 320Mi: 90 % of it holds the base and one worker.
RANGE = BudgetRange("api", min_cpu_millicores=100, min_memory_bytes=320 * MiB)


def workers(budget: Budget, settings: ApiSettings) -> int:
    budget = RANGE.clamp(budget)
    # Gunicorn's rule: workers block on I/O, so two per core plus one keep the CPU busy.
    by_cpu = per_core(budget, 2) + 1
    by_memory = fit(usable(budget) - BASE_MEMORY, WORKER_MEMORY)
    return count(by_cpu, by_memory, cap=MAX_WORKERS)


WORKERS = Derived(workers, "2 per CPU core plus 1, at most what memory allows (128Mi each)")


def estimated_memory(settings: ApiSettings) -> int:
    return BASE_MEMORY + filled(settings.workers) * WORKER_MEMORY


MODEL = CostModel(RANGE, estimated_memory)
