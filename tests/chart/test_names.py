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


MINIMAL = CHART / "ci" / "minimal-values.yaml"
# Names and numbers the API server would refuse at apply time: Helm refuses them first, and
# the message names the key (Helm's wording differs by line, the key path does not).
REFUSED = [
    ("fullnameOverride=Lookout_Prod", "fullnameOverride"),
    ("nameOverride=Obs Lookout", "nameOverride"),
    ("database.existingSecret=My_DB Secret", "database"),
    ("auth.existingSecret=LookoutAuth", "auth"),
    ("imagePullSecrets[0].name=Registry Creds", "imagePullSecrets"),
    ("priorityClassName=Critical", "priorityClassName"),
    ("ingress.className=Nginx Public", "ingress"),
    ("ingress.tls.secretName=TLS_cert", "ingress"),
    ("image.registry=https://ghcr.io", "image"),
    ("networkPolicy.egress.postgresql.cidrs[0]=10.0.0.0/33", "networkPolicy"),
    ("networkPolicy.egress.postgresql.cidrs[0]=300.1.1.0/24", "networkPolicy"),
    ("commonLabels.team=has space", "commonLabels"),
    ("commonLabels.team=" + "x" * 64, "commonLabels"),
    ("api.autoscaling.maxReplicas=3000000000", "api"),
    ("api.podDisruptionBudget.minAvailable=150%", "api"),
]


@pytest.mark.parametrize(("setting", "key"), REFUSED, ids=[s for s, _ in REFUSED])
def test_names_the_api_server_refuses_are_refused_at_render(
    helm: Helm, setting: str, key: str
) -> None:
    result = helm.run(*helm.template_args([MINIMAL], [setting]))
    assert result.returncode != 0, setting
    assert "kind:" not in result.stdout
    path = setting.split("=", 1)[0].replace("[", ".").replace("]", "")
    # gojsonschema names it dotted, santhosh as a JSON pointer.
    assert path in result.stderr or "/" + path.replace(".", "/") in result.stderr, result.stderr
    assert key in result.stderr


URLS = [
    ("instance.publicUrl=lookout.example.com", "instance.publicUrl", "pattern"),
    ("instance.publicUrl=https://my host.example.com", "instance.publicUrl", "pattern"),
    ("telemetry.otlpEndpoint=collector:4318", "telemetry.otlpEndpoint", "pattern"),
    ("instance.publicUrl=https://Lookout.Example.com", "instance.publicUrl", "lower-case DNS"),
    ("instance.publicUrl=https://10.1.2.3", "instance.publicUrl", "IP address"),
]


@pytest.mark.parametrize(("setting", "key", "why"), URLS, ids=[s for s, _, _ in URLS])
def test_urls_the_app_or_the_ingress_would_refuse(
    helm: Helm, setting: str, key: str, why: str
) -> None:
    result = helm.run(*helm.template_args([MINIMAL], [setting]))
    assert result.returncode != 0, setting
    assert "nil pointer" not in result.stderr and "urlParse" not in result.stderr
    assert key in result.stderr or "/" + key.replace(".", "/") in result.stderr, result.stderr
    assert why in result.stderr, result.stderr


def test_a_url_with_port_path_and_user_still_renders(helm: Helm) -> None:
    docs = helm.template(
        [MINIMAL],
        [
            "instance.publicUrl=https://lookout.example.com:8443/ui",
            "telemetry.otlpEndpoint=http://user:token@collector.monitoring:4318",
            "networkPolicy.egress.otlp.cidrs[0]=10.30.0.0/24",
        ],
    )
    (ingress,) = [d for d in docs if d["kind"] == "Ingress"]
    assert ingress["spec"]["rules"][0]["host"] == "lookout.example.com"
