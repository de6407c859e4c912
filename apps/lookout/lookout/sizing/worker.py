"""worker: memory of the job runner and the formula for its concurrency."""

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
    from lookout.settings.worker import WorkerSettings

BASE_MEMORY = 150 * MiB  # interpreter, queue poller, DB/S3/SMTP clients
JOB_MEMORY = 128 * MiB  # the largest job, an export, holds one page of results

# 320Mi: 90 % of it holds the base and one job.
RANGE = BudgetRange("worker", min_cpu_millicores=100, min_memory_bytes=320 * MiB)


def concurrency(budget: Budget, settings: WorkerSettings) -> int:
    budget = RANGE.clamp(budget)
    # Jobs mostly wait on the database, object storage and SMTP: four per core.
    by_cpu = per_core(budget, 4)
    by_memory = fit(usable(budget) - BASE_MEMORY, JOB_MEMORY)
    return count(by_cpu, by_memory)


CONCURRENCY = Derived(concurrency, "4 per CPU core, at most what memory allows (128Mi each)")


def estimated_memory(settings: WorkerSettings) -> int:
    return BASE_MEMORY + filled(settings.concurrency) * JOB_MEMORY


MODEL = CostModel(RANGE, estimated_memory)
