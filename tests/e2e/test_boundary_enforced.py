"""The boundary, enforced: the cluster runs a NetworkPolicy engine (kube-router's firewall
controller, cluster/up.sh), so the dev install's NetworkPolicies filter for real. On both Helm
lines, TCP connections are tried FROM INSIDE every lookout workload's pod (``kubectl exec``,
the image's Python, a short connect timeout) and from pods in two other namespaces, to the
release's pods' addresses (what the policies filter) and to two Services outside it:

- a server in another namespace (the outside world) answers a pod of its own namespace, and
  no lookout pod (nor does the Kubernetes API, which an unselected pod reaches);
- the dev PostgreSQL, MinIO and MailDev answer exactly the workloads the chart README's
  "Outbound connections" table says use them, and the workloads reach each other only where
  the app calls (frontend -> api, api -> query, worker -> api); every name resolves (DNS);
- from other namespaces only what the policies open: the ingress controller's namespace
  (``networkPolicy.ingressController``) reaches the api and the frontend, any namespace the
  ingest ports (``networkPolicy.clients``), nothing reaches query or the dev services.

Every "blocked" below is a connection that succeeds without the engine (a plain bridge
forwards everything), and every port involved answers someone (the "open" cells), so a
blocked cell is the policy and not a closed port."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.e2e.kube import (
    CHART,
    DEV_VALUES,
    IMAGES_VALUES,
    Release,
    kubectl,
    new_name,
    restricted_namespace,
    restricted_pod,
)

pytestmark = pytest.mark.e2e

CONNECT_SECONDS = 3
SERVER_PORT = 8080
WORKLOADS = ("api", "frontend", "ingest", "query", "worker", "scheduler")

# What each workload may open: the README's "Outbound connections" table (dev mode: the
# release's own postgresql, minio and maildev) and the app's calls between its workloads.
# Everything else a lookout pod tries below must be blocked.
USES = {
    "api": {"postgresql:5432", "minio:9000", "query:8081"},
    "frontend": {"api:8080"},
    "ingest": {"postgresql:5432", "minio:9000"},
    "query": {"postgresql:5432", "minio:9000"},
    "worker": {"postgresql:5432", "minio:9000", "maildev:1025", "api:8080"},
    "scheduler": {"postgresql:5432", "minio:9000"},
}
# The release's ports: its workloads' and its dev services'.
RELEASE_PORTS = (
    "api:8080",
    "frontend:3000",
    "ingest:4318",
    "query:8081",
    "postgresql:5432",
    "minio:9000",
    "maildev:1025",
)
# From another namespace: the ingress controller's may reach the public URL's paths (api,
# frontend, ingest http); any namespace the client-facing ingest ports.
FROM_CONTROLLER = {"api:8080", "frontend:3000", "ingest:4318"}
FROM_ELSEWHERE = {"ingest:4318"}

# Run in the pods by `python -c`, its argument {"resolve": [NAME...], "connect": [HOST:PORT...]}:
# looks up each name and tries each connection, all at once; prints
# {"resolved": {NAME: error or ""}, "connect": {HOST:PORT: error or ""}}.
PROBE = f"""
import concurrent.futures, json, socket, sys

def resolve(name):
    try:
        socket.gethostbyname(name)
    except OSError as error:
        return repr(error)
    return ""

def connect(target):
    host, port = target.rsplit(":", 1)
    try:
        socket.create_connection((host, int(port)), timeout={CONNECT_SECONDS}).close()
    except OSError as error:
        return repr(error)
    return ""

asked = json.loads(sys.argv[1])
with concurrent.futures.ThreadPoolExecutor(len(asked["resolve"]) + len(asked["connect"])) as pool:
    resolved = dict(zip(asked["resolve"], pool.map(resolve, asked["resolve"])))
    connected = dict(zip(asked["connect"], pool.map(connect, asked["connect"])))
print(json.dumps({{"resolved": resolved, "connect": connected}}))
"""


def prober(name: str) -> dict[str, Any]:
    """A pod of the lookout image doing nothing: its Python runs the probe."""
    command = ["python", "-c", "import time; time.sleep(86400)"]
    return restricted_pod(name, command, image_name="lookout", restartPolicy="Always")


def start(namespace: str, *objects: dict[str, Any]) -> None:
    doc = json.dumps({"apiVersion": "v1", "kind": "List", "items": list(objects)})
    kubectl("-n", namespace, "apply", "-f", "-", stdin=doc)
    for item in objects:
        if item["kind"] == "Pod":
            name = item["metadata"]["name"]
            kubectl(
                "-n", namespace, "wait", f"pod/{name}", "--for=condition=Ready", "--timeout=120s"
            )


@dataclass(frozen=True)
class Seen:
    """What one pod saw: each name's lookup error and each connection's ("" when it worked)."""

    resolved: dict[str, str]
    connect: dict[str, str]


def probe(
    namespace: str,
    pod: str,
    connect: list[str],
    resolve: Sequence[str] = (),
    container: str = "main",
) -> Seen:
    asked = json.dumps({"resolve": list(resolve), "connect": connect})
    done = kubectl(
        "-n", namespace, "exec", pod, "-c", container, "--", "python", "-c", PROBE, asked
    )
    found = json.loads(done.stdout)
    return Seen(found["resolved"], found["connect"])


@dataclass(frozen=True)
class Peers:
    """The namespaces around the release: the outside world's server and a prober beside it,
    and the ingress controller's namespace with a prober standing for the controller."""

    outside: str
    controller: str

    @property
    def server(self) -> str:
        return f"outside-server.{self.outside}.svc.cluster.local"


# The Kubernetes API's Service: an unselected pod reaches it.
KUBERNETES_API = "kubernetes.default.svc.cluster.local"


@pytest.fixture(scope="module")
def peers() -> Iterator[Peers]:
    with restricted_namespace("outside") as outside, restricted_namespace("ingressctl") as ctl:
        server = restricted_pod(
            "outside-server",
            ["httpd", "-f", "-p", str(SERVER_PORT), "-h", "/www"],
            restartPolicy="Always",
            container={
                "volumeMounts": [{"name": "www", "mountPath": "/www"}],
                "readinessProbe": {"tcpSocket": {"port": SERVER_PORT}, "periodSeconds": 1},
            },
            volumes=[{"name": "www", "emptyDir": {}}],
        )
        service = {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "outside-server"},
            "spec": {"selector": {"app": "outside-server"}, "ports": [{"port": SERVER_PORT}]},
        }
        start(outside, server, service, prober("prober"))
        start(ctl, prober("prober"))
        yield Peers(outside, ctl)


@dataclass(frozen=True)
class Boundary:
    """The release, its pods' addresses by component, and what each lookout workload's pods
    saw ({workload: [Seen of each pod]})."""

    release: Release
    peers: Peers
    addresses: dict[str, list[str]]
    seen: dict[str, list[Seen]]

    def service(self, port: str) -> str:
        """The Service name of a release port ("api:8080")."""
        name = port.split(":")[0]
        return f"{self.release.fullname}-{name}.{self.release.namespace}.svc.cluster.local"

    def targets(self, port: str) -> list[str]:
        """A release port ("api:8080") on each of its pods' addresses: what the policies filter
        (a Service's address is rewritten to these first; a pod's address also does not wait,
        as a Service's does, for kube-proxy to program a just-Ready endpoint)."""
        name, number = port.split(":")
        return [f"{address}:{number}" for address in self.addresses[name]]


def ingress_values(path: Path, controller: str) -> Path:
    """The dev install with its Ingress on, the ingress controller in ``controller``."""
    selector = {"matchLabels": {"kubernetes.io/metadata.name": controller}}
    values = {
        "ingress": {"enabled": True},
        "networkPolicy": {"ingressController": {"namespaceSelector": selector}},
    }
    path.write_text(yaml.safe_dump(values))
    return path


def running_pods(release: Release) -> dict[str, list[dict[str, Any]]]:
    """The release's running pods by component (Jobs' finished pods are not)."""
    pods: dict[str, list[dict[str, Any]]] = {}
    for pod in release.pods():
        component = pod["metadata"]["labels"]["app.kubernetes.io/component"]
        if pod["status"].get("phase") == "Running" and "deletionTimestamp" not in pod["metadata"]:
            pods.setdefault(component, []).append(pod)
    missing = [name for name in WORKLOADS if name not in pods]
    assert not missing, f"no running pod of {missing}"
    return pods


@pytest.fixture(scope="module", params=["helm3", "helm4"])
def boundary(
    request: pytest.FixtureRequest, peers: Peers, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Boundary]:
    with restricted_namespace(f"boundary-{request.param}") as namespace:
        release = Release(request.param, new_name("lookout"), namespace)
        try:
            values = ingress_values(
                tmp_path_factory.mktemp("boundary") / "values.yaml", peers.controller
            )
            release.install(CHART, DEV_VALUES, IMAGES_VALUES, values)
            pods = running_pods(release)
            addresses = {
                component: [pod["status"]["podIP"] for pod in found]
                for component, found in pods.items()
            }
            empty = Boundary(release, peers, addresses, {})
            names = [peers.server, KUBERNETES_API, *(empty.service(p) for p in RELEASE_PORTS)]
            connect = [f"{peers.server}:{SERVER_PORT}", f"{KUBERNETES_API}:443"]
            connect += [target for port in RELEASE_PORTS for target in empty.targets(port)]
            seen = {
                workload: [
                    probe(namespace, pod["metadata"]["name"], connect, names, container=workload)
                    for pod in pods[workload]
                ]
                for workload in WORKLOADS
            }
            yield Boundary(release, peers, addresses, seen)
        finally:
            release.uninstall()


def opened(boundary: Boundary, targets: list[str]) -> dict[str, bool]:
    """For each lookout workload: do its pods open ``targets``? (All or none, else it fails.)"""
    found = {}
    for workload, seen in boundary.seen.items():
        errors = {target: one.connect[target] for one in seen for target in targets}
        states = {error == "" for error in errors.values()}
        assert len(states) == 1, f"{workload}'s pods do not all agree on {targets}: {errors}"
        found[workload] = states.pop()
    return found


def errors(boundary: Boundary, targets: list[str]) -> dict[str, list[str]]:
    return {
        workload: [one.connect[target] for one in seen for target in targets]
        for workload, seen in boundary.seen.items()
    }


def test_every_name_resolves_in_every_lookout_pod(boundary: Boundary) -> None:
    unresolved = [
        (workload, name, error)
        for workload, seen in boundary.seen.items()
        for one in seen
        for name, error in one.resolved.items()
        if error
    ]
    assert unresolved == []


def test_a_server_in_another_namespace_answers_its_neighbour_but_no_lookout_pod(
    boundary: Boundary,
) -> None:
    server = f"{boundary.peers.server}:{SERVER_PORT}"
    neighbour = probe(boundary.peers.outside, "prober", [server]).connect[server]
    assert neighbour == "", f"the outside server does not answer its own namespace: {neighbour}"
    reached = opened(boundary, [server])
    assert not any(reached.values()), f"outside server reached: {reached}"


def test_no_lookout_pod_reaches_the_kubernetes_api(boundary: Boundary) -> None:
    api = f"{KUBERNETES_API}:443"
    neighbour = probe(boundary.peers.outside, "prober", [api]).connect[api]
    assert neighbour == "", f"an unselected pod does not reach the API server: {neighbour}"
    reached = opened(boundary, [api])
    assert not any(reached.values()), f"Kubernetes API reached: {reached}"


@pytest.mark.parametrize("service", ["postgresql:5432", "minio:9000", "maildev:1025"])
def test_a_dev_service_answers_exactly_the_workloads_that_use_it(
    boundary: Boundary, service: str
) -> None:
    expected = {workload: service in USES[workload] for workload in WORKLOADS}
    assert any(expected.values())  # the open cells show the port answers
    targets = boundary.targets(service)
    assert opened(boundary, targets) == expected, errors(boundary, targets)


@pytest.mark.parametrize("port", ["api:8080", "frontend:3000", "ingest:4318", "query:8081"])
def test_the_workloads_call_each_other_only_where_the_app_does(
    boundary: Boundary, port: str
) -> None:
    callee = port.split(":")[0]
    expected = {workload: port in USES[workload] for workload in WORKLOADS if workload != callee}
    targets = boundary.targets(port)
    found = opened(boundary, targets)
    found.pop(callee)  # a pod calling itself is not a boundary
    assert found == expected, errors(boundary, targets)


@pytest.mark.parametrize("origin", ["controller", "outside"])
def test_other_namespaces_reach_only_what_the_policies_open(
    boundary: Boundary, origin: str
) -> None:
    namespace = getattr(boundary.peers, origin)
    allowed = FROM_CONTROLLER if origin == "controller" else FROM_ELSEWHERE
    targets = {port: boundary.targets(port) for port in RELEASE_PORTS}
    seen = probe(namespace, "prober", [t for found in targets.values() for t in found])
    found = {}
    for port, addresses in targets.items():
        states = {seen.connect[target] == "" for target in addresses}
        assert len(states) == 1, f"{port}'s pods do not all agree: {seen.connect}"
        found[port] = states.pop()
    assert found == {port: port in allowed for port in RELEASE_PORTS}, seen.connect
