"""The chart's security boundary, on the real Helm 3 and Helm 4 renders.

1. checkov finds nothing but the waivers the chart README documents, and can fail.
2. Nothing calls home: every address a minimal install renders is in the cluster or was
   supplied by the operator; the defaults export no telemetry.
3. Each workload's NetworkPolicy allows exactly the calls, callers and endpoints the spec
   (chartgen.spec) derives from the app's settings models.
4. Values that would open or break the boundary fail, naming the key.
5. Every pod is hardened.

Expectations come from the spec, the chart's values.yaml, the example values files and the
README, never from a hand-written list of workloads or peers.
"""

from __future__ import annotations

import base64
import binascii
import copy
import functools
import ipaddress
import json
import re
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from lookout.chart import CHART as DECLARATION

from chartgen.model.spec import ChartSpec, WorkloadSpec, build_spec
from chartgen.readme import CHECKOV_WAIVERS
from chartgen.runtime.roles import Secret
from tests.helm import (
    CHART,
    DEV_JOBS,
    EXAMPLES,
    PRESETS,
    ROOT,
    Helm,
    RenderError,
    dev_components,
    dev_enabled,
    dev_image,
    dev_services,
    merge,
)

Doc = dict[str, Any]

# tests/helm.py renders release "rel" into namespace "obs".
NAMESPACE = "obs"
SPEC: ChartSpec = build_spec(DECLARATION)
DEFAULTS: dict[str, Any] = yaml.safe_load((CHART / "values.yaml").read_text())
SCHEMA: dict[str, Any] = json.loads((CHART / "values.schema.json").read_text())
APP_VERSION = str(yaml.safe_load((CHART / "Chart.yaml").read_text())["appVersion"])
README = CHART / "README.md"
MINIMAL = CHART / "ci" / "minimal-values.yaml"
CHECKOV = ROOT / ".tools" / "checkov" / "bin" / "checkov"
COMPONENT = "app.kubernetes.io/component"
POD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob")
MIN_ID = 10000
APP_WORKLOADS = {w.name for w in SPEC.workloads}
DEV = CHART / "ci" / "dev-values.yaml"

# checkov findings the chart does not fix: the generator's one list, which also writes the
# README's "Security checks (checkov)" table that the test below reads back.
WAIVED = CHECKOV_WAIVERS
SECURITY_HEADING = "### Security checks (checkov)"

example_params = pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
preset_params = pytest.mark.parametrize("preset", PRESETS)


# --- rendering, cached per Helm binary and xdist worker ---------------------------------------


@functools.cache
def _output(helm: Helm, values: tuple[Path, ...], sets: tuple[str, ...]) -> str:
    result = helm.run(*helm.template_args(list(values), list(sets)))
    if result.returncode != 0:
        raise RenderError(result.stderr)
    return result.stdout


@functools.cache
def _parsed(helm: Helm, values: tuple[Path, ...], sets: tuple[str, ...]) -> tuple[Doc, ...]:
    return tuple(d for d in yaml.safe_load_all(_output(helm, values, sets)) if d)


def output(helm: Helm, values: Sequence[Path], sets: Sequence[str] = ()) -> str:
    """Helm's raw stdout; fails the test with Helm's stderr when it cannot render."""
    try:
        return _output(helm, tuple(values), tuple(sets))
    except RenderError as error:
        names = [p.name for p in values]
        pytest.fail(f"{helm.name} failed to render {names} {list(sets)}:\n{error}")


def render(helm: Helm, values: Sequence[Path], sets: Sequence[str] = ()) -> list[Doc]:
    """Parsed manifests (a copy: tests may not spoil the cache)."""
    output(helm, values, sets)
    return copy.deepcopy(list(_parsed(helm, tuple(values), tuple(sets))))


# --- values -------------------------------------------------------------------------------------


def merged_values(*files: Path) -> dict[str, Any]:
    merged = copy.deepcopy(DEFAULTS)
    for path in files:
        merged = merge(merged, yaml.safe_load(path.read_text()) or {})
    return merged


def lookup(values: dict[str, Any], path: tuple[str, ...]) -> Any:
    node: Any = values
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def configured_kinds(workload: WorkloadSpec, values: dict[str, Any]) -> set[str]:
    """Endpoint kinds of a workload that these values turn on (a required endpoint always is).

    In dev mode the kinds a dev service stands in for are not among them: the release's own
    service is the peer (``dev_peers``), whatever the values say.
    """
    return {
        kind
        for kind, settings in workload.endpoints().items()
        if any(s.required or lookup(values, s.values_path) for s in settings)
    } - set(dev_services(values))


def dev_peers(workload: WorkloadSpec, values: dict[str, Any]) -> dict[str, list[Doc]]:
    """Dev component -> ports: the dev services standing in for the workload's endpoints."""
    return {
        service.component: tcp(service.port)
        for kind, service in dev_services(values).items()
        if kind in workload.endpoints()
    }


# --- manifest helpers ---------------------------------------------------------------------------


def ident(doc: Doc) -> str:
    return f"{doc['kind']}/{doc['metadata']['name']}"


def of_kind(docs: list[Doc], kind: str) -> list[Doc]:
    return [d for d in docs if d["kind"] == kind]


def pod_template(doc: Doc) -> Doc:
    spec = doc["spec"]
    if doc["kind"] == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    return spec["template"]


def pod_bearers(docs: list[Doc]) -> list[Doc]:
    return [d for d in docs if d["kind"] in POD_KINDS]


def containers(pod_spec: Doc) -> list[Doc]:
    return [*(pod_spec.get("initContainers") or []), *pod_spec["containers"]]


def pod_labels_by_workload(docs: list[Doc]) -> dict[str, dict[str, str]]:
    """Pod template labels of each workload, by its component label (= workload name)."""
    found: dict[str, dict[str, str]] = {}
    for doc in pod_bearers(docs):
        labels = pod_template(doc)["metadata"]["labels"]
        assert labels[COMPONENT] not in found, f"two workloads are {labels[COMPONENT]}"
        found[labels[COMPONENT]] = labels
    return found


def selects(selector: Doc, labels: dict[str, str]) -> bool:
    """Whether a label selector (matchLabels only, as the chart writes them) selects labels."""
    assert not selector.get("matchExpressions"), f"unexpected matchExpressions: {selector}"
    return selector.get("matchLabels", {}).items() <= labels.items()


# --- 1. checkov ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckovRun:
    passed: int
    failed: int
    skipped: int
    resources: int
    failures: tuple[str, ...]  # "check id  resource  file  (name)" of each failed check
    failed_ids: frozenset[str]
    checked: frozenset[str] = frozenset()  # resources some check ran on ("Kind.ns.name")


def run_checkov(directory: Path, quiet: bool = True) -> CheckovRun:
    """checkov over every manifest in `directory`, the waived checks skipped.

    Quiet, it reports failed checks only; otherwise passed ones too (``checked``).
    """
    if not CHECKOV.exists():
        pytest.fail(f"{CHECKOV} is missing: run `make tools` (make test does it)")
    command = [
        str(CHECKOV),
        *("-d", str(directory), "--framework", "kubernetes", "-o", "json"),
        *(("--quiet",) if quiet else ()),
        "--compact",
        # No call to the vendor's API for guidelines: the checks ship with checkov.
        "--skip-download",
        *("--skip-check", ",".join(sorted(WAIVED))),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    # 0: all passed, 1: some failed; anything else (or no JSON) means checkov itself broke.
    assert result.returncode in (0, 1), f"checkov exited {result.returncode}:\n{result.stderr}"
    try:
        parsed = json.loads(result.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"checkov printed no JSON:\n{result.stdout[:2000]}\n{result.stderr[:2000]}")
    reports = parsed if isinstance(parsed, list) else [parsed]
    failures: list[str] = []
    ids: set[str] = set()
    checked: set[str] = set()
    totals = dict.fromkeys(("passed", "failed", "skipped", "resource_count"), 0)
    for report in reports:
        summary = report.get("summary", report)
        for key in totals:
            totals[key] += int(summary.get(key, 0))
        for check in (report.get("results") or {}).get("passed_checks") or []:
            checked.add(str(check.get("resource")))
        for check in (report.get("results") or {}).get("failed_checks") or []:
            checked.add(str(check.get("resource")))
            ids.add(check["check_id"])
            failures.append(
                f"{check['check_id']}  {check.get('resource')}  {check.get('file_path')}"
                f"  ({check.get('check_name')})"
            )
    assert totals["failed"] == len(failures), f"summary and results disagree: {totals}"
    return CheckovRun(
        passed=totals["passed"],
        failed=totals["failed"],
        skipped=totals["skipped"],
        resources=totals["resource_count"],
        failures=tuple(sorted(failures)),
        failed_ids=frozenset(ids),
        checked=frozenset(checked),
    )


def readme_waivers() -> dict[str, str]:
    """Check ID -> reason, from the README's security table."""
    text = README.read_text()
    if SECURITY_HEADING not in text:
        pytest.fail(
            f"{README} has no {SECURITY_HEADING!r} section: it must list "
            f"each waived checkov check with its reason ({', '.join(sorted(WAIVED))}); "
            "chartgen/readme.py writes it"
        )
    section = text.split(SECURITY_HEADING, 1)[1]
    section = re.split(r"^#{1,3} ", section, maxsplit=1, flags=re.M)[0]
    rows = [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in section.splitlines()
        if line.lstrip().startswith("|")
    ]
    assert len(rows) >= 2, f"no table under {SECURITY_HEADING!r}"
    header, body = rows[0], [r for r in rows[1:] if not set("".join(r)) <= set("-: ")]
    reason_column = next(
        (i for i, h in enumerate(header) if re.search(r"why|reason", h, re.I)), len(header) - 1
    )
    waivers: dict[str, str] = {}
    for row in body:
        check = next((m.group(0) for c in row if (m := re.search(r"CKV2?_\w+", c))), None)
        assert check, f"row without a check ID under {SECURITY_HEADING!r}: {row}"
        assert check not in waivers, f"{check} listed twice in the README"
        waivers[check] = row[reason_column]
    return waivers


def test_waivers_are_few_and_documented_in_the_readme() -> None:
    assert 0 < len(WAIVED) <= 3, "at most 3 waived checkov checks"
    documented = readme_waivers()
    assert sorted(documented) == sorted(WAIVED), (
        f"README waives {sorted(documented)}, the test waives {sorted(WAIVED)}"
    )
    for check, reason in WAIVED.items():
        assert documented[check] == reason, (
            f"{check}: the README's reason differs from the test's:\n"
            f"  README: {documented[check]}\n  test:   {reason}"
        )


def test_checkov_finds_nothing_in_any_render(helm: Helm, tmp_path: Path) -> None:
    """Every preset x example, in one directory, scanned by one checkov run."""
    documents = 0
    for example in EXAMPLES:
        for preset in PRESETS:
            text = output(helm, [example], [f"preset={preset}"])
            (tmp_path / f"{example.stem}--{preset}.yaml").write_text(text)
            documents += len(_parsed(helm, (example,), (f"preset={preset}",)))
    run = run_checkov(tmp_path)
    assert not run.failures, (
        f"checkov ({helm.name}) failed {run.failed} check(s) that are not waived:\n  "
        + "\n  ".join(run.failures)
    )
    assert run.failed == 0
    # It really scanned the renders: every object is a resource (Pods of Deployments too).
    assert run.passed > 0, f"checkov passed no check: {run}"
    assert run.resources >= documents > 0, f"{run.resources} resources for {documents} objects"


BAD_DEPLOYMENT: Doc = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "careless", "namespace": NAMESPACE},
    "spec": {
        "selector": {"matchLabels": {"app": "careless"}},
        "template": {
            "metadata": {"labels": {"app": "careless"}},
            "spec": {
                "containers": [
                    {
                        "name": "app",
                        "image": "ghcr.io/acme/lookout:1.0.0",
                        "securityContext": {"privileged": True},
                    }
                ]
            },
        },
    },
}


def test_checkov_fails_a_careless_deployment(tmp_path: Path) -> None:
    """The same run, on a privileged Deployment without limits, must fail: the check can fail."""
    (tmp_path / "careless.yaml").write_text(yaml.safe_dump(BAD_DEPLOYMENT))
    run = run_checkov(tmp_path)
    assert run.failed > 0, f"checkov passed a privileged Deployment without limits: {run}"
    # Container should not be privileged; CPU and memory limits should be set.
    expected = {"CKV_K8S_16", "CKV_K8S_11", "CKV_K8S_13"}
    assert expected <= run.failed_ids, f"missing {expected - run.failed_ids} in {run.failures}"
    assert any("Deployment.obs.careless" in f for f in run.failures), run.failures


# --- 2. no call home ----------------------------------------------------------------------------

URL = re.compile(
    r"\b([a-z][a-z0-9+.-]*)://"  # scheme (http, https, s3, postgresql, ...)
    r"(?:[^\s/@'\"]*@)?"  # user:password@ of a DSN
    r"(\[[0-9a-f:.]+\]|[^\s/:?#'\",;\]\}@]+)"  # host
    r"(?::(\d{1,5}))?",
    re.I,
)
CIDR = re.compile(r"(?<![\w.:/])(\d{1,3}(?:\.\d{1,3}){3}/\d{1,2})(?![\w.])")
IPV4 = re.compile(r"(?<![\w.:/])(\d{1,3}(?:\.\d{1,3}){3})(?![\w./])")
HOST_PORT = re.compile(r"(?<![\w.@/:-])((?:[a-z0-9-]+\.)*[a-z][a-z0-9-]*):(\d{1,5})(?![\w.])", re.I)
HOSTNAME = re.compile(
    r"(?<![\w.-])((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+([a-z]{2,24}))(?![\w-]|\.\w)", re.I
)
# Dotted names that are files, not hosts.
FILE_SUFFIXES = {
    "json", "yaml", "yml", "txt", "py", "toml", "tpl", "conf", "cfg", "ini", "log", "pem", "crt",
    "key", "html", "css", "js", "md", "sql", "csv", "env",
}  # fmt: skip


@dataclass(frozen=True)
class Address:
    form: str  # url, host:port, hostname, cidr, ip
    host: str  # host name or IP; the network for a CIDR
    text: str  # as found
    where: str


def addresses(text: str, where: str) -> Iterator[Address]:
    """Every address in a string: URLs and DSNs, host:port, dotted host names, CIDRs, IPs."""
    for match in URL.finditer(text):
        yield Address("url", match.group(2).strip("[]").lower(), match.group(0), where)
    for match in HOST_PORT.finditer(text):
        yield Address("host:port", match.group(1).lower(), match.group(0), where)
    for match in HOSTNAME.finditer(text):
        if match.group(2).lower() not in FILE_SUFFIXES:
            yield Address("hostname", match.group(1).lower(), match.group(0), where)
    for match in CIDR.finditer(text):
        network = ipaddress.ip_network(match.group(1), strict=False)
        yield Address("cidr", str(network), match.group(1), where)
    for match in IPV4.finditer(text):
        yield Address("ip", str(ipaddress.ip_address(match.group(1))), match.group(1), where)


def strings(node: Any, where: str) -> Iterator[tuple[str, str]]:
    """Every string (and number) in a YAML tree, with where it is."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from strings(value, f"{where}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from strings(value, f"{where}[{index}]")
    elif isinstance(node, str | int | float) and not isinstance(node, bool):
        yield str(node), where


def decoded(value: str) -> str:
    try:
        return base64.b64decode(value, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return value


def rendered_addresses(docs: list[Doc]) -> list[Address]:
    """Addresses in ConfigMap data, Secret data, container env/args/command, NetworkPolicy CIDRs."""
    found: list[Address] = []

    def scan(text: str, where: str) -> None:
        found.extend(addresses(text, where))

    for doc in docs:
        name = ident(doc)
        if doc["kind"] == "ConfigMap":
            for key, value in (doc.get("data") or {}).items():
                scan(str(value), f"{name} data.{key}")
        elif doc["kind"] == "Secret":
            for key, value in (doc.get("data") or {}).items():
                scan(decoded(str(value)), f"{name} data.{key}")
            for key, value in (doc.get("stringData") or {}).items():
                scan(str(value), f"{name} stringData.{key}")
        elif doc["kind"] == "NetworkPolicy":
            for direction, side in (("egress", "to"), ("ingress", "from")):
                for i, rule in enumerate(doc["spec"].get(direction) or []):
                    for peer in rule.get(side) or []:
                        block = peer.get("ipBlock")
                        if block:
                            for cidr in [block["cidr"], *(block.get("except") or [])]:
                                scan(cidr, f"{name} {direction}[{i}] ipBlock")
        if doc["kind"] in POD_KINDS:
            for container in containers(pod_template(doc)["spec"]):
                where = f"{name} container {container['name']}"
                env = {
                    v["name"]: str(v["value"]) for v in container.get("env") or [] if "value" in v
                }
                for var, value in env.items():
                    scan(value, f"{where} env {var}")
                for field in ("command", "args"):
                    for arg in container.get(field) or []:
                        scan(shell_expanded(str(arg), env), f"{where} {field}")
    return found


def shell_expanded(text: str, env: dict[str, str]) -> str:
    """``${NAME}`` replaced by the container's literal env value, as a shell command sees it."""
    return re.sub(r"\$\{(\w+)\}", lambda m: env.get(m[1], m[0]), text)


def in_cluster(host: str, services: set[str]) -> bool:
    """The release's own Services, cluster DNS names, the loopback."""
    host = host.rstrip(".")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    first, _, rest = host.partition(".")
    namespaced = (NAMESPACE, f"{NAMESPACE}.svc", f"{NAMESPACE}.svc.cluster.local")
    if host in services or (first in services and rest in namespaced):
        return True
    return host.endswith((".svc", ".cluster.local"))


def supplied_addresses(*files: Path) -> list[Address]:
    """What the operator supplied: every address in their values files."""
    return [
        address
        for path in files
        for text, where in strings(yaml.safe_load(path.read_text()) or {}, path.name)
        for address in addresses(text, where)
    ]


def foreign_addresses(docs: list[Doc], *files: Path) -> list[Address]:
    """Rendered addresses neither in the cluster nor supplied in `files`."""
    services = {d["metadata"]["name"] for d in of_kind(docs, "Service")}
    supplied = {a.host for a in supplied_addresses(*files)}
    return [
        a
        for a in rendered_addresses(docs)
        if a.host not in supplied and not in_cluster(a.host, services)
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://login.example.com/realms/x", {("url", "login.example.com")}),
        ("postgresql://u:p@db.example.com:5432/x", {("url", "db.example.com")}),
        ("http://rel-lookout-query:8081", {("url", "rel-lookout-query")}),
        ("smtp.example.com:465", {("host:port", "smtp.example.com")}),
        ("ops@example.com", {("hostname", "example.com")}),
        ("10.20.2.10/32", {("cidr", "10.20.2.10/32")}),
        ("peer 192.0.2.7 ok", {("ip", "192.0.2.7")}),
        ("0.25", set()),
        ("30 2 * * *", set()),
        ('{"alert":15,"export":1200}', set()),
        ("welcome.json", set()),
        ("/run/secrets/lookout", set()),
    ],
)
def test_address_finder(text: str, expected: set[tuple[str, str]]) -> None:
    found = {(a.form, a.host) for a in addresses(text, "here")}
    if not expected:
        assert not found
        return
    # A URL's host is also a dotted host name: that second finding is allowed, no other.
    assert expected <= found
    assert {form for form, _ in found} <= {form for form, _ in expected} | {"hostname"}, found


def test_minimal_install_reaches_only_the_cluster_and_the_operators_peers(helm: Helm) -> None:
    docs = render(helm, [MINIMAL])
    found = rendered_addresses(docs)
    # The finder sees what it must: the operator's URLs and the chart's own calls.
    operator_urls = {a.host for a in supplied_addresses(MINIMAL) if a.form == "url"}
    assert operator_urls and operator_urls <= {a.host for a in found}, (operator_urls, found)
    services = {d["metadata"]["name"] for d in of_kind(docs, "Service")}
    assert any(a.host in services for a in found), f"no call to the release's {services} found"
    foreign = foreign_addresses(docs, MINIMAL)
    assert not foreign, f"{helm.name}: addresses nobody configured:\n" + "\n".join(
        f"  {a.text!r} ({a.form}) in {a.where}" for a in foreign
    )


def test_dev_install_reaches_only_the_release(helm: Helm) -> None:
    """Dev mode: the app talks to the release's own PostgreSQL, MinIO and MailDev; no address
    nobody configured renders, and no pod may reach anything outside the release but DNS."""
    docs = render(helm, [DEV])
    values = merged_values(DEV)
    stand_ins = dev_services(values)
    assert stand_ins, f"{DEV.name} turns on no dev service"
    services = {
        s["spec"]["selector"][COMPONENT]: s["metadata"]["name"] for s in of_kind(docs, "Service")
    }
    hosts = {a.host for a in rendered_addresses(docs)}
    # The finder sees the wiring: the DSN names the dev PostgreSQL, the S3 endpoint MinIO.
    for kind in ("postgresql", "s3"):
        assert services[stand_ins[kind].component] in hosts, (kind, sorted(hosts))
    # The S3 URI names the bucket MinIO holds (DevMode.bucket), not a host: the endpoint is
    # the release's MinIO, found above.
    assert DECLARATION.dev is not None
    bucket = f"s3://{DECLARATION.dev.bucket}"
    foreign = [
        a for a in foreign_addresses(docs, DEV) if not (a.form == "url" and a.text == bucket)
    ]
    assert not foreign, f"{helm.name}: addresses nobody configured:\n" + "\n".join(
        f"  {a.text!r} ({a.form}) in {a.where}" for a in foreign
    )
    dns = values["networkPolicy"]["dns"]
    dns_peer = {"namespaceSelector": dns["namespaceSelector"], "podSelector": dns["podSelector"]}
    outside: list[str] = []
    for policy in of_kind(docs, "NetworkPolicy"):
        for index, rule in enumerate(policy["spec"].get("egress") or []):
            for peer in rule.get("to") or [{"(everywhere)": True}]:
                if peer != dns_peer and in_release_peer(peer) is None:
                    outside.append(f"{ident(policy)} egress[{index}]: {peer}")
    assert not outside, "egress beyond the release and DNS:\n  " + "\n  ".join(outside)


@example_params
def test_dev_service_policies_admit_exactly_their_users(helm: Helm, example: Path) -> None:
    """Each dev service admits, on its one endpoint port, exactly the workloads whose settings
    use its endpoint kind (from the spec), plus its own helper Job; it reaches nothing. The
    helper Job reaches DNS and its service only."""
    docs = render(helm, [example])
    values = merged_values(example)
    pods = pod_labels_by_workload(docs)
    assert set(pods) - APP_WORKLOADS == dev_components(values)
    dns = values["networkPolicy"]["dns"]
    for kind, service in dev_services(values).items():
        users = {w.name for w in SPEC.workloads if kind in w.endpoints()}
        if service.component in DEV_JOBS:
            users.add(DEV_JOBS[service.component])
        policy = policy_of(docs, service.component)
        spec = policy["spec"]
        where = f"{helm.name} {example.name} {ident(policy)}"
        assert sorted(spec.get("policyTypes") or []) == ["Egress", "Ingress"], where
        assert not spec.get("egress"), f"{where}: a dev service reaches nothing"
        [rule] = spec.get("ingress") or [{}]
        admitted = set()
        for peer in rule.get("from") or []:
            component = in_release_peer(peer)
            assert component is not None, f"{where}: admits {peer}"
            assert selects(peer["podSelector"], pods[component]), where
            admitted.add(component)
        assert admitted == users, f"{where}: admits {sorted(admitted)}, users {sorted(users)}"
        assert sorted_ports(rule) == tcp(service.port), where

        job = DEV_JOBS.get(service.component)
        if job is None:
            continue
        spec = policy_of(docs, job)["spec"]
        assert sorted(spec.get("policyTypes") or []) == ["Egress", "Ingress"], job
        assert not spec.get("ingress"), f"{job}: nothing calls it"
        egress = {
            in_release_peer(r["to"][0]) or "dns": (r["to"], sorted_ports(r)) for r in spec["egress"]
        }
        assert egress == {
            "dns": (
                [
                    {
                        "namespaceSelector": dns["namespaceSelector"],
                        "podSelector": dns["podSelector"],
                    }
                ],
                [{"port": 53, "protocol": "TCP"}, {"port": 53, "protocol": "UDP"}],
            ),
            service.component: (
                [{"podSelector": {"matchLabels": selector_of(pods[service.component])}}],
                tcp(service.port),
            ),
        }, job


def test_egress_cidrs_are_exactly_the_operators(helm: Helm) -> None:
    docs = render(helm, [MINIMAL])
    rendered = {a.host for a in rendered_addresses(of_kind(docs, "NetworkPolicy"))}
    supplied = {a.host for a in supplied_addresses(MINIMAL) if a.form == "cidr"}
    assert supplied, "minimal-values.yaml lists no CIDR: the check would prove nothing"
    assert rendered == supplied, f"egress to {sorted(rendered)}, values list {sorted(supplied)}"


# The required values, none of them an optional endpoint; nothing else set.
REQUIRED_ONLY: dict[str, Any] = {
    "instance": {"publicUrl": "https://lookout.example.com"},
    "admin": {"email": "ops@example.com"},
    "database": {"dsn": "postgresql://lookout:pw@db.example.com:5432/lookout"},
    "objectStorage": {"uri": "s3://example-bucket/lookout"},
    "auth": {"encryptionKey": "3q2-7wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="},
    "networkPolicy": {"enabled": False},
}


def required_settings() -> set[tuple[str, ...]]:
    """Values the operator must set: required, and not a secret the chart generates."""
    return {
        s.values_path
        for w in SPEC.workloads
        for s in w.settings
        if s.exposed and s.required and not (isinstance(s.role, Secret) and s.role.generate)
    }


def test_defaults_export_nothing(helm: Helm, tmp_path: Path) -> None:
    """Defaults plus the required values: no optional outbound setting, no telemetry export."""
    given = {(section, key) for section, keys in REQUIRED_ONLY.items() for key in keys} - {
        ("networkPolicy", "enabled")
    }
    assert given == required_settings(), "REQUIRED_ONLY must set exactly the required values"
    values = tmp_path / "required-only.yaml"
    values.write_text(yaml.safe_dump(REQUIRED_ONLY))
    docs = render(helm, [values])
    optional = [s for kind in SPEC.endpoint_kinds().values() for s in kind if not s.required]
    assert optional, "the spec declares no optional endpoint"
    configmaps = of_kind(docs, "ConfigMap")
    assert configmaps
    for doc in configmaps:
        data = doc.get("data") or {}
        rendered = sorted(s.env for s in optional if s.env in data)
        assert not rendered, f"{ident(doc)} sets optional endpoint(s) by default: {rendered}"
        otlp = {k: v for k, v in data.items() if "otlp" in f"{k}={v}".lower()}
        assert not otlp, f"{ident(doc)}: telemetry export configured by default: {otlp}"
    for doc in pod_bearers(docs):
        for container in containers(pod_template(doc)["spec"]):
            names = {var["name"] for var in container.get("env") or []}
            assert not names & {s.env for s in optional}, f"{ident(doc)} sets {names}"
    foreign = foreign_addresses(docs, values)
    assert not foreign, "\n".join(f"  {a.text!r} in {a.where}" for a in foreign)
    assert not of_kind(docs, "NetworkPolicy")


# --- 3. NetworkPolicy peers equal the calls -----------------------------------------------------


def in_release_peer(peer: Doc) -> str | None:
    """The component a peer selects, when it is a pod of this release (same namespace)."""
    if set(peer) != {"podSelector"}:
        return None
    return peer["podSelector"].get("matchLabels", {}).get(COMPONENT)


def selector_of(labels: dict[str, str]) -> dict[str, str]:
    """A pod's selector labels: the chart selects by name, instance and component."""
    keys = ("app.kubernetes.io/name", "app.kubernetes.io/instance", COMPONENT)
    return {key: labels[key] for key in keys}


def tcp(*ports: int | str) -> list[Doc]:
    return sorted(({"port": p, "protocol": "TCP"} for p in ports), key=lambda p: str(p["port"]))


def sorted_ports(rule: Doc) -> list[Doc]:
    return sorted(rule.get("ports") or [], key=lambda p: (str(p["port"]), p.get("protocol", "TCP")))


def policy_of(docs: list[Doc], workload: str) -> Doc:
    """The one NetworkPolicy selecting this workload's pods and no other workload's."""
    pods = pod_labels_by_workload(docs)
    others = [labels for name, labels in pods.items() if name != workload]
    own = [
        p
        for p in of_kind(docs, "NetworkPolicy")
        if selects(p["spec"]["podSelector"], pods[workload])
        and not any(selects(p["spec"]["podSelector"], labels) for labels in others)
    ]
    assert len(own) == 1, f"{workload}: {len(own)} NetworkPolicies select only its pods"
    return own[0]


@example_params
def test_each_workload_policy_allows_exactly_its_calls(helm: Helm, example: Path) -> None:
    docs = render(helm, [example])
    values = merged_values(example)
    network = values["networkPolicy"]
    pods = pod_labels_by_workload(docs)
    assert set(pods) == APP_WORKLOADS | dev_components(values)
    for workload in SPEC.workloads:
        name = workload.name
        policy = policy_of(docs, name)
        spec = policy["spec"]
        where = f"{helm.name} {example.name} {ident(policy)}"
        assert sorted(spec.get("policyTypes") or []) == ["Egress", "Ingress"], where

        # Ingress: the workloads calling this one, on the called port; the ingress controller
        # exactly when the declaration routes public paths here.
        callers: dict[str, list[Doc]] = {}
        controller: list[Doc] = []
        clients: list[Doc] = []
        for rule in spec.get("ingress") or []:
            peers = rule.get("from") or []
            assert peers, f"{where}: an ingress rule without `from` admits everyone"
            if (component := in_release_peer(peers[0])) and len(peers) == 1:
                assert component not in callers, f"{where}: two ingress rules for {component}"
                assert selects(peers[0]["podSelector"], pods[component]), where
                callers[component] = sorted_ports(rule)
            elif peers == [
                {
                    "namespaceSelector": network["ingressController"]["namespaceSelector"],
                    "podSelector": network["ingressController"]["podSelector"],
                }
            ]:
                controller.append(rule)
            elif peers == [
                {
                    "namespaceSelector": network["clients"]["namespaceSelector"],
                    "podSelector": network["clients"]["podSelector"],
                }
            ]:
                clients.append(rule)
            else:
                pytest.fail(f"{where}: unexpected ingress rule {rule}")
        expected_callers = {
            caller: tcp(*{workload.port(port) for c, port in SPEC.callers(name) if c == caller})
            for caller, _ in SPEC.callers(name)
        }
        assert callers == expected_callers, where
        # Its Service's extraPorts are client ports too (e.g. a sidecar's).
        extra = values[name].get("service", {}).get("extraPorts", [])
        client_ports = {p.number for p in workload.decl.ports if p.clients}
        client_ports |= {port.get("targetPort", port["port"]) for port in extra}
        if client_ports:
            assert len(clients) == 1, f"{where}: needs one rule for in-cluster clients"
            assert sorted_ports(clients[0]) == tcp(*client_ports), where
        else:
            assert not clients, f"{where}: admits in-cluster clients on no client port"
        if workload.decl.ingress and values["ingress"]["enabled"]:
            assert len(controller) == 1, f"{where}: needs one ingress-controller rule"
            public = {workload.port(path.port) for path in workload.decl.ingress}
            assert sorted_ports(controller[0]) == tcp(*public), where
        else:
            assert not controller, f"{where}: admits the ingress controller but serves no Ingress"

        # Egress: DNS, the workloads it calls, one rule per configured endpoint kind.
        dns: list[Doc] = []
        calls: dict[str, list[Doc]] = {}
        blocks: list[tuple[list[str], list[Doc], list[Doc]]] = []
        for rule in spec.get("egress") or []:
            peers = rule.get("to") or []
            assert peers, f"{where}: an egress rule without `to` allows everywhere"
            if (component := in_release_peer(peers[0])) and len(peers) == 1:
                assert component not in calls, f"{where}: two egress rules for {component}"
                assert selects(peers[0]["podSelector"], pods[component]), where
                calls[component] = sorted_ports(rule)
            elif peers == [
                {
                    "namespaceSelector": network["dns"]["namespaceSelector"],
                    "podSelector": network["dns"]["podSelector"],
                }
            ]:
                dns.append(rule)
            elif in_release_peer(peers[0]) is None:
                # An endpoint: its CIDRs as ipBlocks, then the selector peers from values.
                cidrs = [p["ipBlock"]["cidr"] for p in peers if set(p) == {"ipBlock"}]
                assert all(not p["ipBlock"].get("except") for p in peers if "ipBlock" in p)
                others = [p for p in peers if set(p) != {"ipBlock"}]
                blocks.append((sorted(cidrs), others, sorted_ports(rule)))
            else:
                pytest.fail(f"{where}: unexpected egress rule {rule}")
        assert len(dns) == 1, f"{where}: needs one DNS rule"
        assert sorted_ports(dns[0]) == [
            {"port": 53, "protocol": "TCP"},
            {"port": 53, "protocol": "UDP"},
        ], where
        expected_calls = {
            target: tcp(*{SPEC.workload(target).port(p) for t, p in workload.calls if t == target})
            for target, _ in workload.calls
        }
        # In dev mode, the release's own service for each endpoint kind it stands in for.
        expected_calls |= dev_peers(workload, values)
        assert calls == expected_calls, where
        kinds = configured_kinds(workload, values)
        expected_blocks = [
            (
                sorted(network["egress"][kind]["cidrs"]),
                network["egress"][kind]["peers"],
                tcp(*network["egress"][kind]["ports"]),
            )
            for kind in kinds
        ]
        key = repr
        assert sorted(blocks, key=key) == sorted(expected_blocks, key=key), (
            f"{where}: endpoint rules should be those of {sorted(kinds)}"
        )


@example_params
def test_release_wide_default_deny(helm: Helm, example: Path) -> None:
    docs = render(helm, [example])
    pods = pod_labels_by_workload(docs).values()
    deny = [
        p
        for p in of_kind(docs, "NetworkPolicy")
        if all(selects(p["spec"]["podSelector"], labels) for labels in pods)
    ]
    assert len(deny) == 1, f"{len(deny)} policies select every pod of the release"
    spec = deny[0]["spec"]
    assert sorted(spec["policyTypes"]) == ["Egress", "Ingress"]
    assert not spec.get("ingress") and not spec.get("egress"), f"{ident(deny[0])} allows {spec}"
    # It selects this release only, not every pod of the namespace.
    assert spec["podSelector"].get("matchLabels", {}).get("app.kubernetes.io/instance") == "rel"


@example_params
def test_policies_can_be_turned_off(helm: Helm, example: Path) -> None:
    assert of_kind(render(helm, [example]), "NetworkPolicy")
    docs = render(helm, [example], ["networkPolicy.enabled=false"])
    assert not of_kind(docs, "NetworkPolicy")


@pytest.mark.parametrize("example", [MINIMAL, DEV], ids=[MINIMAL.stem, DEV.stem])
def test_every_service_port_is_admitted_by_its_workloads_policy(helm: Helm, example: Path) -> None:
    """Every app Service port is admitted; a dev service admits its endpoint port only (its
    web consoles are for `kubectl port-forward`, which no NetworkPolicy governs)."""
    docs = render(helm, [example])
    pods = pod_labels_by_workload(docs)
    values = merged_values(example)
    stand_ins = {s.component: s for s in dev_services(values).values()}
    dead: list[str] = []
    for service in of_kind(docs, "Service"):
        component = service["spec"]["selector"][COMPONENT]
        if component in APP_WORKLOADS and not values["ingress"]["enabled"]:
            # Without an Ingress, a port only the controller would use is for port-forward
            # (NOTES says so; test_operability). Only if no workload or client calls it.
            workload = SPEC.workload(component)
            called = {workload.port(p) for _, p in SPEC.callers(component)}
            clients = {p.number for p in workload.decl.ports if p.clients}
            public = {workload.port(path.port) for path in workload.decl.ingress}
            forwarded = public - called - clients
        else:
            forwarded = set()
        rules = policy_of(docs, component)["spec"].get("ingress") or []
        admitted = {p["port"] for rule in rules for p in rule.get("ports") or []}
        assert selects({"matchLabels": service["spec"]["selector"]}, pods[component])
        for port in service["spec"]["ports"]:
            number = target_port(docs, component, port["targetPort"])
            if component in stand_ins:
                expected = number == stand_ins[component].port
                assert (number in admitted) == expected, f"{ident(service)} {port}"
            elif number not in admitted and number not in forwarded:
                dead.append(f"{ident(service)} port {port['name']} ({number})")
    assert not dead, "Service ports no NetworkPolicy admits:\n  " + "\n  ".join(dead)


def target_port(docs: list[Doc], component: str, target: int | str) -> int:
    """The port number a Service's targetPort means: the spec's for the app's workloads, the
    rendered container port for a dev service's pods."""
    if isinstance(target, int):
        return target
    if component in APP_WORKLOADS:
        return SPEC.workload(component).port(target)
    [doc] = [
        d
        for d in pod_bearers(docs)
        if pod_template(d)["metadata"]["labels"][COMPONENT] == component
    ]
    ports = {
        p["name"]: p["containerPort"]
        for c in pod_template(doc)["spec"]["containers"]
        for p in c.get("ports") or []
    }
    return ports[target]


# --- 4. bad values ------------------------------------------------------------------------------


def names_key(stderr: str, path: str) -> bool:
    """Whether stderr names the values key, as a.b.c (Helm 3, the chart) or /a/b/c (Helm 4)."""
    dotted = re.escape(path)
    pointer = re.escape("/" + path.replace(".", "/"))
    return bool(re.search(rf"(?<![\w./]){dotted}(?![\w-])|(?<![\w/]){pointer}(?![\w-])", stderr))


@dataclass(frozen=True)
class BadCase:
    key: str
    sets: tuple[str, ...] = ()
    file: Doc | None = None  # a values file on top of minimal-values.yaml
    schema: bool = False  # the values schema alone rejects it


BAD = {
    "production-without-encryption-key": BadCase("auth.encryptionKey", ("auth.existingSecret=",)),
    "endpoint-cidrs-null": BadCase(
        "networkPolicy.egress.oidc.cidrs", ("networkPolicy.egress.oidc.cidrs=null",)
    ),
    "endpoint-cidrs-empty": BadCase(
        "networkPolicy.egress.oidc.cidrs",
        file={"networkPolicy": {"egress": {"oidc": {"cidrs": []}}}},
    ),
    "cidr-without-prefix": BadCase(
        "networkPolicy.egress.oidc.cidrs",
        file={"networkPolicy": {"egress": {"oidc": {"cidrs": ["10.0.0.0"]}}}},
        schema=True,
    ),
}


@pytest.mark.parametrize("case", BAD.values(), ids=BAD.keys())
def test_bad_values_fail_naming_the_key(helm: Helm, tmp_path: Path, case: BadCase) -> None:
    files = [MINIMAL]
    if case.file is not None:
        files.append(tmp_path / "bad.yaml")
        files[-1].write_text(yaml.safe_dump(case.file))
    overrides: dict[str, Any] = {}
    for item in case.sets:
        key, _, raw = item.partition("=")
        node: dict[str, Any] = overrides
        *parents, leaf = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = None if raw == "null" else raw
    values = merge(merged_values(*files), overrides)
    schema_errors = [
        ".".join(map(str, e.absolute_path))
        for e in jsonschema.Draft7Validator(SCHEMA).iter_errors(values)
    ]
    if case.schema:
        assert any(e.startswith(case.key) for e in schema_errors), schema_errors
    else:
        # The schema cannot express these: the chart's own checks must catch them.
        assert not schema_errors, schema_errors

    result = helm.run(*helm.template_args(files, list(case.sets)))
    assert result.returncode != 0, f"{helm.name} accepted {case}"
    assert "kind:" not in result.stdout, "manifests printed despite the failure"
    assert names_key(result.stderr, case.key), f"{case.key} not named in:\n{result.stderr}"
    others = [k for k in SPEC.endpoint_kinds() if k != "oidc"]
    assert not any(names_key(result.stderr, f"networkPolicy.egress.{k}.cidrs") for k in others)
    if case.key == "auth.encryptionKey":
        command = [line for line in result.stderr.splitlines() if "kubectl" in line]
        assert any("create secret" in line for line in command), result.stderr
        assert any(NAMESPACE in line for line in command), result.stderr
        # The hint's Secret holds every key the section's existingSecret needs: with it, no
        # pod waits for a key the chart would otherwise have generated (auth.jwtSecret).
        (hint,) = [line for line in command if "create secret" in line]
        keys = set(re.findall(r"--from-literal=([A-Za-z0-9.]+)=", hint))
        assert keys == {"encryptionKey", "jwtSecret"}, hint


OIDC_CIDRS = "networkPolicy.egress.oidc.cidrs"


@pytest.mark.parametrize(
    ("stderr", "path", "expected"),
    [
        ("- networkPolicy.egress.oidc.cidrs.0: Does not match", OIDC_CIDRS, True),
        ("- at '/networkPolicy/egress/oidc/cidrs/0': no", OIDC_CIDRS, True),
        ("  networkPolicy.egress.oidc.cidrs: required", OIDC_CIDRS, True),
        ("  networkPolicy.egress.smtp.cidrs: required", OIDC_CIDRS, False),
        ("  networkPolicy.egress.oidc.cidrsX: required", OIDC_CIDRS, False),
        ("  auth.encryptionKey: required", "auth.encryptionKey", True),
        ("  auth.encryptionKeys: x", "auth.encryptionKey", False),
        ("  xauth.encryptionKey", "auth.encryptionKey", False),
    ],
)
def test_names_key(stderr: str, path: str, expected: bool) -> None:
    assert names_key(stderr, path) is expected


# --- 5. hardened pods ---------------------------------------------------------------------------


def expected_image(values: dict[str, Any]) -> str:
    image = values["image"]
    reference = f"{image['registry']}/{image['repository']}:{image['tag'] or APP_VERSION}"
    return f"{reference}@{image['digest']}" if image["digest"] else reference


def expected_images(doc: Doc, values: dict[str, Any]) -> dict[str, str]:
    """Container name -> image: the app's, but dev services' (and their waiters') and the
    operator's containers their own."""
    component = pod_template(doc)["metadata"]["labels"][COMPONENT]
    pod = pod_template(doc)["spec"]
    if component not in APP_WORKLOADS:
        return {c["name"]: dev_image(values, component) for c in containers(pod)}
    images = {c["name"]: expected_image(values) for c in containers(pod)}
    # The operator's own containers (initContainers, sidecars) run the images they name.
    for key in ("initContainers", "sidecars"):
        images.update({c["name"]: c["image"] for c in values[component].get(key) or []})
    # The migrations Job waits for the dev PostgreSQL with that server's own pg_isready.
    for init in pod.get("initContainers") or []:
        if dev_enabled(values) and init["name"] == "wait-for-postgresql":
            images[init["name"]] = dev_image(values, "postgresql")
    return images


@example_params
@preset_params
def test_pods_are_hardened(helm: Helm, example: Path, preset: str) -> None:
    docs = render(helm, [example], [f"preset={preset}"])
    values = merged_values(example)
    problems: list[str] = []

    def require(ok: bool, where: str, what: str) -> None:
        if not ok:
            problems.append(f"{where}: {what}")

    for doc in docs:
        require(doc["metadata"].get("namespace") == NAMESPACE, ident(doc), "namespace")
    for account in of_kind(docs, "ServiceAccount"):
        require(
            account.get("automountServiceAccountToken") is False,
            ident(account),
            "automountServiceAccountToken: false",
        )
    bearers = pod_bearers(docs)
    assert {pod_template(d)["metadata"]["labels"][COMPONENT] for d in bearers} == (
        APP_WORKLOADS | dev_components(values)
    )
    for doc in bearers:
        pod = pod_template(doc)["spec"]
        where = ident(doc)
        images = expected_images(doc, values)
        context = pod.get("securityContext") or {}
        require(pod.get("automountServiceAccountToken") is False, where, "automount token")
        require(context.get("runAsNonRoot") is True, where, "runAsNonRoot")
        for key in ("runAsUser", "runAsGroup", "fsGroup"):
            require(int(context.get(key) or 0) >= MIN_ID, where, f"{key} >= {MIN_ID}")
        require(
            (context.get("seccompProfile") or {}).get("type") == "RuntimeDefault", where, "seccomp"
        )
        for container in containers(pod):
            at = f"{where} container {container['name']}"
            security = container.get("securityContext") or {}
            require(security.get("readOnlyRootFilesystem") is True, at, "readOnlyRootFilesystem")
            require(security.get("allowPrivilegeEscalation") is False, at, "no escalation")
            require(security.get("privileged") in (None, False), at, "not privileged")
            require((security.get("capabilities") or {}).get("drop") == ["ALL"], at, "drop ALL")
            require(not (security.get("capabilities") or {}).get("add"), at, "adds capabilities")
            for key in ("runAsUser", "runAsGroup"):
                if key in security:
                    require(int(security[key]) >= MIN_ID, at, f"{key} >= {MIN_ID}")
            resources = container.get("resources") or {}
            for bound in ("requests", "limits"):
                for name in ("cpu", "memory", "ephemeral-storage"):
                    require(bool((resources.get(bound) or {}).get(name)), at, f"{bound}.{name}")
            image = images[container["name"]]
            require(container.get("image") == image, at, f"image {container.get('image')}")
            if values["image"]["digest"] and image == expected_image(values):
                require("@sha256:" in container.get("image", ""), at, "image digest")
        # Long-running containers are probed (init containers run to completion instead).
        if doc["kind"] in ("Deployment", "StatefulSet"):
            for container in pod["containers"]:
                for probe in ("livenessProbe", "readinessProbe"):
                    require(bool(container.get(probe)), f"{where} {container['name']}", probe)
    assert not problems, f"{helm.name} {example.name} preset={preset}:\n  " + "\n  ".join(problems)
