"""What the chart's e2e tests share: kubectl and both Helm lines against the local cluster
(.cluster/kubeconfig), restricted namespaces, releases, port-forwards, and the diagnostics
an assertion message carries when a pod does not become Ready.

Everything goes through the API server: port-forwards listen on 127.0.0.1 only."""

from __future__ import annotations

import contextlib
import json
import re
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest

REPO = Path(__file__).resolve().parents[2]
STATE = REPO / ".cluster"
CHART = REPO / "generated" / "lookout"
DEV_VALUES = CHART / "ci" / "dev-values.yaml"
IMAGES_VALUES = STATE / "images-values.yaml"
KUBECONFIG = STATE / "kubeconfig"
HELMS = {
    "helm3": REPO / ".tools" / "helm-3.17.2" / "helm",
    "helm4": REPO / ".tools" / "helm-4.3.1" / "helm",
}
KUBECTL = str(STATE / "bin" / "kubectl")
RESTRICTED = "pod-security.kubernetes.io/enforce=restricted"
INSTALL_TIMEOUT = "10m"
COMMAND_SECONDS = 900
T = TypeVar("T")


def env() -> dict[str, str]:
    return {
        "KUBECONFIG": str(KUBECONFIG),
        "PATH": f"{STATE / 'bin'}:/usr/bin:/bin",
        "HOME": "/tmp",
        "HELM_CACHE_HOME": "/tmp/chartgen-e2e-helm/cache",
        "HELM_CONFIG_HOME": "/tmp/chartgen-e2e-helm/config",
        "HELM_DATA_HOME": "/tmp/chartgen-e2e-helm/data",
    }


def run(
    *args: str, stdin: str | None = None, check: bool = True, timeout: float = COMMAND_SECONDS
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        list(args),
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
        env=env(),
    )
    if check and done.returncode != 0:
        raise AssertionError(
            f"{' '.join(args)} exited {done.returncode}:\n{done.stdout[-4000:]}\n{done.stderr}"
        )
    return done


def kubectl(*args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return run(KUBECTL, *args, **kwargs)


def kube_json(*args: str) -> Any:
    return json.loads(kubectl(*args, "-o", "json").stdout)


def helm_binary(line: str) -> Path:
    binary = HELMS[line]
    if not binary.exists():
        pytest.skip(f"{binary} is missing: make tools")
    return binary


# --------------------------------------------------------------------------------------------
# Namespaces and releases


def image(name: str) -> str:
    """The local image of that name (`make cluster` lists them in .cluster/images.txt)."""
    for line in (STATE / "images.txt").read_text().splitlines():
        ref = line.split()[0]
        if f"/{name}:" in ref:
            return ref
    raise LookupError(name)


def restricted_pod(
    name: str, command: list[str], image_name: str = "toolbox", **extra: Any
) -> dict[str, Any]:
    """A pod passing the restricted Pod Security Standard, labelled app=<name>: ``container``
    adds to its one container, other keywords to its spec (restartPolicy Never unless given)."""
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
        **extra.pop("container", {}),
    }
    spec = {
        "restartPolicy": "Never",
        "terminationGracePeriodSeconds": 0,
        "containers": [container],
        **extra,
    }
    metadata = {"name": name, "labels": {"app": name}}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec}


def new_name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:6]}"


def create_restricted_namespace(name: str) -> None:
    kubectl("create", "namespace", name)
    kubectl("label", "namespace", name, RESTRICTED)


def delete_namespace(name: str) -> None:
    kubectl("delete", "namespace", name, "--wait=false", "--ignore-not-found", check=False)


@contextlib.contextmanager
def restricted_namespace(prefix: str) -> Iterator[str]:
    name = new_name(prefix)
    create_restricted_namespace(name)
    try:
        yield name
    finally:
        delete_namespace(name)


@dataclass(frozen=True)
class Release:
    line: str
    name: str
    namespace: str

    @property
    def helm(self) -> str:
        return str(helm_binary(self.line))

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return run(self.helm, *args, "--namespace", self.namespace, check=check)

    def install(self, chart: Path, *values: Path, sets: tuple[str, ...] = ()) -> None:
        self.deploy("install", chart, *values, sets=sets)

    def upgrade(self, chart: Path, *values: Path, sets: tuple[str, ...] = ()) -> None:
        self.deploy("upgrade", chart, *values, sets=sets)

    def deploy(self, verb: str, chart: Path, *values: Path, sets: tuple[str, ...] = ()) -> None:
        args = [verb, self.name, str(chart), "--wait", "--wait-for-jobs"]
        args += ["--timeout", INSTALL_TIMEOUT]
        for path in values:
            args += ["-f", str(path)]
        for item in sets:
            args += ["--set", item]
        done = self.run(*args, check=False)
        if done.returncode != 0:
            pytest.fail(f"helm {verb} ({self.line}) failed: {done.stderr}\n{diagnostics(self)}")

    def uninstall(self) -> None:
        self.run("uninstall", self.name, "--wait", "--timeout", "5m", check=False)

    @property
    def fullname(self) -> str:
        """The chart's object name prefix (the release name when it holds the chart's)."""
        return self.name if "lookout" in self.name else f"{self.name}-lookout"

    @property
    def selector(self) -> str:
        return f"app.kubernetes.io/instance={self.name}"

    def pods(self) -> list[dict[str, Any]]:
        return kube_json("-n", self.namespace, "get", "pods", "-l", self.selector)["items"]


def diagnostics(release: Release) -> str:
    """``kubectl describe`` and the logs of every pod of the release that is not Ready."""
    parts = [kubectl("-n", release.namespace, "get", "pods,jobs", "-o", "wide", check=False).stdout]
    for pod in release.pods():
        if pod_ready(pod) or pod["status"].get("phase") == "Succeeded":
            continue
        name = pod["metadata"]["name"]
        parts.append(kubectl("-n", release.namespace, "describe", "pod", name, check=False).stdout)
        logs = kubectl(
            "-n", release.namespace, "logs", name, "--all-containers", "--tail=60", check=False
        )
        parts.append(f"--- logs of {name}:\n{logs.stdout}{logs.stderr}")
    return "\n".join(parts)[-20000:]


def pod_ready(pod: dict[str, Any]) -> bool:
    conditions = pod["status"].get("conditions") or []
    return any(c["type"] == "Ready" and c["status"] == "True" for c in conditions)


def assert_all_ready(release: Release) -> None:
    """Every Job of the release complete and every other pod Ready (a Job's failed attempts
    before its success are the Job's business; pods being deleted are not counted)."""
    pods = release.pods()
    assert pods, f"no pods of {release.name}"
    jobs = kube_json("-n", release.namespace, "get", "jobs", "-l", release.selector)["items"]
    for job in jobs:
        conditions = job["status"].get("conditions") or []
        complete = any(c["type"] == "Complete" and c["status"] == "True" for c in conditions)
        assert complete, f"Job {job['metadata']['name']} not complete:\n{diagnostics(release)}"
    for pod in pods:
        metadata = pod["metadata"]
        if "batch.kubernetes.io/job-name" in metadata.get("labels", {}):
            continue
        if "deletionTimestamp" in metadata:  # an old ReplicaSet's pod, on its way out
            continue
        assert pod_ready(pod), f"{pod['metadata']['name']} not Ready:\n{diagnostics(release)}"


# --------------------------------------------------------------------------------------------
# Port-forwards

FORWARDING = re.compile(r"Forwarding from 127\.0\.0\.1:(\d+) ->")


@contextlib.contextmanager
def port_forward(namespace: str, target: str, port: int, seconds: float = 30) -> Iterator[str]:
    """``kubectl port-forward`` to ``target`` (service/NAME) on a free 127.0.0.1 port; yields
    the base URL and stops the forward on exit."""
    process = subprocess.Popen(
        [KUBECTL, "-n", namespace, "port-forward", "--address", "127.0.0.1", target, f":{port}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env(),
    )
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + seconds
        line = ""
        while time.monotonic() < deadline and process.poll() is None:
            line = process.stdout.readline()
            if match := FORWARDING.search(line):
                yield f"http://127.0.0.1:{match.group(1)}"
                break
        else:
            stderr = process.stderr.read() if process.stderr and process.poll() is not None else ""
            pytest.fail(f"port-forward to {target}:{port} did not start: {line}{stderr}")
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
