"""Evaluating derived settings: the one evaluator the app (at start) and chartgen (docs) share.

A settings model marks fields ``Derived(formula, explain)`` and wires two fields to its pod's
budget (``Wired("cpu_budget")``, ``Wired("memory_budget")``).  ``derive`` fills every derived
field left unset (None) from the formula, in declaration order, and says where each value
came from.  The app calls it from a model validator; chartgen calls it on presets' budgets.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from chartgen.runtime.roles import Budget, Derived, Wired

Source = Literal["explicit", "derived"]


def _role_fields(model: type[BaseModel], kind: type) -> dict[str, object]:
    return {
        name: next(m for m in field.metadata if isinstance(m, kind))
        for name, field in model.model_fields.items()
        if any(isinstance(m, kind) for m in field.metadata)
    }


def derived_fields(model: type[BaseModel]) -> dict[str, Derived]:
    return _role_fields(model, Derived)  # type: ignore[return-value]


def budget_fields(model: type[BaseModel]) -> dict[str, str]:
    """``{"cpu_budget": field name, "memory_budget": field name}`` of a settings model."""
    wired = _role_fields(model, Wired)
    return {
        role.fact: name  # type: ignore[attr-defined]
        for name, role in wired.items()
        if role.fact in ("cpu_budget", "memory_budget")  # type: ignore[attr-defined]
    }


def budget_of(settings: BaseModel) -> Budget:
    fields = budget_fields(type(settings))
    missing = {"cpu_budget", "memory_budget"} - set(fields)
    if missing:
        raise TypeError(
            f"{type(settings).__name__} has derived settings but no Wired({sorted(missing)}) field"
        )
    return Budget(
        cpu_millicores=int(getattr(settings, fields["cpu_budget"])),
        memory_bytes=int(getattr(settings, fields["memory_budget"])),
    )


def derive(settings: BaseModel) -> dict[str, Source]:
    """Fill unset derived fields from their formulas; return each derived field's source."""
    derived = derived_fields(type(settings))
    if not derived:
        return {}
    budget = budget_of(settings)
    sources: dict[str, Source] = {}
    for name, role in derived.items():
        if getattr(settings, name) is not None:
            sources[name] = "explicit"
            continue
        # object.__setattr__: skip validate_assignment; formulas are tested to stay in range.
        object.__setattr__(settings, name, role.formula(budget, settings))
        sources[name] = "derived"
    return sources


def evaluate(model: type[BaseModel], budget: Budget) -> dict[str, object]:
    """Every derived value a model takes with ``budget`` and its defaults (for docs, tests)."""
    fields = budget_fields(model)
    instance = model.model_construct(
        **{
            fields["cpu_budget"]: budget.cpu_millicores,
            fields["memory_budget"]: budget.memory_bytes,
        }
    )
    derive(instance)
    return {name: getattr(instance, name) for name in derived_fields(model)}
