"""The boundary, enforced: the cluster runs a NetworkPolicy engine (kube-router's firewall
controller, cluster/up.sh), so the dev install's NetworkPolicies filter for real. On both Helm
lines, TCP connections are tried FROM INSIDE every lookout workload's pod (``kubectl exec``,
the image's Python, a short connect timeout) and from pods in two other namespaces:

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
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.e2e.kube import (
    CHART,
    DEV_VALUES,
    IMAGES_VALUES,
    STATE,
    Release,
    kubectl,
    new_name,
    restricted_namespace,
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
# The release's ports: its workloads' and its dev services'. Not ingest's grpc port 4317:
# nothing listens there (lookout/serve/ingest.py), so no probe could tell its policy apart.
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

# Run in the pods by `python -c`: resolves each HOST:PORT, then connects to the address, all
# at once; prints one JSON object per target.
PROBE = f"""
import concurrent.futures, json, socket, sys

def probe(target):
    host, port = target.rsplit(":", 1)
    try:
        address = socket.gethostbyname(host)
    except OSError as error:
        return {{"target": target, "resolved": False, "open": False, "error": repr(error)}}
    try:
        socket.create_connection((address, int(port)), timeout={CONNECT_SECONDS}).close()
    except OSError as error:
        return {{"target": target, "resolved": True, "open": False, "error": repr(error)}}
    return {{"target": target, "resolved": True, "open": True, "error": ""}}

targets = sys.argv[1:]
with concurrent.futures.ThreadPoolExecutor(len(targets)) as pool:
    print(json.dumps(list(pool.map(probe, targets))))
"""


def image(name: str) -> str:
    for line in (STATE / "images.txt").read_text().splitlines():
        ref = line.split()[0]
        if f"/{name}:" in ref:
            return ref
    raise LookupError(name)


def restricted_pod(name: str, image_name: str, command: list[str], **spec: Any) -> dict[str, Any]:
    """A pod passing the restricted Pod Security Standard."""
    container = {
        "name": "main",
        "image": image(image_name),
        "imagePullPolicy": "Never",
        "command": command,
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "capabilities": {"drop": ["ALL"]},
            "runAsNonRoot": True,
            "runAsUser": 10001,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        **spec.pop("container", {}),
    }
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": {"app": name}},
        "spec": {"terminationGracePeriodSeconds": 0, "containers": [container], **spec},
    }


def prober(name: str) -> dict[str, Any]:
    """A pod of the lookout image doing nothing: its Python runs the probe."""
    return restricted_pod(name, "lookout", ["python", "-c", "import time; time.sleep(86400)"])


def start(namespace: str, *objects: dict[str, Any]) -> None:
    doc = json.dumps({"apiVersion": "v1", "kind": "List", "items": list(objects)})
    kubectl("-n", namespace, "apply", "-f", "-", stdin=doc)
    for item in objects:
        if item["kind"] == "Pod":
            name = item["metadata"]["name"]
            kubectl(
                "-n", namespace, "wait", f"pod/{name}", "--for=condition=Ready", "--timeout=120s"
            )


def probe(namespace: str, pod: str, targets: list[str], container: str = "main") -> dict[str, Any]:
    """What ``pod`` sees of each HOST:PORT: {target: {"resolved", "open", "error"}}."""
    done = kubectl(
        "-n", namespace, "exec", pod, "-c", container, "--", "python", "-c", PROBE, *targets
    )
    return {found["target"]: found for found in json.loads(done.stdout)}


@dataclass(frozen=True)
class Peers:
    """The namespaces around the release: the outside world's server and a prober beside it,
    and the ingress controller's namespace with a prober standing for the controller."""

    outside: str
    controller: str

    @property
    def server(self) -> str:
        return f"outside-server.{self.outside}.svc.cluster.local:{SERVER_PORT}"


@pytest.fixture(scope="module")
def peers() -> Iterator[Peers]:
    with restricted_namespace("outside") as outside, restricted_namespace("ingressctl") as ctl:
        server = restricted_pod(
            "outside-server",
            "toolbox",
            ["httpd", "-f", "-p", str(SERVER_PORT), "-h", "/www"],
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
    release: Release
    peers: Peers
    # What each lookout workload's pods see: {workload: [probe result of each pod]}.
    seen: dict[str, list[dict[str, Any]]]

    def host(self, port: str) -> str:
        """A release port ("api:8080") as its Service's name and port."""
        name, number = port.split(":")
        return f"{self.release.fullname}-{name}.{self.release.namespace}.svc.cluster.local:{number}"


def ingress_values(path: Path, controller: str) -> Path:
    """The dev install with its Ingress on, the ingress controller in ``controller``."""
    selector = {"matchLabels": {"kubernetes.io/metadata.name": controller}}
    values = {
        "ingress": {"enabled": True},
        "networkPolicy": {"ingressController": {"namespaceSelector": selector}},
    }
    path.write_text(yaml.safe_dump(values))
    return path


def workload_pods(release: Release) -> dict[str, list[str]]:
    pods: dict[str, list[str]] = {workload: [] for workload in WORKLOADS}
    for pod in release.pods():
        component = pod["metadata"]["labels"].get("app.kubernetes.io/component")
        running = pod["status"].get("phase") == "Running"
        if component in pods and running and "deletionTimestamp" not in pod["metadata"]:
            pods[component].append(pod["metadata"]["name"])
    missing = [workload for workload, names in pods.items() if not names]
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
            empty = Boundary(release, peers, {})
            targets = [peers.server, "kubernetes.default.svc.cluster.local:443"]
            targets += [empty.host(port) for port in RELEASE_PORTS]
            seen = {
                workload: [probe(namespace, pod, targets, container=workload) for pod in pods]
                for workload, pods in workload_pods(release).items()
            }
            yield Boundary(release, peers, seen)
        finally:
            release.uninstall()


def opened(boundary: Boundary, target: str) -> dict[str, bool]:
    """For each workload: do all its pods open ``target``? (None of them, when not all.)"""
    found = {}
    for workload, results in boundary.seen.items():
        states = {result[target]["open"] for result in results}
        assert len(states) == 1, f"{workload}'s pods disagree on {target}: {results}"
        found[workload] = states.pop()
    return found


def errors(boundary: Boundary, target: str) -> dict[str, str]:
    return {workload: results[0][target]["error"] for workload, results in boundary.seen.items()}


def test_every_name_resolves_in_every_lookout_pod(boundary: Boundary) -> None:
    unresolved = [
        (workload, target, found["error"])
        for workload, results in boundary.seen.items()
        for result in results
        for target, found in result.items()
        if not found["resolved"]
    ]
    assert unresolved == []


def test_a_server_in_another_namespace_answers_its_neighbour_but_no_lookout_pod(
    boundary: Boundary,
) -> None:
    peers = boundary.peers
    neighbour = probe(peers.outside, "prober", [peers.server])[peers.server]
    assert neighbour["open"], f"the outside server does not answer its own namespace: {neighbour}"
    reached = opened(boundary, peers.server)
    assert not any(reached.values()), f"outside server reached: {reached}"


def test_no_lookout_pod_reaches_the_kubernetes_api(boundary: Boundary) -> None:
    api = "kubernetes.default.svc.cluster.local:443"
    neighbour = probe(boundary.peers.outside, "prober", [api])[api]
    assert neighbour["open"], f"an unselected pod does not reach the API server: {neighbour}"
    reached = opened(boundary, api)
    assert not any(reached.values()), f"Kubernetes API reached: {reached}"


@pytest.mark.parametrize("service", ["postgresql:5432", "minio:9000", "maildev:1025"])
def test_a_dev_service_answers_exactly_the_workloads_that_use_it(
    boundary: Boundary, service: str
) -> None:
    expected = {workload: service in USES[workload] for workload in WORKLOADS}
    assert any(expected.values())  # the open cells show the port answers
    found = opened(boundary, boundary.host(service))
    assert found == expected, errors(boundary, boundary.host(service))


@pytest.mark.parametrize("port", ["api:8080", "frontend:3000", "ingest:4318", "query:8081"])
def test_the_workloads_call_each_other_only_where_the_app_does(
    boundary: Boundary, port: str
) -> None:
    callee = port.split(":")[0]
    expected = {workload: port in USES[workload] for workload in WORKLOADS if workload != callee}
    found = opened(boundary, boundary.host(port))
    found.pop(callee)  # a pod calling its own Service is not a boundary
    assert found == expected, errors(boundary, boundary.host(port))


@pytest.mark.parametrize("origin", ["controller", "outside"])
def test_other_namespaces_reach_only_what_the_policies_open(
    boundary: Boundary, origin: str
) -> None:
    namespace = getattr(boundary.peers, origin)
    allowed = FROM_CONTROLLER if origin == "controller" else FROM_ELSEWHERE
    seen = probe(namespace, "prober", [boundary.host(port) for port in RELEASE_PORTS])
    found = {port: seen[boundary.host(port)]["open"] for port in RELEASE_PORTS}
    assert found == {port: port in allowed for port in RELEASE_PORTS}, seen
