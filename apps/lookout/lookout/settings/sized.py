"""Services whose internal settings are sized from the pod's budget when they load.

The chart wires the pod's CPU and memory (limit, else request) into the two budget fields
through the downward API, so the chart does no arithmetic: the service derives its settings
here, and an explicit value (an env var the operator set) still wins over the formula.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Self

from pydantic import Field, PrivateAttr, field_validator, model_validator

from chartgen.runtime.derive import Source, budget_of, derive
from chartgen.runtime.roles import Budget, Wired
from lookout.settings.base import ServiceSettings
from lookout.sizing.budget import BudgetRange, CostModel
from lookout.sizing.units import GiB

# The budget when not run by the chart (tests, a laptop): never the host's CPUs or memory,
# which say nothing about what the pod may use.
DEFAULT_CPU_MILLICORES = 1000
DEFAULT_MEMORY_BYTES = GiB  # 1073741824


def cpu_budget(minimum: int = 0) -> Any:
    """The CPU budget field; ``minimum`` (millicores) also stops the chart rendering less."""
    return Annotated[
        int,
        Wired("cpu_budget", minimum=minimum),
        Field(
            ge=1,
            description="CPU this pod may use in millicores (its limit, else its request); "
            "derived settings are sized from it.",
        ),
    ]


def memory_budget(minimum: int = 0) -> Any:
    """The memory budget field; ``minimum`` (bytes) also stops the chart rendering less."""
    return Annotated[
        int,
        Wired("memory_budget", minimum=minimum),
        Field(
            ge=1,
            description="Memory this pod may use in bytes (its limit, else its request); "
            "derived settings are sized from it.",
        ),
    ]


def budget_types(budget_range: BudgetRange) -> tuple[Any, Any]:
    """A service's two budget field types, carrying its minimums."""
    return (
        cpu_budget(budget_range.min_cpu_millicores),
        memory_budget(budget_range.min_memory_bytes),
    )


CpuBudget = cpu_budget()
MemoryBudget = memory_budget()


class SizedSettings(ServiceSettings):
    """A service with derived settings: set ``cost_model`` to its sizing module's MODEL and
    redeclare the budget fields with ``budget_types(MODEL.range)``, so the chart knows the
    minimums too.
    """

    cost_model: ClassVar[CostModel]

    budget_cpu_millicores: CpuBudget = DEFAULT_CPU_MILLICORES
    budget_memory_bytes: MemoryBudget = DEFAULT_MEMORY_BYTES

    _derived_sources: dict[str, Source] = PrivateAttr(default_factory=dict)

    @field_validator("budget_cpu_millicores")
    @classmethod
    def _cpu_in_range(cls, millicores: int) -> int:
        return cls.cost_model.range.check_cpu(millicores)

    @field_validator("budget_memory_bytes")
    @classmethod
    def _memory_in_range(cls, size: int) -> int:
        return cls.cost_model.range.check_memory(size)

    @model_validator(mode="after")
    def _derive(self) -> Self:
        # pydantic runs a base class's validators before a subclass's, so the services'
        # cross-field rules see the derived values.
        self._derived_sources = derive(self)
        return self

    @property
    def budget(self) -> Budget:
        return budget_of(self)

    @property
    def derived_sources(self) -> dict[str, Source]:
        """Each derived field and whether its value is "explicit" or "derived"."""
        return dict(self._derived_sources)

    def estimated_memory(self) -> int:
        """Bytes this configuration is expected to use, by the service's cost model."""
        return self.cost_model.estimated_memory(self)
