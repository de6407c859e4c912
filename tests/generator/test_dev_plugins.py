"""Dev services are plugins: a project brings its own stand-in without touching chartgen.

The tiny app of test_diff gets a webhook URL setting and, in its own package, an "http echo"
plugin (a DevPlugin subclass and its template beside it); its declaration lists the plugin in
DevMode.plugins. Nothing under chartgen/ knows it, yet the real CLI builds a chart whose dev
mode runs it and wires the setting to it. The wiring's mistakes fail the build by name.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from lookout.chart import CHART as LOOKOUT

from chartgen.dev import MINIO, DevPlugin, Fact
from chartgen.dev.minio import DevMinio
from chartgen.model.declaration import DevMode
from chartgen.model.spec import SpecError, build_spec
from tests.copies import chartgen
from tests.generator.test_diff import APP, EXAMPLE, PRESET
from tests.helm import PINNED, Helm

PLUGIN = Path(__file__).parent / "echo_plugin"  # its module and template


# The tiny app with a webhook setting its web server posts to, and a dev mode wiring it.
EDITS = (
    (
        "from chartgen.model.declaration import ChartDeclaration,",
        "from chartgen.model.declaration import ChartDeclaration, DevMode,",
    ),
    ("import VALUE, Renamed,", "import VALUE, Endpoint, Renamed,"),
    (
        "    page_size:",
        '    hook_url: Annotated[HttpUrl | None, Endpoint("webhook"), Field(description="Where '
        'events are posted.")] = None\n    page_size:',
    ),
    (
        "    removals=REMOVALS,\n",
        '    removals=REMOVALS,\n    dev=DevMode(wiring=(("hook_url", "webhook.url"),), '
        "plugins=(HttpEcho(),)),\n",
    ),
    ('TIMEOUT = "', 'from tinyapp.echo import HttpEcho\n\nTIMEOUT = "'),
)


def _project(root: Path) -> Path:
    """The tiny app's project: chartgen's own templates (no templates key), its plugin."""
    app = APP
    for old, new in EDITS:
        assert old in app, old
        app = app.replace(old, new, 1)
    files = {
        "pyproject.toml": '[tool.chartgen]\ndeclaration = "tinyapp:CHART"\n',
        "tinyapp/__init__.py": app,
        **{f"tinyapp/{f.name}": f.read_text() for f in PLUGIN.iterdir() if f.is_file()},
        "presets/small.yaml": PRESET,
        "examples/minimal-values.yaml": EXAMPLE,
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


@pytest.fixture(scope="module")
def chart(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = _project(tmp_path_factory.mktemp("echo"))
    result = chartgen(root, "build")
    assert result.returncode == 0, result.stderr
    return root / "generated" / "tiny"


@pytest.fixture(scope="module")
def helm(tmp_path_factory: pytest.TempPathFactory) -> Helm:
    return Helm("helm4", PINNED["helm4"], tmp_path_factory.mktemp("helm4"))


def _render(helm: Helm, chart: Path, *sets: str) -> dict[tuple[str, str], dict[str, Any]]:
    docs = helm.template([chart / "ci" / "minimal-values.yaml"], list(sets), chart)
    return {(d["kind"], d["metadata"]["name"]): d for d in docs}


def test_a_project_plugin_runs_in_dev_mode_and_the_app_is_wired_to_it(
    helm: Helm, chart: Path
) -> None:
    assert (chart / "templates" / "dev" / "echo.yaml").is_file()
    assert not (chart / "templates" / "dev" / "secrets.yaml").exists(), "echo keeps no Secret"
    dev = yaml.safe_load((chart / "values.yaml").read_text())["dev"]
    assert dev["echo"]["image"]["repository"] == "docker.io/hashicorp/http-echo"
    assert set(dev) == {"enabled", "imageRegistry", "echo"}, "only the plugins the app wires"
    notes = (chart / "templates" / "NOTES.txt").read_text()
    assert '{{- $services := list "echo" }}' in notes, "the NOTES list the running plugins"
    assert "PersistentVolumeClaims" not in notes, "it keeps no data"
    for sets in ((), ("dev.enabled=true",)):
        result = helm.run(
            "lint",
            "--strict",
            str(chart),
            "-f",
            str(chart / "ci/minimal-values.yaml"),
            *(f"--set={s}" for s in sets),
        )
        assert result.returncode == 0, result.stdout + result.stderr

    docs = _render(helm, chart, "dev.enabled=true")
    deployment = docs[("Deployment", "rel-tiny-echo")]
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    assert container["image"] == "docker.io/hashicorp/http-echo:1.0.0"
    assert container["securityContext"]["readOnlyRootFilesystem"] is True, "the global hardening"
    config = docs[("ConfigMap", "rel-tiny-web")]["data"]
    assert config["TINY_HOOK_URL"] == "http://rel-tiny-echo:5678"
    # The web server's egress for its webhook goes to the stand-in, on the plugin's port.
    egress = docs[("NetworkPolicy", "rel-tiny-web")]["spec"]["egress"]
    to_echo = [
        rule
        for rule in egress
        for peer in rule.get("to", ())
        if peer.get("podSelector", {}).get("matchLabels", {}).get("app.kubernetes.io/component")
        == "echo"
    ]
    assert [rule["ports"] for rule in to_echo] == [[{"port": 5678, "protocol": "TCP"}]]
    ingress = docs[("NetworkPolicy", "rel-tiny-echo")]["spec"]["ingress"]
    admitted = {
        p["podSelector"]["matchLabels"]["app.kubernetes.io/component"] for p in ingress[0]["from"]
    }
    assert admitted == {"web"}, "only the workload that uses a webhook reaches it"

    production = _render(helm, chart)
    assert not [key for key in production if key[1] == "rel-tiny-echo"]
    assert "TINY_HOOK_URL" not in production[("ConfigMap", "rel-tiny-web")]["data"]


# --------------------------------------------------------------------------------------------
# Wiring mistakes fail the build, naming what would be valid


def _with_wiring(*wiring: tuple[str, str], plugins: tuple[DevPlugin, ...] = ()) -> Any:
    assert LOOKOUT.dev is not None
    mode = dataclasses.replace(LOOKOUT.dev, wiring=LOOKOUT.dev.wiring + wiring, plugins=plugins)
    return dataclasses.replace(LOOKOUT, dev=mode)


def test_an_unknown_fact_names_the_plugins_facts() -> None:
    with pytest.raises(SpecError) as error:
        build_spec(_with_wiring(("smtp.host", "smtp.sender")))
    message = str(error.value)
    assert "'smtp.host'" in message and "maildev provides no 'smtp.sender'" in message
    assert "smtp.host, smtp.port, smtp.tls" in message


def test_a_fact_of_no_plugin_names_the_plugins() -> None:
    with pytest.raises(SpecError) as error:
        build_spec(_with_wiring(("smtp.host", "redis.url")))
    message = str(error.value)
    assert "no dev plugin stands in for 'redis'" in message
    assert "postgresql (postgresql.*), minio (s3.*), maildev (smtp.*)" in message
    assert "DevMode.plugins" in message


def test_a_secret_wired_to_a_plain_fact_fails() -> None:
    with pytest.raises(SpecError, match=r"is a secret but 's3\.uri' is a plain value"):
        build_spec(_with_wiring(("object_storage.secret_access_key", "s3.uri")))


class _Garage(DevPlugin):
    """Another S3 stand-in (values of MinIO's shape, for brevity)."""

    component = "garage"
    kind = "s3"
    port = 3900
    title = "Garage"
    values = DevMinio
    summary = "Garage (S3 API)."
    template = "garage.yaml.j2"

    def facts(self, mode: DevMode) -> Mapping[str, Fact]:
        return {**MINIO.facts(mode), "endpoint": self.service_url()}


def test_a_project_plugin_takes_the_place_of_chartgens_for_its_kind() -> None:
    wiring = build_spec(_with_wiring(plugins=(_Garage(),))).dev
    assert wiring is not None
    assert [p.component for p in wiring.plugins] == ["postgresql", "garage", "maildev"]
    endpoint = next(s for s in wiring.sources.values() if s.name == "s3.endpoint")
    assert (endpoint.plugin.component, endpoint.value.port) == ("garage", 3900)
