"""A tiny stand-in for a Kubernetes API server, just enough for Helm's ``lookup``.

Real Helm binaries render with ``--dry-run=server`` against it: it answers the discovery
requests (legacy discovery only: a request for aggregated discovery gets the legacy lists as
plain ``application/json``, as an API server without it does, and client-go falls back) and
GETs of single namespaced objects, from the objects ``put`` into it (a 404 ``Status``
otherwise). Any other GET gets a 404 ``Status``, any other method a 405. It listens on
127.0.0.1 only, needs no auth, and records every request it is sent (``requests``).
"""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

# group/version -> resource -> kind: what the chart renders, plus what Helm itself touches.
RESOURCES: dict[str, dict[str, str]] = {
    "v1": {
        "configmaps": "ConfigMap",
        "namespaces": "Namespace",
        "persistentvolumeclaims": "PersistentVolumeClaim",
        "pods": "Pod",
        "secrets": "Secret",
        "serviceaccounts": "ServiceAccount",
        "services": "Service",
    },
    "apps/v1": {"deployments": "Deployment", "statefulsets": "StatefulSet"},
    "autoscaling/v2": {"horizontalpodautoscalers": "HorizontalPodAutoscaler"},
    "batch/v1": {"jobs": "Job"},
    "networking.k8s.io/v1": {"ingresses": "Ingress", "networkpolicies": "NetworkPolicy"},
    "policy/v1": {"poddisruptionbudgets": "PodDisruptionBudget"},
}
CLUSTER_SCOPED = {"namespaces"}
VERSION = {
    "major": "1",
    "minor": "31",
    "gitVersion": "v1.31.0",
    "platform": "linux/amd64",
}
# /api/v1/namespaces/<ns>/<resource>/<name> or /apis/<group>/<version>/namespaces/...
OBJECT = re.compile(
    r"^/(?:api/(?P<core>v1)|apis/(?P<gv>[^/]+/[^/]+))"
    r"/namespaces/(?P<ns>[^/]+)/(?P<resource>[^/]+)/(?P<name>[^/]+)$"
)


def _resource_list(group_version: str) -> dict[str, Any]:
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": group_version,
        "resources": [
            {
                "name": name,
                "singularName": kind.lower(),
                "namespaced": name not in CLUSTER_SCOPED,
                "kind": kind,
                "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"],
            }
            for name, kind in sorted(RESOURCES[group_version].items())
        ],
    }


def _group_list() -> dict[str, Any]:
    groups = []
    for group_version in sorted(RESOURCES):
        if group_version == "v1":
            continue
        group, version = group_version.split("/")
        entry = {"groupVersion": group_version, "version": version}
        groups.append({"name": group, "versions": [entry], "preferredVersion": entry})
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def _status(code: int, reason: str, message: str) -> dict[str, Any]:
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }


class FakeKubeAPI:
    """Start with ``start()``, stop with ``stop()``; ``url`` is where it listens."""

    def __init__(self) -> None:
        self.objects: dict[tuple[str, str, str, str], dict[str, Any]] = {}
        self.requests: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeKubeAPI:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def put(self, obj: dict[str, Any]) -> None:
        """Store an object (as rendered: apiVersion, kind, metadata.name/namespace)."""
        group_version = obj["apiVersion"]
        [resource] = [r for r, k in RESOURCES[group_version].items() if k == obj["kind"]]
        meta = obj["metadata"]
        with self._lock:
            self.objects[(group_version, resource, meta["namespace"], meta["name"])] = obj

    def clear(self) -> None:
        with self._lock:
            self.objects.clear()
            self.requests.clear()

    def write_kubeconfig(self, path: Path, namespace: str = "default") -> Path:
        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "fake", "cluster": {"server": self.url}}],
            "users": [{"name": "fake", "user": {}}],
            "contexts": [
                {
                    "name": "fake",
                    "context": {"cluster": "fake", "user": "fake", "namespace": namespace},
                }
            ],
            "current-context": "fake",
        }
        path.write_text(json.dumps(config))
        path.chmod(0o600)
        return path

    def answer(self, method: str, path: str) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.requests.append((method, path))
        if method != "GET":
            return 405, _status(405, "MethodNotAllowed", f"{method} is not served here")
        if path == "/version":
            return 200, VERSION
        if path == "/api":
            return 200, {"kind": "APIVersions", "versions": ["v1"]}
        if path == "/apis":
            return 200, _group_list()
        if path == "/api/v1":
            return 200, _resource_list("v1")
        if path.startswith("/apis/") and path.removeprefix("/apis/") in RESOURCES:
            return 200, _resource_list(path.removeprefix("/apis/"))
        match = OBJECT.match(path)
        if match:
            group_version = match["core"] or match["gv"]
            key = (group_version, match["resource"], match["ns"], match["name"])
            with self._lock:
                obj = self.objects.get(key)
            if obj is not None:
                return 200, obj
            return 404, _status(404, "NotFound", f'{match["resource"]} "{match["name"]}" not found')
        return 404, _status(404, "NotFound", "the server could not find the requested resource")

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes: without this, each reply waits ~40 ms.
            disable_nagle_algorithm = True

            def _reply(self) -> None:
                path = self.path.split("?", 1)[0]
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                code, body = api.answer(self.command, path)
                payload = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _reply

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler
