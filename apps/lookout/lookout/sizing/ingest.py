"""ingest: memory of the OTLP receivers, the upload buffer and parallel uploads."""

from __future__ import annotations

from fractions import Fraction
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
    whole_mib,
)
from lookout.sizing.units import GiB, MiB

if TYPE_CHECKING:
    from lookout.settings.ingest import IngestSettings

BASE_MEMORY = 160 * MiB  # interpreter, gRPC and HTTP servers, protobuf decoders
REQUESTS_IN_FLIGHT = 4  # export requests being received and decoded at once
DECODE_COPIES = 2  # a request is held both raw and decoded
SUBMISSION_MEMORY = 16 * MiB  # one 8Mi upload part plus the client's buffers
BUFFER_SHARE = Fraction(1, 4)  # of the memory budget, for data awaiting upload
MAX_BUFFER = 4 * GiB  # beyond it uploads, not the buffer, are the bottleneck

# 320Mi: 90 % of it holds the base, the requests, the buffer's share and one upload.
RANGE = BudgetRange("ingest", min_cpu_millicores=100, min_memory_bytes=320 * MiB)


def _buffer_share(budget: Budget) -> Fraction:
    return min(BUFFER_SHARE * budget.memory_bytes, Fraction(MAX_BUFFER))


def _requests_memory(settings: IngestSettings) -> int:
    return REQUESTS_IN_FLIGHT * DECODE_COPIES * settings.max_batch_bytes


def buffer_bytes(budget: Budget, settings: IngestSettings) -> int:
    # Never below one batch: a maximal batch could not be accepted otherwise.
    return max(whole_mib(_buffer_share(RANGE.clamp(budget))), settings.max_batch_bytes)


def submit_concurrency(budget: Budget, settings: IngestSettings) -> int:
    budget = RANGE.clamp(budget)
    # Reserve the buffer's exact share (or the buffer, if larger) rather than its rounded
    # value, so the count never drops as memory grows.
    buffer = max(Fraction(filled(settings.buffer_bytes)), _buffer_share(budget))
    rest = usable(budget) - BASE_MEMORY - _requests_memory(settings) - buffer
    by_cpu = per_core(budget, 4)  # uploads wait on the network, not the CPU
    return count(by_cpu, fit(rest, SUBMISSION_MEMORY))


BUFFER_BYTES = Derived(buffer_bytes, "1/4 of memory, at most 4Gi, at least max_batch_bytes")
SUBMIT_CONCURRENCY = Derived(
    submit_concurrency, "4 per CPU core, at most what memory allows (16Mi each)"
)


def estimated_memory(settings: IngestSettings) -> int:
    return (
        BASE_MEMORY
        + _requests_memory(settings)
        + filled(settings.buffer_bytes)
        + filled(settings.submit_concurrency) * SUBMISSION_MEMORY
    )


MODEL = CostModel(RANGE, estimated_memory)
