"""Object names: valid for the API server with any release name, and distinct per release."""

from __future__ import annotations

import pytest
import yaml

from tests.helm import CHART, Helm

DEV = CHART / "ci" / "dev-values.yaml"
LONG = "an-extraordinarily-long-release-name-for-production"


def _names(helm: Helm, release: str) -> dict[str, str]:
    result = helm.run("template", release, str(CHART), "--namespace", "obs", "--values", str(DEV))
    assert result.returncode == 0, result.stderr
    docs = [d for d in yaml.safe_load_all(result.stdout) if d]
    return {f"{d['kind']}/{d['metadata']['name']}": d["kind"] for d in docs}


@pytest.mark.parametrize("suffix", ["-a", "-b"])
def test_long_release_names_stay_valid(helm: Helm, suffix: str) -> None:
    for ident, kind in _names(helm, LONG + suffix).items():
        name = ident.split("/", 1)[1]
        # A StatefulSet's pods carry controller-revision-hash: <name>-<10 chars>, a label value.
        limit = 52 if kind == "StatefulSet" else 63
        assert len(name) <= limit, ident


def test_long_release_names_sharing_a_beginning_do_not_collide(helm: Helm) -> None:
    first, second = _names(helm, LONG + "-a"), _names(helm, LONG + "-b")
    assert not set(first) & set(second)


def test_short_names_are_unchanged(helm: Helm) -> None:
    assert "Deployment/obs-lookout-api" in _names(helm, "obs")
