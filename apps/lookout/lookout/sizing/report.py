"""What check-config says about sizing: where each derived value came from, and the fit."""

from __future__ import annotations

from pydantic import BaseModel

from lookout.settings.sized import SizedSettings
from lookout.sizing.budget import USABLE_MEMORY
from lookout.sizing.units import format_bytes, format_cpu


def _budget(settings: SizedSettings) -> str:
    budget = settings.budget
    return f"{format_cpu(budget.cpu_millicores)} CPU, {format_bytes(budget.memory_bytes)} memory"


def source_note(settings: BaseModel, field: str) -> str:
    """``  (derived from budget: …)`` or ``  (explicit)`` after a derived field, else ''."""
    if not isinstance(settings, SizedSettings):
        return ""
    source = settings.derived_sources.get(field)
    if source is None:
        return ""
    if source == "explicit":
        return "  (explicit)"
    return f"  (derived from budget: {_budget(settings)})"


def summary(settings: BaseModel) -> list[str]:
    """Comment lines after the settings: the budget and the estimated memory against it."""
    if not isinstance(settings, SizedSettings):
        return []
    estimate = settings.estimated_memory()
    memory = settings.budget.memory_bytes
    lines = [
        "",
        f"# budget = {_budget(settings)}",
        f"# estimated memory = {format_bytes(estimate)} of {format_bytes(memory)} budget "
        f"({100 * estimate // memory} %)",
    ]
    if estimate > USABLE_MEMORY * memory:
        # Only explicit values can get here: the formulas are tested to stay within 90 %.
        lines.append(
            f"# warning: more than {int(USABLE_MEMORY * 100)} % of the memory budget; "
            "lower the explicit values or raise the memory limit"
        )
    return lines
