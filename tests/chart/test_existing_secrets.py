"""An existingSecret holds what its section's secretKeys name: a typo in its name, or a key it
lacks, keeps the pods from starting (the kubelet reports which) instead of starting them
without those credentials; secretKeys.<key>: null says an optional key is not in it.

Against a cluster the chart also refuses both at install time (tests/e2e/test_existing_secrets.py).
"""

from __future__ import annotations

import pytest

from tests.chart.test_contract import existing_secrets_for, render
from tests.contract import chart_container_names, container_start, contract_problems, find_workload
from tests.helm import CHART, Helm

MINIMAL = CHART / "ci" / "minimal-values.yaml"
OIDC_SECRET_FILE = "LOOKOUT_OIDC__CLIENT_SECRET"


def _problems(helm: Helm, sets: tuple[str, ...], existing: dict[str, dict[str, str]]) -> list[str]:
    manifests = render(helm, MINIMAL, sets)
    return contract_problems(manifests, find_workload(manifests, "api"), existing)


def test_the_example_starts_with_its_secrets(helm: Helm) -> None:
    assert _problems(helm, (), existing_secrets_for(MINIMAL)) == []


def test_a_mistyped_optional_existing_secret_keeps_the_pod_waiting(helm: Helm) -> None:
    # oidc.clientSecret is optional (public clients): before, its source was optional too.
    problems = _problems(helm, ("oidc.existingSecret=lookout-odic",), existing_secrets_for(MINIMAL))
    assert len(problems) == 1, problems
    assert "Secret 'lookout-odic' does not exist" in problems[0], problems


def test_a_key_the_existing_secret_lacks_keeps_the_pod_waiting(helm: Helm) -> None:
    existing = existing_secrets_for(MINIMAL)
    del existing["lookout-oidc"]["clientSecret"]
    [problem] = _problems(helm, (), existing)
    assert "reads key 'clientSecret' of Secret 'lookout-oidc'" in problem


def test_a_null_key_says_the_existing_secret_does_not_hold_it(helm: Helm) -> None:
    existing = existing_secrets_for(MINIMAL)
    del existing["lookout-oidc"]["clientSecret"]
    sets = ("oidc.secretKeys.clientSecret=null",)
    assert _problems(helm, sets, existing) == []
    manifests = render(helm, MINIMAL, sets)
    workload = find_workload(manifests, "api")
    [name] = chart_container_names(workload)
    assert (
        OIDC_SECRET_FILE not in container_start(manifests, workload, name, existing).secret_files()
    )


@pytest.mark.parametrize("key", ["auth.secretKeys.encryptionKey", "auth.secretKeys.jwtSecret"])
def test_keys_the_app_cannot_do_without_cannot_be_null(helm: Helm, key: str) -> None:
    result = helm.run("template", "x", str(CHART), "-f", str(MINIMAL), "--set", f"{key}=null")
    assert result.returncode != 0
    assert "secretKeys" in result.stderr


def test_a_null_key_with_its_value_set_is_refused(helm: Helm) -> None:
    sets = ["--set", "oidc.existingSecret=", "--set", "oidc.clientSecret=s3cret"]
    sets += ["--set", "oidc.secretKeys.clientSecret=null"]
    result = helm.run("template", "x", str(CHART), "-f", str(MINIMAL), *sets)
    assert result.returncode != 0
    assert "oidc.secretKeys.clientSecret: null, but oidc.clientSecret is set" in result.stderr
    assert "s3cret" not in result.stderr
