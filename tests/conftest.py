from __future__ import annotations

from pathlib import Path

import pytest

from tests.helm import Helm, helm_binaries


@pytest.fixture(scope="session", params=sorted(helm_binaries()))
def helm(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Helm:
    binary: Path = helm_binaries()[request.param]
    if not binary.exists():
        pytest.fail(f"{binary} is missing: run `make tools` (make test does it)")
    return Helm(request.param, binary, tmp_path_factory.mktemp(request.param))
