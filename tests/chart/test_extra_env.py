"""extraEnv / extraEnvFrom: escape hatches for settings the chart does not expose."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helm import CHART, Helm, RenderError

MINIMAL = CHART / "ci" / "minimal-values.yaml"


def _container(docs: list[dict], workload: str) -> dict:
    (deployment,) = [
        d
        for d in docs
        if d["kind"] == "Deployment"
        and d["metadata"]["labels"]["app.kubernetes.io/component"] == workload
    ]
    return deployment["spec"]["template"]["spec"]["containers"][0]


def test_extra_env_and_env_from_reach_the_container(helm: Helm) -> None:
    docs = helm.template(
        [MINIMAL],
        sets=[
            "api.extraEnv[0].name=HTTPS_PROXY",
            "api.extraEnv[0].value=http://proxy.internal:3128",
            "api.extraEnvFrom[0].secretRef.name=corporate-proxy",
            "scheduler.extraEnv[0].name=TZ",
            "scheduler.extraEnv[0].value=UTC",
        ],
    )
    api = _container(docs, "api")
    assert {"name": "HTTPS_PROXY", "value": "http://proxy.internal:3128"} in api["env"]
    assert api["envFrom"][-1] == {"secretRef": {"name": "corporate-proxy"}}
    # The chart's own ConfigMap comes first, so the extra source cannot hide it by order.
    assert "configMapRef" in api["envFrom"][0]
    assert {"name": "TZ", "value": "UTC"} in _container(docs, "scheduler")["env"]


@pytest.mark.parametrize(
    ("workload", "env", "where"),
    [
        ("api", "LOOKOUT_LOGGING__LEVEL", "logging.level"),
        ("worker", "LOOKOUT_DATABASE__DSN", "database.dsn"),
        ("query", "LOOKOUT_BUDGET_MEMORY_BYTES", "from the pod's resources"),
    ],
)
def test_a_chart_managed_name_is_refused_naming_the_key(
    helm: Helm, workload: str, env: str, where: str
) -> None:
    with pytest.raises(RenderError) as error:
        helm.template(
            [MINIMAL],
            sets=[f"{workload}.extraEnv[0].name={env}", f"{workload}.extraEnv[0].value=x"],
        )
    assert f"{workload}.extraEnv: {env} is set by the chart ({where})" in str(error.value)


def test_extra_env_names_are_checked_by_the_schema(helm: Helm, tmp_path: Path) -> None:
    values = tmp_path / "bad.yaml"
    values.write_text("api:\n  extraEnv:\n    - name: 'not a name'\n      value: x\n")
    with pytest.raises(RenderError) as error:
        helm.template([MINIMAL, values])
    assert "extraEnv" in str(error.value)
