"""The local cluster does what the chart's installs need: a Ready node, cluster DNS, PVCs,
PodSecurity admission and Service traffic. Talks to the cluster only through its API
(kubectl with .cluster/kubeconfig), as any client on the host would."""

from __future__ import annotations

import json
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.kube import restricted_pod

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
STATE = REPO / ".cluster"
KUBECTL = [str(STATE / "bin" / "kubectl"), "--kubeconfig", str(STATE / "kubeconfig")]


def kubectl(
    *args: str, stdin: str | None = None, check: bool = True
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*KUBECTL, *args], input=stdin, capture_output=True, text=True, check=check, timeout=300
    )


def apply(namespace: str, *objects: dict) -> None:
    doc = json.dumps({"apiVersion": "v1", "kind": "List", "items": list(objects)})
    kubectl("-n", namespace, "apply", "-f", "-", stdin=doc)


def finished_logs(namespace: str, pod: str) -> str:
    kubectl(
        "-n",
        namespace,
        "wait",
        f"pod/{pod}",
        "--timeout=120s",
        "--for=jsonpath={.status.phase}=Succeeded",
    )
    return kubectl("-n", namespace, "logs", pod).stdout


@pytest.fixture(scope="module")
def namespace() -> Iterator[str]:
    name = f"e2e-{uuid.uuid4().hex[:8]}"
    kubectl("create", "namespace", name)
    kubectl("-n", name, "wait", "serviceaccount/default", "--for=create", "--timeout=60s")
    yield name
    kubectl("delete", "namespace", name, "--wait=false", check=False)


def test_node_is_ready() -> None:
    node = json.loads(kubectl("get", "node", "chartgen-node", "-o", "json").stdout)
    ready = {c["type"]: c["status"] for c in node["status"]["conditions"]}["Ready"]
    assert ready == "True"
    assert node["status"]["nodeInfo"]["kubeletVersion"].startswith("v1.34.")


def test_coredns_is_ready_behind_kube_dns() -> None:
    kubectl("-n", "kube-system", "rollout", "status", "deployment/coredns", "--timeout=60s")
    svc = json.loads(
        kubectl("-n", "kube-system", "get", "service", "kube-dns", "-o", "json").stdout
    )
    assert svc["spec"]["clusterIP"] == "10.96.0.10"
    assert svc["metadata"]["labels"]["k8s-app"] == "kube-dns"


def test_pod_resolves_the_api_service(namespace: str) -> None:
    apply(namespace, restricted_pod("dns", ["nslookup", "kubernetes.default.svc.cluster.local"]))
    assert "10.96.0.1" in finished_logs(namespace, "dns")


def test_pvc_binds_and_a_pod_writes_to_it(namespace: str) -> None:
    pvc = {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": "data"},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
    }
    pod = restricted_pod(
        "writer",
        ["sh", "-c", "echo written > /data/file && cat /data/file"],
        securityContext={"fsGroup": 10001},
        volumes=[{"name": "data", "persistentVolumeClaim": {"claimName": "data"}}],
        container={"volumeMounts": [{"name": "data", "mountPath": "/data"}]},
    )
    apply(namespace, pvc, pod)
    assert finished_logs(namespace, "writer").strip() == "written"
    claim = json.loads(kubectl("-n", namespace, "get", "pvc", "data", "-o", "json").stdout)
    assert claim["status"]["phase"] == "Bound"
    assert claim["spec"]["storageClassName"] == "local-dir"


def test_restricted_namespace_rejects_a_privileged_pod(namespace: str) -> None:
    ns = f"{namespace}-restricted"
    kubectl("create", "namespace", ns)
    try:
        kubectl("label", "namespace", ns, "pod-security.kubernetes.io/enforce=restricted")
        pod = restricted_pod(
            "privileged", ["true"], container={"securityContext": {"privileged": True}}
        )
        result = kubectl("-n", ns, "apply", "-f", "-", stdin=json.dumps(pod), check=False)
        assert result.returncode != 0
        assert "violates PodSecurity" in result.stderr
    finally:
        kubectl("delete", "namespace", ns, "--wait=false", check=False)


def test_pod_reaches_another_through_a_service(namespace: str) -> None:
    server = restricted_pod(
        "web",
        [
            "sh",
            "-c",
            "mkdir -p /tmp/www && echo hello-from-web > /tmp/www/index.html && "
            "exec httpd -f -p 8080 -h /tmp/www",
        ],
        restartPolicy="Always",
        container={"ports": [{"containerPort": 8080}]},
    )
    server["metadata"]["labels"] = {"app": "web"}
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web"},
        "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080}]},
    }
    apply(namespace, server, service)
    kubectl("-n", namespace, "wait", "pod/web", "--for=condition=Ready", "--timeout=120s")
    # HTTP by hand with nc (busybox-static's wget crashes), to the Service's IP from the
    # environment the kubelet sets (DNS has its own test above).
    client = restricted_pod(
        "client",
        [
            "sh",
            "-c",
            "for i in 1 2 3 4 5 6 7 8 9 10; do "
            "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 $WEB_SERVICE_HOST $WEB_SERVICE_PORT "
            "| grep hello && exit 0; sleep 2; done; exit 1",
        ],
    )
    apply(namespace, client)
    # An attempt before kube-proxy programs the new Service times out ("nc: timed out").
    assert "hello-from-web" in finished_logs(namespace, "client").splitlines()


def test_pod_and_service_addresses_exist_only_in_the_node_namespace() -> None:
    host = subprocess.run(["ip", "-o", "addr"], capture_output=True, text=True, check=True).stdout
    assert "10.244." not in host and "10.250.0.1" not in host
    node = subprocess.run(
        ["ip", "netns", "exec", "chartgen-node", "ip", "-o", "addr"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "10.244.0.1/" in node and "10.250.0.1/" in node
    routes = subprocess.run(
        ["ip", "netns", "exec", "chartgen-node", "ip", "route"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "default" not in routes
