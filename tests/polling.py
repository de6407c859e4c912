"""Bounded waiting, shared by the process tests and the cluster tests."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

import pytest

T = TypeVar("T")


def wait_for(what: str, check: Callable[[], T | None], seconds: float, every: float = 1) -> T:
    """Poll ``check()`` until it returns something truthy; fail after ``seconds``."""
    deadline = time.monotonic() + seconds
    last: object = None
    while time.monotonic() < deadline:
        try:
            last = check()
        except Exception as error:
            last = error
        else:
            if last:
                return last  # type: ignore[return-value]
        time.sleep(every)
    pytest.fail(f"{what}: not within {seconds:g} s (last: {last!r})")
