"""Derived settings: the formulas fit each service's cost model for every budget it supports.

Properties are checked with hypothesis across each service's whole budget range (uniform and
log-scale draws, so both tiny and huge pods are covered); a handful of budgets also go through
the app's own path (env vars → settings class) to show it computes what ``evaluate`` does.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from lookout.check_config import load_settings
from lookout.settings import SERVICES
from lookout.settings.sized import DEFAULT_CPU_MILLICORES, DEFAULT_MEMORY_BYTES, SizedSettings
from lookout.sizing.budget import USABLE_MEMORY, BudgetRange
from lookout.sizing.units import GiB, MiB
from pydantic import TypeAdapter, ValidationError

from chartgen.runtime.derive import derived_fields, evaluate
from chartgen.runtime.roles import Budget

SIZED: dict[str, type[SizedSettings]] = {
    name: cls for name, cls in SERVICES.items() if issubclass(cls, SizedSettings)
}
NAMES = sorted(SIZED)
EXAMPLES = 500  # budgets (or budget pairs) per service and property
# No example database (nothing to commit or clean up); a failure still prints its example.
PROPERTY = hypothesis_settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# Just what every sized service needs to load; the budget comes on top.
REQUIRED_ENV = {
    "LOOKOUT_INSTANCE__PUBLIC_URL": "https://lookout.example.com",
    "LOOKOUT_ADMIN__EMAIL": "ops@example.com",
    "LOOKOUT_DATABASE__DSN": "postgresql://lookout:pw@db.internal:5432/lookout",
    "LOOKOUT_OBJECT_STORAGE__URI": "s3://lookout-data/prod",
    "LOOKOUT_AUTH__JWT_SECRET": "j" * 40,
    "LOOKOUT_AUTH__ENCRYPTION_KEY": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
}

# The smallest budget (memory limit, CPU limit) each preset gives these workloads.
PRESET_BUDGETS = {
    "api": Budget(500, 512 * MiB),
    "ingest": Budget(500, 512 * MiB),
    "query": Budget(500, 768 * MiB),
    "worker": Budget(500, 512 * MiB),
}


def range_of(service: str) -> BudgetRange:
    return SIZED[service].cost_model.range


def sized(service: str, budget: Budget) -> SizedSettings:
    """The service with default settings and ``budget``, derived values filled by evaluate."""
    cls = SIZED[service]
    values: dict[str, Any] = {
        "budget_cpu_millicores": budget.cpu_millicores,
        "budget_memory_bytes": budget.memory_bytes,
        **evaluate(cls, budget),
    }
    return cls.model_construct(**values)


@contextmanager
def environment(budget: Budget, **extra: str) -> Iterator[None]:
    """Exactly the env vars a pod with ``budget`` would get, and nothing else LOOKOUT_."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.upper().startswith("LOOKOUT_")},
        **REQUIRED_ENV,
        "LOOKOUT_BUDGET_CPU_MILLICORES": str(budget.cpu_millicores),
        "LOOKOUT_BUDGET_MEMORY_BYTES": str(budget.memory_bytes),
        **extra,
    }
    with mock.patch.dict(os.environ, env, clear=True):
        yield


def loaded(service: str, budget: Budget, **extra: str) -> SizedSettings:
    """The settings exactly as the service loads them at start."""
    with environment(budget, **extra):
        settings = load_settings(service)
    assert isinstance(settings, SizedSettings)
    return settings


def derived_values(settings: SizedSettings) -> dict[str, object]:
    return {name: getattr(settings, name) for name in derived_fields(type(settings))}


def log_uniform(low: int, high: int) -> st.SearchStrategy[int]:
    return st.floats(math.log(low), math.log(high)).map(
        lambda x: min(high, max(low, round(math.exp(x))))
    )


def scale(low: int, high: int, granule: int) -> st.SearchStrategy[int]:
    """Integers in [low, high]: uniform, log-uniform (small pods too), the ends, and just
    below a multiple of ``granule``, where rounded values step up."""
    below_step = st.tuples(
        log_uniform(max(1, -(-low // granule)), max(1, high // granule)), st.integers(0, 64)
    ).map(lambda t: min(high, max(low, t[0] * granule - t[1])))
    return st.one_of(
        st.integers(low, high), log_uniform(low, high), below_step, st.sampled_from([low, high])
    )


def budgets(budget_range: BudgetRange) -> st.SearchStrategy[Budget]:
    return st.builds(
        Budget,
        cpu_millicores=scale(
            budget_range.min_cpu_millicores, budget_range.max_cpu_millicores, granule=1000
        ),
        memory_bytes=scale(
            budget_range.min_memory_bytes, budget_range.max_memory_bytes, granule=MiB
        ),
    )


def at_least(value: int, high: int, step: int, granule: int) -> st.SearchStrategy[int]:
    """A value ≥ ``value``: the same, a little more (across a rounding step), or anywhere."""
    return st.one_of(
        st.just(value),
        st.integers(value, min(high, value + 128)),
        st.integers(value, min(high, value + step)),
        scale(value, high, granule),
    )


@st.composite
def budget_pairs(draw: st.DrawFn, budget_range: BudgetRange) -> tuple[Budget, Budget]:
    """A budget and one at least as large in both CPU and memory."""
    small = draw(budgets(budget_range))
    large = Budget(
        cpu_millicores=draw(
            at_least(small.cpu_millicores, budget_range.max_cpu_millicores, step=1000, granule=1000)
        ),
        memory_bytes=draw(
            at_least(small.memory_bytes, budget_range.max_memory_bytes, step=MiB, granule=MiB)
        ),
    )
    return small, large


def test_the_sized_services() -> None:
    assert NAMES == ["api", "ingest", "query", "worker"]


@pytest.mark.parametrize("service", NAMES)
def test_budget_range_admits_presets_and_the_default(service: str) -> None:
    budget_range = range_of(service)
    for budget in (PRESET_BUDGETS[service], Budget(DEFAULT_CPU_MILLICORES, DEFAULT_MEMORY_BYTES)):
        assert budget_range.min_cpu_millicores <= budget.cpu_millicores
        assert budget_range.min_memory_bytes <= budget.memory_bytes
    assert budget_range.max_cpu_millicores == 64_000
    assert budget_range.max_memory_bytes == 256 * GiB


@cache
def field_adapter(service: str, name: str) -> TypeAdapter[Any]:
    annotation = SIZED[service].model_fields[name].annotation
    assert annotation is not None
    return TypeAdapter(annotation)


def check_fits(service: str, budget: Budget) -> None:
    settings = sized(service, budget)
    assert settings.estimated_memory() <= USABLE_MEMORY * budget.memory_bytes
    for name, value in derived_values(settings).items():
        assert isinstance(value, int)
        assert value >= 1, name
        # Derived values must pass the field's own validation (e.g. workers ≤ 64).
        field_adapter(service, name).validate_python(value)


@pytest.mark.parametrize("service", NAMES)
def test_every_budget_in_range_fits_the_cost_model(service: str) -> None:
    @PROPERTY
    @given(budget=budgets(range_of(service)))
    def fits(budget: Budget) -> None:
        check_fits(service, budget)

    fits()


@pytest.mark.parametrize("service", NAMES)
def test_no_derived_value_drops_when_the_budget_grows(service: str) -> None:
    @PROPERTY
    @given(pair=budget_pairs(range_of(service)))
    def monotone(pair: tuple[Budget, Budget]) -> None:
        small, large = pair
        before, after = evaluate(SIZED[service], small), evaluate(SIZED[service], large)
        for name, value in before.items():
            assert after[name] >= value, (name, small, large)  # type: ignore[operator]
        check_fits(service, large)

    monotone()


@pytest.mark.parametrize("service", NAMES)
def test_no_derived_value_drops_across_any_mebibyte_up_to_4gi(service: str) -> None:
    # Rounded values step at whole MiB: compare both sides of every step where memory, not
    # CPU, limits the counts (the exact-fraction rule above exists for these edges).
    budget_range = range_of(service)
    previous: dict[str, object] | None = None
    for mib in range(budget_range.min_memory_bytes // MiB + 1, 4 * 1024 + 1):
        for memory in (mib * MiB - 1, mib * MiB):
            values = evaluate(SIZED[service], Budget(budget_range.max_cpu_millicores, memory))
            if previous is not None:
                for name, value in values.items():
                    assert value >= previous[name], (name, memory)  # type: ignore[operator]
            previous = values


def test_ingest_buffer_always_holds_a_batch() -> None:
    @PROPERTY
    @given(budget=budgets(range_of("ingest")))
    def holds(budget: Budget) -> None:
        settings = sized("ingest", budget)
        assert getattr(settings, "buffer_bytes") >= getattr(settings, "max_batch_bytes")  # noqa: B009

    holds()


@pytest.mark.parametrize(
    ("service", "expected"),
    [
        ("api", {"workers": 2}),
        ("ingest", {"buffer_bytes": 128 * MiB, "submit_concurrency": 2}),
        ("query", {"memory_limit_bytes": 96 * MiB, "max_concurrent_queries": 1}),
        ("worker", {"concurrency": 2}),
    ],
)
def test_values_at_the_smallest_preset_budgets(service: str, expected: dict[str, int]) -> None:
    assert evaluate(SIZED[service], PRESET_BUDGETS[service]) == expected


def handful(service: str) -> list[Budget]:
    budget_range = range_of(service)
    low = Budget(budget_range.min_cpu_millicores, budget_range.min_memory_bytes)
    high = Budget(budget_range.max_cpu_millicores, budget_range.max_memory_bytes)
    return [
        low,
        PRESET_BUDGETS[service],
        Budget(250, 3 * GiB),
        Budget(4000, 700 * MiB + 12345),
        Budget(16_000, 64 * GiB),
        high,
    ]


@pytest.mark.parametrize("service", NAMES)
def test_the_app_computes_what_evaluate_computes(service: str) -> None:
    for budget in handful(service):
        settings = loaded(service, budget)
        assert settings.budget == budget
        assert derived_values(settings) == evaluate(SIZED[service], budget), budget
        assert set(settings.derived_sources.values()) == {"derived"}


@pytest.mark.parametrize("service", NAMES)
def test_the_app_computes_what_evaluate_computes_for_drawn_budgets(service: str) -> None:
    @hypothesis_settings(PROPERTY, max_examples=25)
    @given(budget=budgets(range_of(service)))
    def same(budget: Budget) -> None:
        assert derived_values(loaded(service, budget)) == evaluate(SIZED[service], budget)

    same()


def test_unset_budget_is_the_documented_default_not_the_host() -> None:
    with environment(PRESET_BUDGETS["api"]):
        del os.environ["LOOKOUT_BUDGET_CPU_MILLICORES"]
        del os.environ["LOOKOUT_BUDGET_MEMORY_BYTES"]
        settings = load_settings("api")
    assert isinstance(settings, SizedSettings)
    assert settings.budget == Budget(1000, GiB)


@pytest.mark.parametrize(
    ("service", "variable", "field", "value"),
    [
        ("api", "LOOKOUT_WORKERS", "workers", 7),
        ("ingest", "LOOKOUT_BUFFER_BYTES", "buffer_bytes", 32 * MiB),
        ("ingest", "LOOKOUT_SUBMIT_CONCURRENCY", "submit_concurrency", 9),
        ("query", "LOOKOUT_MAX_CONCURRENT_QUERIES", "max_concurrent_queries", 3),
        ("query", "LOOKOUT_MEMORY_LIMIT_BYTES", "memory_limit_bytes", 200 * MiB),
        ("worker", "LOOKOUT_CONCURRENCY", "concurrency", 11),
    ],
)
def test_an_explicit_value_overrides_the_formula(
    service: str, variable: str, field: str, value: int
) -> None:
    settings = loaded(service, PRESET_BUDGETS[service], **{variable: str(value)})
    assert getattr(settings, field) == value
    assert settings.derived_sources[field] == "explicit"
    others = {k: v for k, v in settings.derived_sources.items() if k != field}
    assert set(others.values()) <= {"derived"}


def test_later_formulas_respect_an_explicit_earlier_value() -> None:
    # 8 cores, 8Gi: six queries at the derived 1Gi each, but only three at an explicit 2Gi.
    budget = Budget(8000, 8 * GiB)
    assert evaluate(SIZED["query"], budget)["max_concurrent_queries"] == 6
    settings = loaded("query", budget, LOOKOUT_MEMORY_LIMIT_BYTES=str(2 * GiB))
    assert settings.derived_sources["max_concurrent_queries"] == "derived"
    assert getattr(settings, "max_concurrent_queries") == 3  # noqa: B009
    assert settings.estimated_memory() <= USABLE_MEMORY * 8 * GiB


def test_an_explicit_value_is_still_validated() -> None:
    with pytest.raises(ValidationError, match="less than or equal to 64"):
        loaded("api", PRESET_BUDGETS["api"], LOOKOUT_WORKERS="65")


@pytest.mark.parametrize("service", NAMES)
@pytest.mark.parametrize(
    ("field", "variable"),
    [
        ("budget_cpu_millicores", "LOOKOUT_BUDGET_CPU_MILLICORES"),
        ("budget_memory_bytes", "LOOKOUT_BUDGET_MEMORY_BYTES"),
    ],
)
def test_a_budget_below_the_minimum_is_rejected(service: str, field: str, variable: str) -> None:
    budget_range = range_of(service)
    minimum = (
        budget_range.min_cpu_millicores
        if field == "budget_cpu_millicores"
        else budget_range.min_memory_bytes
    )
    low = Budget(budget_range.min_cpu_millicores, budget_range.min_memory_bytes)
    loaded(service, low)  # the minimum itself is fine
    with pytest.raises(ValidationError) as caught:
        loaded(service, low, **{variable: str(minimum - 1)})
    (error,) = caught.value.errors()
    assert error["loc"] == (field,)
    assert f"{field} must be at least {minimum} " in error["msg"]
    assert service in error["msg"]


@pytest.mark.parametrize("service", NAMES)
def test_a_budget_above_the_range_is_sized_as_its_maximum(service: str) -> None:
    budget_range = range_of(service)
    top = Budget(budget_range.max_cpu_millicores, budget_range.max_memory_bytes)
    huge = Budget(top.cpu_millicores * 4, top.memory_bytes * 4)
    assert evaluate(SIZED[service], huge) == evaluate(SIZED[service], top)
    assert derived_values(loaded(service, huge)) == evaluate(SIZED[service], top)


@pytest.mark.parametrize("service", NAMES)
def test_the_formulas_never_look_at_the_host(monkeypatch: pytest.MonkeyPatch, service: str) -> None:
    before = [(evaluate(SIZED[service], b), loaded(service, b)) for b in handful(service)]
    monkeypatch.setattr(os, "cpu_count", lambda: 1024)
    monkeypatch.setattr(os, "process_cpu_count", lambda: 1024, raising=False)
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: set(range(1024)), raising=False)
    monkeypatch.setattr(os, "sysconf", lambda _name: 1 << 40)
    after = [(evaluate(SIZED[service], b), loaded(service, b)) for b in handful(service)]
    for (values, app), (values_now, app_now) in zip(before, after, strict=True):
        assert values_now == values
        assert derived_values(app_now) == derived_values(app)
        assert app_now.estimated_memory() == app.estimated_memory()
