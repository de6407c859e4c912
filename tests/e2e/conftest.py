"""The local cluster's end-to-end checks run only when asked for: `pytest -m e2e tests/e2e`
(`make e2e`), on a cluster `make cluster` started. A plain `pytest` never collects them."""

from pathlib import Path

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "e2e: needs the local cluster (make cluster)")


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    if "e2e" not in (config.getoption("markexpr") or ""):
        return True
    return None
