"""``/healthz`` (the process answers) and ``/readyz`` (its database and bucket answer).

A background thread checks the dependencies every few seconds and the probe reads the last
result, so a probe never waits on a slow dependency longer than its own timeout.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from lookout.serve.web import Request, Response, Router, json_response

log = logging.getLogger("lookout.health")

CHECK_INTERVAL_SECONDS = 5.0
CHECK_TIMEOUT_SECONDS = 3.0

Check = Callable[[], None]  # raises when the dependency does not answer


class Health:
    def __init__(self, checks: dict[str, Check], stop: threading.Event) -> None:
        self.checks = checks
        self.stop = stop
        self._problems: dict[str, str] | None = None if checks else {}
        self._lock = threading.Lock()

    def start(self) -> None:
        if self.checks:
            threading.Thread(target=self._loop, name="readiness", daemon=True).start()

    def check_now(self) -> dict[str, str]:
        problems: dict[str, str] = {}
        for name, check in self.checks.items():
            try:
                check()
            except Exception as error:
                problems[name] = str(error) or type(error).__name__
        with self._lock:
            previous = self._problems
            self._problems = problems
        if problems != previous:
            if problems:
                log.warning("not ready: %s", "; ".join(f"{k}: {v}" for k, v in problems.items()))
            else:
                log.info("ready: %s answer", " and ".join(self.checks))
        return problems

    def _loop(self) -> None:
        while not self.stop.is_set():
            started = time.monotonic()
            self.check_now()
            self.stop.wait(max(0.0, CHECK_INTERVAL_SECONDS - (time.monotonic() - started)))

    def problems(self) -> dict[str, str] | None:
        with self._lock:
            return self._problems

    def routes(self, router: Router) -> None:
        router.add("GET", "/healthz", self._healthz)
        router.add("GET", "/readyz", self._readyz)

    def _healthz(self, request: Request) -> Response:
        return json_response({"status": "ok"})

    def _readyz(self, request: Request) -> Response:
        if self.stop.is_set():
            return json_response({"status": "stopping"}, 503)
        problems = self.problems()
        if problems is None:
            return json_response({"status": "starting"}, 503)
        if problems:
            return json_response({"status": "not ready", "problems": problems}, 503)
        return json_response({"status": "ready"})
